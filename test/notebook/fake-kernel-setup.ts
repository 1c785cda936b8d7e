/** Helpers for tests that start test/notebook/fake-kernel.ts as the kernel. */
import * as fs from 'fs';
import * as path from 'path';
import { NotebookCell } from '../../kernel-lib/notebook/nbformat';

/** The compiled fake kernel beside this file in dist/test/notebook/. */
export const FAKE_KERNEL = path.join(__dirname, 'fake-kernel.js');

/** Kernel command that starts the fake kernel, recording its events to `recordFile`. */
export function fakeKernelCommand(recordFile: string, ...flags: string[]): string[] {
  return [process.execPath, FAKE_KERNEL, '{connection_file}', recordFile, ...flags];
}

/** One event that the fake kernel recorded. */
export interface KernelEvent {
  event: 'start' | 'request' | 'sigint' | 'interrupt_request' | 'shutdown';
  pid: number;
  [field: string]: unknown;
}

export function readRecord(recordFile: string): KernelEvent[] {
  if (!fs.existsSync(recordFile)) return [];
  return fs
    .readFileSync(recordFile, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as KernelEvent);
}

/** Creates a code cell whose source is the fake kernel's JSON script of steps. */
export function scriptCell(steps: object[], tags?: string[]): NotebookCell {
  return { cell_type: 'code', metadata: tags ? { tags } : {}, source: JSON.stringify(steps), outputs: [], execution_count: null };
}

export function codeCell(source: string, tags?: string[]): NotebookCell {
  return { cell_type: 'code', metadata: tags ? { tags } : {}, source, outputs: [], execution_count: null };
}

/** Writes an nbformat 4.5 notebook with these cells and returns its path. */
export function writeNotebook(folder: string, name: string, cells: NotebookCell[]): string {
  const file = path.join(folder, name);
  fs.writeFileSync(file, JSON.stringify({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5 }, null, 1));
  return file;
}

/** Returns whether a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
