import * as fs from 'fs';
import * as path from 'path';
import * as assert from 'uvu/assert';
import { RecordSet } from '../../kernel-lib/privacy/records';
import { Random } from '../../kernel-lib/util/random';

/** Records with independent N(mean, scale²) features, `[numRecords, numFeatures]`. */
export function normalRecords(random: Random, numRecords: number, numFeatures: number, scale = 1, mean = 0): RecordSet {
  const data = new Float64Array(numRecords * numFeatures);
  for (let i = 0; i < data.length; i++) data[i] = mean + scale * random.normal();
  return { data, numRecords, numFeatures };
}

/** One patient of an EHR fixture: descriptors, hourly heart rates (NaN = not measured) and the outcome. */
export interface FixturePatient {
  id: number;
  died: 0 | 1;
  age: number;
  /** 0 female, 1 male, null unknown (written as -1). */
  gender: 0 | 1 | null;
  icuType: number;
  heartRates: number[];
}

/** Patients whose heart rate rises with in-hospital death, so a mortality model has signal. */
export function makePatients(random: Random, count: number, firstId: number, hours = 6): FixturePatient[] {
  return Array.from({ length: count }, (_, i) => {
    const died = (i % 3 === 0 ? 1 : 0) as 0 | 1;
    return {
      id: firstId + i,
      died,
      age: 40 + random.int(50),
      gender: random.int(2) as 0 | 1,
      icuType: 1 + random.int(4),
      heartRates: Array.from({ length: hours }, () => Math.round(75 + 25 * died + 8 * random.normal())),
    };
  });
}

/**
 * Writes `<prefix>_timeseries.csv` and `<prefix>_outcomes.csv` in the long format of
 * SyntheticEhrWriter, and `<prefix>_metadata.json` when `metadata` is given. Returns the time
 * series path.
 */
export function writeEhrCsv(dir: string, prefix: string, patients: FixturePatient[], metadata?: Record<string, unknown>): string {
  fs.mkdirSync(dir, { recursive: true });
  const rows = ['RecordID,Time,Parameter,Value'];
  const outcomes = ['RecordID,In-hospital_death'];
  for (const patient of patients) {
    rows.push(
      `${patient.id},00:00,RecordID,${patient.id}`,
      `${patient.id},00:00,Age,${patient.age}`,
      `${patient.id},00:00,Gender,${patient.gender === null ? -1 : patient.gender}`,
      `${patient.id},00:00,Height,-1`,
      `${patient.id},00:00,ICUType,${patient.icuType}`,
      `${patient.id},00:00,Weight,-1`,
    );
    patient.heartRates.forEach((rate, hour) => {
      if (!Number.isNaN(rate)) rows.push(`${patient.id},${String(hour).padStart(2, '0')}:00,HR,${rate}`);
    });
    outcomes.push(`${patient.id},${patient.died}`);
  }
  fs.writeFileSync(path.join(dir, `${prefix}_timeseries.csv`), rows.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, `${prefix}_outcomes.csv`), outcomes.join('\n') + '\n');
  if (metadata !== undefined) fs.writeFileSync(path.join(dir, `${prefix}_metadata.json`), JSON.stringify(metadata));
  return path.join(dir, `${prefix}_timeseries.csv`);
}

/** Asserts that `run` throws (or rejects) with a message matching `pattern`. */
export async function assertThrows(run: () => unknown, pattern: RegExp): Promise<void> {
  let message: string | null = null;
  try {
    await run();
  } catch (error) {
    message = (error as Error).message;
  }
  if (message === null) assert.unreachable(`expected an error matching ${pattern}, but none was thrown`);
  else assert.match(message, pattern);
}
