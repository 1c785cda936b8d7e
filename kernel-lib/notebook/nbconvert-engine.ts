/**
 * Executes a prepared notebook with Jupyter's `jupyter nbconvert --to notebook --execute`,
 * which starts the kernel registered under the notebook's kernelspec name (tslab, registered by
 * `npm run setup-kernel`). Used to compare this runner with Jupyter's own executor.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { log } from '../util/log';
import { writeFileAtomic } from '../util/atomic-write';
import { CellReport } from './manifest';
import { CellFailure, EngineOutcome, stripAnsi } from './native-engine';
import { Notebook, cellSource, parseNotebook, serializeNotebook } from './nbformat';
import { PreparedRun } from './prepare-run';

export const NBCONVERT_INSTALL_HINT =
  'install Jupyter with `apt-get install jupyter-nbconvert python3-nbclient python3-ipython python3-ipykernel`, ' +
  'then register the tslab kernel with `npm run setup-kernel`';

/** Lines of nbconvert's stderr quoted when it fails. */
const STDERR_TAIL_LINES = 12;

/** Path of the parameterised input notebook written beside the output: <name>.input.ipynb. */
export function nbconvertInputPath(outputPath: string): string {
  return outputPath.replace(/\.ipynb$/, '.input.ipynb');
}

/**
 * Writes the parameterised notebook beside the output and executes it with nbconvert.
 * nbconvert starts the kernel in the folder of its input file, or in its own working folder
 * when it reads stdin. So it reads the notebook from stdin and runs in the source notebook's
 * folder, where the notebook's relative imports resolve.
 */
export async function executeWithNbconvert(run: PreparedRun): Promise<EngineOutcome> {
  const inputPath = nbconvertInputPath(run.outputPath);
  const input = serializeNotebook(run.notebook);
  writeFileAtomic(inputPath, input);

  const timeoutSeconds = Math.max(1, Math.ceil(run.timeoutMs / 1000));
  const args = [
    'nbconvert',
    '--to',
    'notebook',
    '--execute',
    `--ExecutePreprocessor.timeout=${timeoutSeconds}`,
    // Without it, a notebook with no kernelspec would run in Jupyter's default Python kernel.
    `--ExecutePreprocessor.kernel_name=${run.kernelName}`,
    '--output',
    run.outputPath,
    '--stdin',
  ];
  log.info(`running jupyter ${args.join(' ')} < ${inputPath} (in ${run.kernelCwd})`);
  const { code, stderr } = await runJupyter(args, input, run);

  if (code !== 0) return { cells: [], failure: describeNbconvertFailure(run, code, stderr), kernelRestarts: 0 };

  const executed = parseNotebook(fs.readFileSync(run.outputPath, 'utf8'), run.outputPath);
  run.notebook = executed;
  return { cells: reportsFromTimings(executed), failure: null, kernelRestarts: 0 };
}

/**
 * Builds the failure from nbconvert's stderr. nbclient's CellExecutionError quotes the failing
 * cell's source between two lines of dashes; the cell is identified by matching that source.
 */
function describeNbconvertFailure(run: PreparedRun, code: number | null, stderr: string): CellFailure {
  const lines = stderr.split('\n').map(stripAnsi);
  const codeCellIndices = run.notebook.cells.flatMap((cell, index) => (cell.cell_type === 'code' ? [index] : []));
  const failure: CellFailure = {
    kind: run.signal?.aborted ? 'aborted' : /CellTimeoutError/.test(stderr) ? 'timeout' : 'error',
    cellNumber: null,
    codeCellCount: codeCellIndices.length,
    cellIndex: null,
    cellId: null,
    ename: null,
    evalue: null,
    tracebackLines: [],
    summary: `jupyter nbconvert exited with ${code === null ? 'a signal' : `code ${code}`}`,
  };
  if (/jupyter-nbconvert.*not found|No module named|No such kernel/i.test(stderr)) failure.summary += `; ${NBCONVERT_INSTALL_HINT}`;

  const marker = lines.findIndex((line) => /CellExecutionError: An error occurred while executing the following cell:/.test(line));
  const quoted = marker >= 0 ? quotedBetweenDashes(lines, marker + 1) : null;
  const position = quoted === null ? -1 : codeCellIndices.findIndex((index) => cellSource(run.notebook.cells[index]).trim() === quoted.trim());
  if (position >= 0) {
    const cell = run.notebook.cells[codeCellIndices[position]];
    failure.cellNumber = position + 1;
    failure.cellIndex = codeCellIndices[position];
    failure.cellId = typeof cell.id === 'string' ? cell.id : null;
  }
  const relevant = marker >= 0 ? lines.slice(marker) : lines;
  failure.tracebackLines = relevant.filter((line) => line.trim() !== '').slice(-STDERR_TAIL_LINES);
  return failure;
}

/** Returns the text between the first two lines of dashes at or after `start`, or null. */
function quotedBetweenDashes(lines: string[], start: number): string | null {
  const isDashes = (line: string) => /^-{3,}$/.test(line.trim());
  const open = lines.findIndex((line, index) => index >= start && isDashes(line));
  if (open < 0) return null;
  const close = lines.findIndex((line, index) => index > open && isDashes(line));
  return close < 0 ? null : lines.slice(open + 1, close).join('\n');
}

function runJupyter(args: string[], input: string, run: PreparedRun): Promise<{ code: number | null; stderr: string }> {
  // tslab's launcher starts with `#!/usr/bin/env node`, so this node goes first on PATH.
  const env = { ...(run.env ?? process.env) };
  env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${env.PATH ?? ''}`;
  return new Promise((resolve, reject) => {
    const child = spawn('jupyter', args, { cwd: run.kernelCwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => log.debug(`nbconvert stdout: ${chunk.trimEnd()}`));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      log.debug(`nbconvert stderr: ${chunk.trimEnd()}`);
    });
    const onAbort = () => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    };
    run.signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (err: NodeJS.ErrnoException) => {
      run.signal?.removeEventListener('abort', onAbort);
      const reason = err.code === 'ENOENT' ? 'the jupyter command was not found' : err.message;
      reject(new Error(`runNotebook: cannot start jupyter nbconvert (${reason}); ${NBCONVERT_INSTALL_HINT}`));
    });
    child.once('close', (code) => {
      run.signal?.removeEventListener('abort', onAbort);
      resolve({ code, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** Per-cell reports from the message times that nbclient records in cell.metadata.execution (record_timing). */
function reportsFromTimings(notebook: Notebook): CellReport[] {
  const reports: CellReport[] = [];
  notebook.cells.forEach((cell, index) => {
    if (cell.cell_type !== 'code') return;
    const timing = (cell.metadata.execution ?? {}) as Record<string, unknown>;
    // Times come from the kernel's message headers. tslab dates its execute_reply when the
    // request arrives, so the idle status marks the end of the cell better.
    const started = Date.parse(String(timing['iopub.status.busy'] ?? timing['iopub.execute_input'] ?? ''));
    const finished = Date.parse(String(timing['iopub.status.idle'] ?? timing['shell.execute_reply'] ?? ''));
    const executionCount = typeof cell.execution_count === 'number' ? cell.execution_count : null;
    reports.push({
      number: reports.length + 1,
      index,
      id: typeof cell.id === 'string' ? cell.id : null,
      status: executionCount === null && cellSource(cell).trim() === '' ? 'empty' : 'ok',
      durationMs: Number.isFinite(started) && Number.isFinite(finished) ? finished - started : null,
      executionCount,
      // nbclient does not report outputs that arrive after a cell finished.
      lateOutputs: null,
    });
  });
  return reports;
}
