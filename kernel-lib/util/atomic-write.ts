import * as fs from 'fs';
import * as path from 'path';

/**
 * Writes `data` to `filePath` so that a reader sees either the old file or the whole
 * new one. The bytes go to a temporary file in the same folder and are flushed with
 * fsync. That file is then renamed over the target, and rename is atomic on POSIX.
 */
export function writeFileAtomic(filePath: string, data: string | Uint8Array): void {
  const dir = path.dirname(filePath);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(filePath)}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, filePath);
}

/** Writes `value` as indented JSON, atomically. */
export function writeJsonAtomic(filePath: string, value: unknown): void {
  writeFileAtomic(filePath, JSON.stringify(value, null, 2) + '\n');
}
