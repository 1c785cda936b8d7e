/**
 * Reader for NumPy `.npz` archives: a ZIP file (stored or deflated) whose entries are
 * `.npy` arrays named `<key>.npy`, as written by `numpy.savez` and `numpy.savez_compressed`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { log } from '../util/log';
import { NpyArray, parseNpy } from './npy';
import { readZipEntries } from './zip';

const NPY_MAGIC = '\x93NUMPY';

/**
 * Parses the bytes of a `.npz` archive into arrays keyed by entry name without the
 * `.npy` suffix. Entries that are not `.npy` files are skipped with a warning.
 * `source` names the archive in error messages.
 */
export function parseNpz(bytes: Uint8Array, source: string): Map<string, NpyArray> {
  if (Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(6, bytes.length)).toString('latin1') === NPY_MAGIC) {
    throw new Error(`parseNpz: ${source} is a single .npy array, not a .npz archive; read it with parseNpy`);
  }

  const arrays = new Map<string, NpyArray>();
  for (const [name, entry] of readZipEntries(bytes, source)) {
    if (!name.endsWith('.npy')) {
      log.warnOnce(`npz-entry:${source}:${name}`, `parseNpz: skipping entry '${name}' of ${source}: it is not a .npy array`);
      continue;
    }
    arrays.set(name.slice(0, -'.npy'.length), parseNpy(entry, `${source}:${name}`));
  }
  return arrays;
}

/** Reads and parses a `.npz` file; see parseNpz. Throws naming the path when the file is missing. */
export function loadNpz(filePath: string): Map<string, NpyArray> {
  if (typeof filePath !== 'string' || filePath === '') {
    throw new Error(`loadNpz: \`filePath\` must be a non-empty string, got ${JSON.stringify(filePath)}`);
  }
  const resolved = path.resolve(filePath);
  let stats: fs.Stats;
  try {
    stats = fs.statSync(resolved);
  } catch {
    throw new Error(`loadNpz: file not found: ${resolved}; check the path, or download the dataset first`);
  }
  if (!stats.isFile()) throw new Error(`loadNpz: ${resolved} is not a file; expected a .npz archive`);
  return parseNpz(fs.readFileSync(resolved), resolved);
}
