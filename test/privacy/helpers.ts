import * as assert from 'uvu/assert';
import { RecordSet } from '../../kernel-lib/privacy/records';

/** Builds a float64 record set from rows of equal length. */
export function records(rows: number[][]): RecordSet {
  return { data: Float64Array.from(rows.flat()), numRecords: rows.length, numFeatures: rows[0].length };
}

/** Asserts that `run` rejects (or throws) with a message matching `pattern`. */
export async function assertRejects(run: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  let message: string | null = null;
  try {
    await run();
  } catch (error) {
    message = (error as Error).message;
  }
  if (message === null) assert.unreachable(`expected an error matching ${pattern}, but none was thrown`);
  else assert.match(message, pattern);
}

/** Asserts |actual − expected| ≤ tolerance, naming the quantity on failure. */
export function assertClose(actual: number, expected: number, tolerance: number, name: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${name}: expected ${expected} ± ${tolerance}, but got ${actual}`);
}
