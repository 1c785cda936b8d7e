/**
 * Executes a prepared notebook through the kernel client: one execute_request per code cell,
 * in order, stopping at the first failure. Each cell has a timeout. A timed-out cell is
 * interrupted, and the kernel is restarted when the cell does not finish soon after.
 */
import { log } from '../util/log';
import { ExecuteReplyContent, Execution, ExecutionResult } from './client';
import { KernelDiedError, KernelSession } from './kernel-session';
import { defaultKernelCommand } from './kernel-process';
import { CellReport, CellStatus } from './manifest';
import { NotebookCell, cellSource } from './nbformat';
import { NotebookOutputs } from './outputs';
import { PreparedRun } from './prepare-run';

/** Number of traceback or stderr lines quoted in a failure message. */
const TAIL_LINES = 6;

export const FAILURE_KINDS = ['error', 'timeout', 'kernel-died', 'aborted'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** The first cell that did not finish cleanly. */
export interface CellFailure {
  kind: FailureKind;
  /** 1-based position among the code cells of the executed notebook; null when the engine cannot tell (nbconvert). */
  cellNumber: number | null;
  codeCellCount: number;
  /** Index in the executed notebook's `cells`; null when the engine cannot tell. */
  cellIndex: number | null;
  cellId: string | null;
  /** Exception name and value from the kernel, null when it sent none (tslab reports errors on stderr only). */
  ename: string | null;
  evalue: string | null;
  /**
   * Last lines of the traceback; without one, the cell's stderr from just before the exception
   * line, less the stack frames inside Node and node_modules. ANSI colours are removed.
   */
  tracebackLines: string[];
  /** One-line account of what happened, for the error message. */
  summary: string;
}

/** Result of an engine: per-cell reports, the first failure, and the number of kernel restarts. */
export interface EngineOutcome {
  cells: CellReport[];
  failure: CellFailure | null;
  kernelRestarts: number;
}

type CellWait =
  | { kind: 'done'; result: ExecutionResult }
  | { kind: 'timeout' }
  | { kind: 'died'; error: KernelDiedError }
  | { kind: 'aborted' };

/** Executes `run.notebook` in place (outputs and execution counts) through a freshly started kernel. */
export async function executeWithKernel(run: PreparedRun): Promise<EngineOutcome> {
  const command = run.kernelCommand ?? defaultKernelCommand(run.projectRoot);
  if (run.kernelCommand === undefined && run.kernelName !== 'tslab') {
    log.warn(`runNotebook: the kernelspec of ${run.notebookPath} is '${run.kernelName}', but the native engine runs every notebook in the tslab kernel`);
  }
  let session: KernelSession;
  try {
    session = await KernelSession.start({
      command,
      cwd: run.kernelCwd,
      kernelName: run.kernelName,
      interruptMode: run.interruptMode,
      startTimeoutMs: run.startTimeoutMs,
      env: run.env,
    });
  } catch (err) {
    throw new Error(`runNotebook: the kernel did not start (${command.join(' ')}): ${(err as Error).message}`);
  }
  const languageInfo = session.info.language_info;
  if (languageInfo !== undefined) run.notebook.metadata.language_info = languageInfo;

  const cells: CellReport[] = [];
  const executions = new Map<CellReport, Execution>();
  let failure: CellFailure | null = null;
  try {
    const outputs = new NotebookOutputs(run.notebook);
    const codeCellIndices = run.notebook.cells.flatMap((cell, index) => (cell.cell_type === 'code' ? [index] : []));

    for (const [position, cellIndex] of codeCellIndices.entries()) {
      const cell = run.notebook.cells[cellIndex];
      const report: CellReport = {
        number: position + 1,
        index: cellIndex,
        id: typeof cell.id === 'string' ? cell.id : null,
        status: 'ok',
        durationMs: 0,
        executionCount: null,
        lateOutputs: 0,
      };
      cells.push(report);
      const source = cellSource(cell);
      // As in nbclient, an empty cell is not sent to the kernel.
      if (source.trim() === '') {
        report.status = 'empty';
        continue;
      }

      const started = Date.now();
      const execution = session.client.execute(source, { onOutput: (message) => outputs.apply(cellIndex, message), graceMs: run.graceMs });
      executions.set(report, execution);
      const { status, summary, reply } = await finishCell(run, session, execution, cell, report);
      report.durationMs = Date.now() - started;
      report.status = status;
      run.onProgress({ cellNumber: report.number, codeCellCount: codeCellIndices.length, cellIndex, status, durationMs: report.durationMs });

      if (status !== 'ok') {
        failure = describeFailure({ status, summary, reply, cell, report, codeCellCount: codeCellIndices.length, timeoutMs: run.timeoutMs });
        break;
      }
    }

    // Outputs of the last cell may still be on their way; they belong to the notebook when they
    // arrive within the grace window. After a timeout the kernel was interrupted or replaced,
    // and after an abort the user is waiting.
    if (failure === null || failure.kind === 'error') await delay(run.graceMs);
  } finally {
    await session.shutdown(run.signal?.aborted ? 0 : run.shutdownGraceMs);
  }

  for (const [report, execution] of executions) report.lateOutputs = execution.lateOutputs;
  return { cells, failure, kernelRestarts: session.restarts };
}

/**
 * Waits for one cell. On timeout it interrupts the kernel and, when the cell is still running
 * after `interruptGraceMs`, restarts it. Returns the cell's status and, for a failure, a summary.
 */
async function finishCell(
  run: PreparedRun,
  session: KernelSession,
  execution: Execution,
  cell: NotebookCell,
  report: CellReport,
): Promise<{ status: Exclude<CellStatus, 'empty'>; summary: string; reply?: ExecuteReplyContent }> {
  const wait = await waitForCell(execution, session.died(), run.timeoutMs, run.signal);
  if (wait.kind === 'done') {
    report.executionCount = wait.result.executionCount;
    cell.execution_count = wait.result.executionCount;
    const status = wait.result.reply.status;
    if (status === 'ok') return { status: 'ok', summary: '' };
    return { status: 'error', summary: `the kernel replied with status '${status}'`, reply: wait.result.reply };
  }
  if (wait.kind === 'died') return { status: 'kernel-died', summary: wait.error.message };
  if (wait.kind === 'aborted') return { status: 'aborted', summary: 'the run was stopped (abort signal) while this cell ran' };

  // Timed out: interrupt, give the cell a few seconds to stop, then restart the kernel.
  const interruptName = run.interruptMode === 'signal' ? 'SIGINT' : 'interrupt_request';
  log.warn(`cell ${report.number} did not finish within ${formatSeconds(run.timeoutMs)}; sending ${interruptName}`);
  await session.interrupt(run.interruptGraceMs);
  const afterInterrupt = await waitForCell(execution, session.died(), run.interruptGraceMs, run.signal);
  let outcome: string;
  if (afterInterrupt.kind === 'done') {
    report.executionCount = afterInterrupt.result.executionCount;
    cell.execution_count = afterInterrupt.result.executionCount;
    outcome = `the cell stopped after ${interruptName}`;
  } else if (afterInterrupt.kind === 'died') {
    outcome = `the kernel exited after ${interruptName}`;
  } else {
    try {
      await session.restart();
      outcome = `the cell was still running ${formatSeconds(run.interruptGraceMs)} after ${interruptName}, so the kernel was restarted`;
    } catch (err) {
      outcome = `the cell was still running ${formatSeconds(run.interruptGraceMs)} after ${interruptName}; restarting the kernel failed: ${(err as Error).message}`;
    }
  }
  const summary = `the cell did not finish within ${formatSeconds(run.timeoutMs)} (the cell timeout); ${outcome}`;
  // The runner's own record in the executed notebook, so that a reader sees where and why it stopped.
  cell.outputs?.push({ output_type: 'error', ename: 'CellTimeoutError', evalue: summary, traceback: [`CellTimeoutError: ${summary}`] });
  return { status: 'timeout', summary };
}

function waitForCell(execution: Execution, died: Promise<never>, timeoutMs: number, signal: AbortSignal | undefined): Promise<CellWait> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (wait: CellWait) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(wait);
    };
    const onAbort = () => finish({ kind: 'aborted' });
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    execution.done.then((result) => finish({ kind: 'done', result }));
    died.catch((error: KernelDiedError) => finish({ kind: 'died', error }));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
  });
}

