/**
 * Subgroups of ICU patients for per-group metrics: age bands and sex, from the PhysioNet 2012
 * descriptors (Age in years, Gender 0 = female and 1 = male, null when unknown).
 */

export const AGE_BANDS = ['<50', '50-64', '65-79', '>=80'] as const;
export type AgeBand = (typeof AGE_BANDS)[number];

export const SEX_GROUPS = ['female', 'male'] as const;
export type SexGroup = (typeof SEX_GROUPS)[number];

/** Returns the age band of `age` in years with half-open bands [0, 50), [50, 65), [65, 80), [80, ∞), or null for an unknown age. */
export function ageBand(age: number | null): AgeBand | null {
  if (age === null) return null;
  if (typeof age !== 'number' || !Number.isFinite(age) || age < 0) {
    throw new Error(`ageBand: \`age\` must be a finite number of years >= 0 or null, got ${age}; pass null for an unknown age`);
  }
  if (age < 50) return '<50';
  if (age < 65) return '50-64';
  if (age < 80) return '65-79';
  return '>=80';
}

/** Returns the sex group of a PhysioNet 2012 `Gender` value (0 female, 1 male), or null for an unknown one. */
export function sexGroup(gender: number | null): SexGroup | null {
  if (gender === null) return null;
  if (gender === 0) return 'female';
  if (gender === 1) return 'male';
  throw new Error(`sexGroup: \`gender\` must be 0 (female), 1 (male) or null, got ${gender}; pass null for an unknown value such as -1`);
}
