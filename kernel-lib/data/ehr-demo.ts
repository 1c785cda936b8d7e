/**
 * Built-in generated ICU demo records in the PhysioNet 2012 file format, for running the EHR
 * pipeline on a machine without the real data. They are NOT patient data: heart rate,
 * temperature, urine output and GCS follow simple seeded rules, and patients who die have
 * higher heart rates and lower GCS.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Random } from '../util/random';
import { makeDirectory } from '../util/make-directory';

export interface EhrDemoSet {
  recordFolder: string;
  outcomesPath: string;
}

/**
 * Writes `count` demo records (`<dir>/set-a/<RecordID>.txt`) and `<dir>/Outcomes-a.txt`, every
 * third patient dying in hospital. Same count and seed: byte-identical files.
 */
export function writeEhrDemoSet(dir: string, options: { count?: number; seed?: number } = {}): EhrDemoSet {
  const count = options.count ?? 300;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(count) || count < 10) throw new Error(`writeEhrDemoSet: \`count\` must be an integer >= 10, got ${count}`);
  const rng = new Random(seed);
  const recordFolder = path.join(dir, 'set-a');
  makeDirectory(recordFolder);
  const outcomes = ['RecordID,SAPS-I,SOFA,Length_of_stay,Survival,In-hospital_death'];
  for (let i = 0; i < count; i++) {
    const id = 132000 + i;
    const died = i % 3 === 0 ? 1 : 0;
    const rows = [
      'Time,Parameter,Value',
      `00:00,RecordID,${id}`,
      `00:00,Age,${40 + rng.int(50)}`,
      `00:00,Gender,${rng.int(2)}`,
      '00:00,Height,-1',
      `00:00,ICUType,${1 + rng.int(4)}`,
      `00:00,Weight,${60 + rng.int(40)}`,
    ];
    for (let hour = 0; hour < 24; hour += 1 + rng.int(3)) {
      const time = `${String(hour).padStart(2, '0')}:${String(rng.int(60)).padStart(2, '0')}`;
      rows.push(`${time},HR,${Math.round(75 + 20 * died + 8 * rng.normal())}`);
      if (rng.uniform() < 0.5) rows.push(`${time},Temp,${(37 + 0.5 * rng.normal()).toFixed(1)}`);
      if (rng.uniform() < 0.6) rows.push(`${time},Urine,${Math.max(0, Math.round(80 + 40 * rng.normal()))}`);
      if (rng.uniform() < 0.3) rows.push(`${time},GCS,${died ? 8 + rng.int(4) : 13 + rng.int(3)}`);
    }
    fs.writeFileSync(path.join(recordFolder, `${id}.txt`), rows.join('\n') + '\n');
    outcomes.push(`${id},10,3,5,${died ? 4 : -1},${died}`);
  }
  const outcomesPath = path.join(dir, 'Outcomes-a.txt');
  fs.writeFileSync(outcomesPath, outcomes.join('\n') + '\n');
  return { recordFolder, outcomesPath };
}
