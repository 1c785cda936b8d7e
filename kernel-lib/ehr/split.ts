/**
 * Patient-level train/validation/test split, stratified on in-hospital death and
 * seeded, so each patient lands in exactly one split and the same seed gives the
 * same split.
 */
import { Random } from '../util/random';

export interface SplitFractions {
  train: number;
  validation: number;
  test: number;
}

/** Default fractions of patients per split. */
export const DEFAULT_SPLIT_FRACTIONS: Readonly<SplitFractions> = { train: 0.7, validation: 0.15, test: 0.15 };

/** A patient to split: its RecordID and label. */
export interface SplitPatient {
  recordId: number;
  inHospitalDeath: 0 | 1;
}

/** RecordIDs per split, each sorted ascending. */
export interface PatientSplit {
  train: number[];
  validation: number[];
  test: number[];
}

/**
 * Splits patients by RecordID. Within each label the RecordIDs are sorted, shuffled
 * with `Random(seed)`, and cut into round(train·n) training patients,
 * round(validation·n) validation patients and the rest for test, so each label keeps
 * its share in every split up to rounding. Throws `splitPatients: …` for a
 * non-integer seed, fractions that are negative or do not sum to 1, or a repeated
 * RecordID.
 */
export function splitPatients(
  patients: readonly SplitPatient[],
  seed: number,
  fractions: SplitFractions = DEFAULT_SPLIT_FRACTIONS,
): PatientSplit {
  if (!Number.isInteger(seed)) throw new Error(`splitPatients: \`seed\` must be an integer, got ${seed}`);
  const { train, validation, test } = fractions;
  const parts = [train, validation, test];
  if (parts.some((f) => !Number.isFinite(f) || f < 0) || Math.abs(train + validation + test - 1) > 1e-9) {
    throw new Error(`splitPatients: fractions must be non-negative and sum to 1, got train ${train}, validation ${validation}, test ${test}`);
  }
  const seen = new Set<number>();
  for (const patient of patients) {
    if (seen.has(patient.recordId)) throw new Error(`splitPatients: RecordID ${patient.recordId} appears twice; each patient must be listed once`);
    if (patient.inHospitalDeath !== 0 && patient.inHospitalDeath !== 1) {
      throw new Error(`splitPatients: inHospitalDeath of RecordID ${patient.recordId} must be 0 or 1, got ${patient.inHospitalDeath}`);
    }
    seen.add(patient.recordId);
  }

  const random = new Random(seed);
  const split: PatientSplit = { train: [], validation: [], test: [] };
  for (const label of [0, 1] as const) {
    const ids = patients.filter((p) => p.inHospitalDeath === label).map((p) => p.recordId).sort((a, b) => a - b);
    const order = random.permutation(ids.length);
    const numTrain = Math.round(train * ids.length);
    const numValidation = Math.min(Math.round(validation * ids.length), ids.length - numTrain);
    order.forEach((index, rank) => {
      if (rank < numTrain) split.train.push(ids[index]);
      else if (rank < numTrain + numValidation) split.validation.push(ids[index]);
      else split.test.push(ids[index]);
    });
  }
  for (const ids of [split.train, split.validation, split.test]) ids.sort((a, b) => a - b);
  return split;
}
