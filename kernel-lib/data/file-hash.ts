/**
 * Checksums of a file on disk, for run manifests and for checking downloads.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';

/** MD5 and SHA-256 (lowercase hex) and the size of one file. */
export interface FileHash {
  md5: string;
  sha256: string;
  bytes: number;
}

/** Bytes read per call, so a large dataset file is never held in memory whole. */
const CHUNK_BYTES = 1 << 20;

/**
 * Computes the MD5 and SHA-256 of the file at `filePath`, reading it in 1 MiB chunks.
 * It compares the checksums with nothing, so callers decide what a difference means.
 */
export function hashFile(filePath: string): FileHash {
  if (typeof filePath !== 'string' || filePath.trim() === '') {
    throw new Error(`hashFile: \`filePath\` must be a path to a file, got ${JSON.stringify(filePath)}`);
  }

  let fd: number;
  try {
    fd = fs.openSync(filePath, 'r');
  } catch (err) {
    throw new Error(`hashFile: cannot open ${filePath}: ${(err as Error).message}; check the path`);
  }

  const md5 = crypto.createHash('md5');
  const sha256 = crypto.createHash('sha256');
  let bytes = 0;
  try {
    if (!fs.fstatSync(fd).isFile()) {
      throw new Error(`hashFile: ${filePath} is not a regular file; pass the path of a file`);
    }
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    for (;;) {
      const read = fs.readSync(fd, buffer, 0, CHUNK_BYTES, null);
      if (read === 0) break;
      const chunk = buffer.subarray(0, read);
      md5.update(chunk);
      sha256.update(chunk);
      bytes += read;
    }
  } finally {
    fs.closeSync(fd);
  }

  return { md5: md5.digest('hex'), sha256: sha256.digest('hex'), bytes };
}
