import * as fs from 'fs';
import * as path from 'path';

/**
 * Creates `dir` and any missing parents, like `mkdir -p`, one level at a time.
 *
 * Node's `fs.mkdirSync(dir, { recursive: true })` retries forever when a parent exists but
 * refuses new entries with ENOENT (as /proc does), so a run would hang instead of failing.
 * Here each missing level is created once, and any error is raised with the level that
 * failed. Throws the file system error (with its `code`) of the first level that fails.
 */
export function makeDirectory(dir: string): void {
  const target = path.resolve(dir);
  const missing: string[] = [];
  let current = target;
  while (!fs.existsSync(current)) {
    missing.push(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const level of missing.reverse()) {
    try {
      fs.mkdirSync(level);
    } catch (err) {
      // Another process may have created it between the check and here.
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && fs.statSync(level).isDirectory()) continue;
      throw err;
    }
  }
  if (!fs.statSync(target).isDirectory()) {
    const error = new Error(`ENOTDIR: not a directory, mkdir '${target}'`) as NodeJS.ErrnoException;
    error.code = 'ENOTDIR';
    throw error;
  }
}
