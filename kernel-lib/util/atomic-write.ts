import * as fs from 'fs';
import { makeDirectory } from './make-directory';
import * as path from 'path';
import { threadId } from 'worker_threads';

/** Temporary files written by this process so far; part of each temporary file's name. */
let tempCounter = 0;

/** Matches `.<name>.<pid>.<thread id>.<counter>.tmp`, the temporary file names that writeFileAtomic uses. */
const TEMP_NAME = /^\.(.+)\.(\d+)\.(\d+)\.(\d+)\.tmp$/;

/**
 * Writes `data` to `filePath` so that a reader sees either the old file or the whole
 * new one, also after a crash or power loss.
 *
 * 1. The bytes go to a temporary file `.<name>.<pid>.<thread id>.<counter>.tmp` in the
 *    target's own folder, because rename is atomic only within one file system.
 * 2. The temporary file is flushed with fsync, so the rename never exposes unwritten data.
 * 3. The temporary file is renamed over the target, which is atomic on POSIX.
 * 4. The folder is flushed with fsync, so the rename itself survives a power loss.
 *
 * Concurrent writers to one target each use their own temporary file, and the last
 * rename wins. When a write throws, its temporary file is removed. A writer killed
 * before the rename (SIGKILL, power loss) leaves the target whole but also leaves its
 * temporary file. Later writes do not remove that file, because that would cost a
 * folder listing per write. `removeStaleTempFiles` removes it.
 */
export function writeFileAtomic(filePath: string, data: string | Uint8Array): void {
  const dir = path.dirname(filePath);
  makeDirectory(dir);
  tempCounter += 1;
  const tmp = path.join(dir, `.${path.basename(filePath)}.${process.pid}.${threadId}.${tempCounter}.tmp`);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;

  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      // writeSync may write fewer bytes than asked, so it is called until all are written.
      let written = 0;
      while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, filePath);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }

  fsyncDirectory(dir);
}

/** Flushes a folder's entries (a rename in it) to disk. */
function fsyncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } catch (err) {
    // NOTE: some platforms and file systems (Windows, some network mounts) cannot fsync a
    // folder. The rename has happened, so the write is complete, only less durable there.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EPERM' && code !== 'EISDIR' && code !== 'ENOTSUP') throw err;
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `value` as indented JSON, atomically. */
export function writeJsonAtomic(filePath: string, value: unknown): void {
  writeFileAtomic(filePath, JSON.stringify(value, null, 2) + '\n');
}

/** True when a process with this id runs (or exists but belongs to another user). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files that writeFileAtomic left beside `filePath` when a writer
 * was killed before its rename, and returns their paths. A temporary file is removed
 * only when the process named in it no longer exists, so writes in progress are kept.
 * NOTE: a process id reused by an unrelated process keeps its dead writer's file until
 * that process ends, and temporary files from other machines sharing the folder are
 * judged by this machine's process table.
 */
export function removeStaleTempFiles(filePath: string): string[] {
  const dir = path.dirname(filePath);
  const base = path.basename(filePath);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }

  const removed: string[] = [];
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (!match || match[1] !== base) continue;
    const pid = Number(match[2]);
    if (pid === process.pid || processExists(pid)) continue;
    const stale = path.join(dir, name);
    fs.rmSync(stale, { force: true });
    removed.push(stale);
  }
  return removed;
}

/**
 * Finishes a file that was streamed to a temporary path in the target's own folder: renames
 * it over `filePath`, then flushes the folder. The caller has written, fsynced and closed it.
 */
export function renameIntoPlace(tempPath: string, filePath: string): void {
  if (path.dirname(path.resolve(tempPath)) !== path.dirname(path.resolve(filePath))) {
    throw new Error(`renameIntoPlace: ${tempPath} is not in the folder of ${filePath}; a rename across folders may cross file systems, so write the temporary file beside its target`);
  }
  fs.renameSync(tempPath, filePath);
  fsyncDirectory(path.dirname(filePath));
}
