import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeEhrDemoSet } from '../../kernel-lib/data/ehr-demo';

/** Writes the built-in generated demo records (not patient data) to a new temporary folder. */
export function writePhysionetFixture(count = 40, seed = 1): { root: string; recordFolder: string; outcomesPath: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-physionet-fixture-'));
  return { root, ...writeEhrDemoSet(root, { count, seed }) };
}
