/**
 * Admission descriptors as model inputs: age standardised with training statistics,
 * sex as ±1 (0 when unknown), and the ICU type one-hot as ±1 (all −1 when unknown).
 * Layout of one patient's row: [age z, sex, ICU type 1, 2, 3, 4].
 */
import { PhysionetDescriptors } from './physionet-record';

export const STATIC_FEATURE_NAMES = ['Age', 'Gender', 'ICUType=1', 'ICUType=2', 'ICUType=3', 'ICUType=4'] as const;
export const NUM_STATIC_FEATURES = STATIC_FEATURE_NAMES.length;

/** Age mean and standard deviation in years, from training patients. */
export interface StaticStats {
  ageMean: number;
  ageStd: number;
}

/** Age range that decoded ages are clipped to, in years (the challenge admitted adults). */
export const AGE_RANGE: readonly [number, number] = [15, 100];

/** Fits the age statistics on training descriptors; unknown ages are skipped. */
export function fitStaticStats(descriptors: readonly PhysionetDescriptors[]): StaticStats {
  const ages = descriptors.map((d) => d.Age).filter((a): a is number => a !== null && Number.isFinite(a));
  if (ages.length === 0) throw new Error('fitStaticStats: no training patient has a known Age; check the descriptors of the records');
  const mean = ages.reduce((a, b) => a + b, 0) / ages.length;
  const variance = ages.reduce((a, b) => a + (b - mean) ** 2, 0) / ages.length;
  return { ageMean: mean, ageStd: variance > 0 ? Math.sqrt(variance) : 1 };
}

/** Encodes descriptors to [patients, NUM_STATIC_FEATURES]; an unknown age becomes z = 0 (the mean). */
export function encodeStaticFeatures(descriptors: readonly PhysionetDescriptors[], stats: StaticStats): Float32Array {
  const out = new Float32Array(descriptors.length * NUM_STATIC_FEATURES);
  descriptors.forEach((d, i) => {
    const row = i * NUM_STATIC_FEATURES;
    out[row] = d.Age === null ? 0 : (d.Age - stats.ageMean) / stats.ageStd;
    let sex = 0;
    if (d.Gender === 1) sex = 1;
    else if (d.Gender === 0) sex = -1;
    out[row + 1] = sex;
    for (let k = 0; k < 4; k++) out[row + 2 + k] = d.ICUType === k + 1 ? 1 : -1;
  });
  return out;
}

/**
 * Decodes rows of static features to descriptors: age clipped to AGE_RANGE and rounded to
 * whole years, sex by sign (exactly 0 gives unknown), ICU type by the largest of its four
 * entries. Height and Weight are not modelled and come back null.
 */
export function decodeStaticFeatures(features: Float32Array, count: number, stats: StaticStats): PhysionetDescriptors[] {
  if (features.length !== count * NUM_STATIC_FEATURES) {
    throw new Error(`decodeStaticFeatures: ${features.length} values do not make ${count} rows of ${NUM_STATIC_FEATURES}; pass [count, ${NUM_STATIC_FEATURES}] features`);
  }
  const out: PhysionetDescriptors[] = [];
  for (let i = 0; i < count; i++) {
    const row = i * NUM_STATIC_FEATURES;
    const age = features[row] * stats.ageStd + stats.ageMean;
    let icuType = 1;
    for (let k = 1; k < 4; k++) if (features[row + 2 + k] > features[row + 2 + icuType - 1]) icuType = k + 1;
    const sex = features[row + 1];
    let gender: number | null = null;
    if (sex > 0) gender = 1;
    else if (sex < 0) gender = 0;
    out.push({
      Age: Math.round(Math.min(AGE_RANGE[1], Math.max(AGE_RANGE[0], age))),
      Gender: gender,
      Height: null,
      ICUType: icuType,
      Weight: null,
    });
  }
  return out;
}