function describeFailure(options: {
  status: Exclude<CellStatus, 'ok' | 'empty'>;
  summary: string;
  reply?: ExecuteReplyContent;
  cell: NotebookCell;
  report: CellReport;
  codeCellCount: number;
  timeoutMs: number;
}): CellFailure {
  const { status, summary, reply, cell, report, codeCellCount, timeoutMs } = options;
  const outputs = cell.outputs ?? [];
  const errorOutput = [...outputs].reverse().find((output) => output.output_type === 'error' && output.ename !== 'CellTimeoutError');
  const stderr = outputs
    .filter((output) => output.output_type === 'stream' && output.name === 'stderr')
    .map((output) => String(output.text))
    .join('');

  // The execute_reply's fields come first; ipykernel fills them. tslab leaves them out and sends
  // no error output, but prints the exception to the cell's stderr.
  const replyTraceback = asStrings(reply?.traceback);
  const traceback = replyTraceback.length > 0 ? replyTraceback : asStrings(errorOutput?.traceback);
  const stderrError = parseStderrError(stderr);
  const tracebackLines =
    traceback.length > 0
      ? traceback.join('\n').split('\n').map(stripAnsi).filter((line) => line.trim() !== '').slice(-TAIL_LINES)
      : stderrExcerpt(stderr);

  let ename = firstString(reply?.ename, errorOutput?.ename, stderrError?.ename);
  let evalue = firstString(reply?.evalue, errorOutput?.evalue, stderrError?.evalue);
  if (status === 'timeout') {
    ename = 'CellTimeoutError';
    evalue = `did not finish within ${formatSeconds(timeoutMs)}`;
  }
  return { kind: status, cellNumber: report.number, codeCellCount, cellIndex: report.index, cellId: report.id, ename, evalue, tracebackLines, summary };
}

