/**
 * runNotebook: executes a notebook headless, writes the executed notebook and its manifest, and
 * throws NotebookRunError at the first failing cell after both are written.
 */
import * as fs from 'fs';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-write';
import { CellReport, buildNotebookManifest } from './manifest';
import { CellFailure, executeWithKernel } from './native-engine';
import { executeWithNbconvert, nbconvertInputPath } from './nbconvert-engine';
import { Notebook, parseNotebook, serializeNotebook } from './nbformat';
import { collectExperimentRecords } from './experiment-records';
import { Engine, RunNotebookOptions, prepareNotebookRun } from './prepare-run';
import { ParameterValue } from './parameters';

/** Record of a run, also carried by NotebookRunError. */
export interface NotebookRunResult {
  engine: Engine;
  notebookPath: string;
  outputPath: string;
  manifestPath: string;
  status: 'ok' | 'error';
  failure: CellFailure | null;
  cells: CellReport[];
  parameters: Record<string, ParameterValue>;
  kernelRestarts: number;
  durationMs: number;
}

/** Thrown by runNotebook when a cell fails, after the executed notebook and manifest are written. */
export class NotebookRunError extends Error {
  constructor(
    message: string,
    readonly result: NotebookRunResult,
  ) {
    super(message);
    this.name = 'NotebookRunError';
  }
}

/**
 * Executes the notebook at `options.notebookPath` with the parameters injected, cell by cell, and
 * stops at the first failing cell. Writes the executed notebook (atomically, also after a
 * failure) and manifest.json beside it. Returns the run's result, or throws NotebookRunError,
 * which names the failing cell and carries the same result. Invalid options, an unreadable
 * notebook or a kernel that does not start throw a plain Error, and nothing is written then.
 */
export async function runNotebook(options: RunNotebookOptions): Promise<NotebookRunResult> {
  const run = prepareNotebookRun(options);
  const startedAt = new Date();

  const outcome = run.engine === 'native' ? await executeWithKernel(run) : await executeWithNbconvert(run);
  // nbconvert writes the executed notebook itself, and nothing when a cell fails.
  if (run.engine === 'native') writeFileAtomic(run.outputPath, serializeNotebook(run.notebook));

  const durationMs = Date.now() - startedAt.getTime();
  const status = outcome.failure === null ? 'ok' : 'error';
  const manifest = buildNotebookManifest({
    engine: run.engine,
    notebookPath: run.notebookPath,
    outputPath: fs.existsSync(run.outputPath) ? run.outputPath : null,
    projectRoot: run.projectRoot,
    parameters: run.parameters,
    seed: run.seed,
    startedAt,
    durationMs,
    status,
    error: outcome.failure === null ? null : { ...outcome.failure },
    cells: outcome.cells,
    kernelRestarts: outcome.kernelRestarts,
    experiments: executedExperiments(run.engine === 'native' ? run.notebook : null, run.outputPath),
  });
  writeJsonAtomic(run.manifestPath, manifest);

  const result: NotebookRunResult = {
    engine: run.engine,
    notebookPath: run.notebookPath,
    outputPath: run.outputPath,
    manifestPath: run.manifestPath,
    status,
    failure: outcome.failure,
    cells: outcome.cells,
    parameters: run.parameters,
    kernelRestarts: outcome.kernelRestarts,
    durationMs,
  };
  if (outcome.failure !== null) throw new NotebookRunError(formatFailure(outcome.failure, result), result);
  return result;
}

/** Formats a failure as the message of NotebookRunError: the cell, the error, the last lines of its traceback or stderr. */
export function formatFailure(failure: CellFailure, result: Pick<NotebookRunResult, 'outputPath' | 'manifestPath' | 'engine'>): string {
  const where =
    failure.cellNumber === null
      ? `the notebook (${result.engine} engine)`
      : `cell ${failure.cellNumber} of ${failure.codeCellCount} code cells (index ${failure.cellIndex} in the executed notebook` +
        `${failure.cellId !== null ? `, id '${failure.cellId}'` : ''})`;
  const error = failure.ename !== null ? `${failure.ename}: ${failure.evalue ?? ''}` : '';

  let headline: string;
  switch (failure.kind) {
    case 'timeout':
      headline = `${where} timed out: ${failure.summary}`;
      break;
    case 'kernel-died':
      headline = `${where} failed because ${failure.summary}`;
      break;
    case 'aborted':
      headline = `${where} was stopped: ${failure.summary}`;
      break;
    default:
      headline = error !== '' ? `${where} raised ${error}` : `${where} failed: ${failure.summary}`;
  }

  const lines = [`runNotebook: ${headline}`];
  if (failure.tracebackLines.length > 0) {
    lines.push(failure.cellNumber === null ? 'nbconvert stderr ends with:' : 'traceback (or stderr):');
    for (const line of failure.tracebackLines) lines.push(`  ${line}`);
  }
  if (result.engine === 'nbconvert') {
    lines.push(`nbconvert writes no notebook when a cell fails; parameterised input: ${nbconvertInputPath(result.outputPath)}`);
  } else {
    lines.push(`executed notebook: ${result.outputPath}`);
  }
  lines.push(`manifest: ${result.manifestPath}`);
  return lines.join('\n');
}

/** Reads the experiment records of the executed notebook: in memory (native) or from its file (nbconvert, when written). */
function executedExperiments(notebook: Notebook | null, outputPath: string): Record<string, unknown>[] {
  if (notebook !== null) return collectExperimentRecords(notebook);
  if (!fs.existsSync(outputPath)) return [];
  return collectExperimentRecords(parseNotebook(fs.readFileSync(outputPath, 'utf8'), outputPath));
}