function firstString(...values: unknown[]): string | null {
  const found = values.find((value) => typeof value === 'string');
  return typeof found === 'string' ? found : null;
}

/** The line Node prints for an uncaught error: `Error: message`, `TypeError: …`, `Error [ERR_X]: …`. */
const EXCEPTION_LINE = /^((?:[A-Za-z_$][\w$]*)?(?:Error|Exception))(?: \[[\w$]+\])?: (.*)$/;

/** Stack frames inside Node or a package, such as `at Script.runInThisContext (node:vm:135:14)`. */
const LIBRARY_FRAME = /^\s*at (?:node:|.*\(node:|.*node_modules[\\/])/;

/** Finds the first exception line in a cell's stderr and splits it into name and message. */
export function parseStderrError(stderr: string): { ename: string; evalue: string } | null {
  for (const line of stderr.split('\n')) {
    const match = EXCEPTION_LINE.exec(stripAnsi(line).trim());
    if (match) return { ename: match[1], evalue: match[2] };
  }
  return null;
}

/**
 * Returns up to TAIL_LINES non-blank stderr lines, starting three lines before the first
 * exception line (where Node shows the failing source line), or at the start when there is no
 * exception line (TypeScript diagnostics). Library frames are left out. A JavaScript stack lists
 * the innermost frame first, so its first lines are the most useful.
 */
function stderrExcerpt(stderr: string): string[] {
  const lines = stderr
    .split('\n')
    .map(stripAnsi)
    .filter((line) => line.trim() !== '' && !LIBRARY_FRAME.test(line));
  const exceptionIndex = lines.findIndex((line) => EXCEPTION_LINE.test(line.trim()));
  const start = Math.max(0, exceptionIndex - 3);
  return lines.slice(start, start + TAIL_LINES);
}

function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/** Removes ANSI colour sequences, which IPython-style tracebacks contain. */
export function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
