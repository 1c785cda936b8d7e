/**
 * Options of a notebook run, their validation, and the preparation shared by both engines:
 * read the notebook, inject the parameters, clear old outputs and choose the output paths.
 */
import * as fs from 'fs';
import * as path from 'path';
import { findProjectRoot } from '../data/registry';
import { CellReport } from './manifest';
import { INTERRUPT_MODES, InterruptMode } from './kernel-session';
import { CONNECTION_FILE_PLACEHOLDER } from './kernel-process';
import { Notebook, readNotebook } from './nbformat';
import { ParameterValue, findParametersCell, injectParameters } from './parameters';

/** Ways to execute a notebook: this client of the kernel, or Jupyter's `jupyter nbconvert --execute`. */
export const ENGINES = ['native', 'nbconvert'] as const;
export type Engine = (typeof ENGINES)[number];

/** Largest delay that setTimeout accepts, 2^31 - 1 ms (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface CellProgress {
  /** 1-based position among the code cells. */
  cellNumber: number;
  codeCellCount: number;
  /** Index in the executed notebook's `cells`. */
  cellIndex: number;
  status: CellReport['status'];
  durationMs: number;
}

export interface RunNotebookOptions {
  /** The .ipynb file to execute. */
  notebookPath: string;
  /** Values injected after the cell tagged `parameters`. */
  parameters?: Record<string, ParameterValue>;
  /** Executed notebook; default experiments/runs/notebooks/<name>-<UTC time>/<name>.ipynb under the project root. manifest.json goes beside it. */
  outputPath?: string;
  /** Default: the medsynth package folder above this file. */
  projectRoot?: string;
  /** 'native' (default) or 'nbconvert'. */
  engine?: Engine;
  /** Milliseconds a cell may run before it is interrupted; default 600000 (600 s). */
  timeoutMs?: number;
  /** Milliseconds after a cell finishes during which its outputs are still kept; default 250. */
  graceMs?: number;
  /** Milliseconds an interrupted cell has to finish before the kernel is restarted; default 5000. */
  interruptGraceMs?: number;
  /** Milliseconds the kernel has to reply to its first kernel_info_request; default 120000. */
  startTimeoutMs?: number;
  /** Milliseconds the kernel has to exit after shutdown_request before it is killed; default 3000. */
  shutdownGraceMs?: number;
  /** Kernel command line with a `{connection_file}` placeholder; default the project's tslab kernel. */
  kernelCommand?: string[];
  /** 'signal' (SIGINT, default, as tslab expects) or 'message' (interrupt_request on control). */
  interruptMode?: InterruptMode;
  /** Environment of the kernel process; default this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Called after each code cell finishes. */
  onProgress?: (progress: CellProgress) => void;
  /** Stops the run: the kernel is killed and the notebook written as far as it ran. */
  signal?: AbortSignal;
}

/** A run ready to execute: validated options with defaults, and the notebook to execute. */
export interface PreparedRun {
  engine: Engine;
  notebookPath: string;
  /** The notebook with parameters injected and the outputs of every code cell cleared. */
  notebook: Notebook;
  parameters: Record<string, ParameterValue>;
  seed: ParameterValue | null;
  outputPath: string;
  manifestPath: string;
  projectRoot: string;
  /** Folder the kernel runs in: the notebook's own, so relative imports resolve as in Jupyter. */
  kernelCwd: string;
  kernelName: string;
  timeoutMs: number;
  graceMs: number;
  interruptGraceMs: number;
  startTimeoutMs: number;
  shutdownGraceMs: number;
  kernelCommand: string[] | undefined;
  interruptMode: InterruptMode;
  env: NodeJS.ProcessEnv | undefined;
  onProgress: (progress: CellProgress) => void;
  signal: AbortSignal | undefined;
}

/** Validates `options`, reads the notebook and injects its parameters. Throws before anything runs. */
export function prepareNotebookRun(options: RunNotebookOptions): PreparedRun {
  if (options === null || typeof options !== 'object') {
    throw new Error(`runNotebook: \`options\` must be an object with at least notebookPath, got ${JSON.stringify(options)}`);
  }
  if (typeof options.notebookPath !== 'string' || options.notebookPath.trim() === '') {
    throw new Error(`runNotebook: \`notebookPath\` must be the path of an .ipynb file, got ${JSON.stringify(options.notebookPath)}`);
  }
  const notebookPath = path.resolve(options.notebookPath);
  if (!fs.existsSync(notebookPath) || !fs.statSync(notebookPath).isFile()) {
    throw new Error(`runNotebook: notebook not found: ${notebookPath}; check the path`);
  }
  const engine = options.engine ?? 'native';
  if (!(ENGINES as readonly string[]).includes(engine)) {
    throw new Error(`runNotebook: \`engine\` must be one of ${ENGINES.join(', ')}, got ${JSON.stringify(engine)}`);
  }
  const interruptMode = options.interruptMode ?? 'signal';
  if (!(INTERRUPT_MODES as readonly string[]).includes(interruptMode)) {
    throw new Error(`runNotebook: \`interruptMode\` must be one of ${INTERRUPT_MODES.join(', ')}, got ${JSON.stringify(interruptMode)}`);
  }
  const kernelCommand = options.kernelCommand;
  if (kernelCommand !== undefined) {
    const valid = Array.isArray(kernelCommand) && kernelCommand.length > 0 && kernelCommand.every((part) => typeof part === 'string');
    if (!valid || !kernelCommand.some((part) => part.includes(CONNECTION_FILE_PLACEHOLDER))) {
      throw new Error(
        `runNotebook: \`kernelCommand\` must be an array of strings containing ${CONNECTION_FILE_PLACEHOLDER}, got ${JSON.stringify(kernelCommand)}`,
      );
    }
  }
  const parameters = options.parameters ?? {};
  if (parameters === null || typeof parameters !== 'object' || Array.isArray(parameters)) {
    throw new Error(`runNotebook: \`parameters\` must be an object of name: value, got ${JSON.stringify(parameters)}`);
  }

  const projectRoot = options.projectRoot ?? findProjectRoot('runNotebook');
  const outputPath = path.resolve(options.outputPath ?? defaultOutputPath(projectRoot, notebookPath));
  if (!outputPath.endsWith('.ipynb')) {
    throw new Error(`runNotebook: \`outputPath\` must end with .ipynb, got ${JSON.stringify(options.outputPath)}`);
  }
  if (outputPath === notebookPath) {
    throw new Error(`runNotebook: \`outputPath\` is the notebook itself (${notebookPath}); choose another path so the source stays unchanged`);
  }

  const source = readNotebook(notebookPath);
  const { notebook } = injectParameters(source, parameters);
  for (const cell of notebook.cells) {
    if (cell.cell_type !== 'code') continue;
    cell.outputs = [];
    cell.execution_count = null;
  }
  const kernelspec = notebook.metadata.kernelspec as { name?: unknown } | undefined;

  return {
    engine: engine as Engine,
    notebookPath,
    notebook,
    parameters,
    seed: findSeed(notebook, parameters),
    outputPath,
    manifestPath: path.join(path.dirname(outputPath), 'manifest.json'),
    projectRoot,
    kernelCwd: path.dirname(notebookPath),
    kernelName: typeof kernelspec?.name === 'string' ? kernelspec.name : 'tslab',
    timeoutMs: checkDuration('timeoutMs', options.timeoutMs, 600_000, false),
    graceMs: checkDuration('graceMs', options.graceMs, 250, true),
    interruptGraceMs: checkDuration('interruptGraceMs', options.interruptGraceMs, 5_000, false),
    startTimeoutMs: checkDuration('startTimeoutMs', options.startTimeoutMs, 120_000, false),
    shutdownGraceMs: checkDuration('shutdownGraceMs', options.shutdownGraceMs, 3_000, true),
    kernelCommand,
    interruptMode: interruptMode as InterruptMode,
    env: options.env,
    onProgress: options.onProgress ?? (() => undefined),
    signal: options.signal,
  };
}

function checkDuration(name: string, value: number | undefined, defaultMs: number, zeroAllowed: boolean): number {
  if (value === undefined) return defaultMs;
  const valid = typeof value === 'number' && Number.isFinite(value) && (zeroAllowed ? value >= 0 : value > 0) && value <= MAX_TIMER_MS;
  if (!valid) {
    const range = zeroAllowed ? `[0, ${MAX_TIMER_MS}]` : `(0, ${MAX_TIMER_MS}]`;
    throw new Error(`runNotebook: \`${name}\` must be a number of milliseconds in ${range}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Returns the `seed` parameter: the injected value, else the parameters cell's default when it is a JSON literal. */
function findSeed(notebook: Notebook, parameters: Record<string, ParameterValue>): ParameterValue | null {
  if (Object.prototype.hasOwnProperty.call(parameters, 'seed')) return parameters.seed;
  const declaration = findParametersCell(notebook)?.declarations.find((candidate) => candidate.name === 'seed');
  if (declaration?.initializer == null) return null;
  try {
    return JSON.parse(declaration.initializer) as ParameterValue;
  } catch {
    return null;
  }
}

/**
 * Returns experiments/runs/notebooks/<name>-<UTC time>/<name>.ipynb under `projectRoot`, with the
 * time as YYYYMMDDTHHMMSSZ. A suffix -2, -3, … is added when that folder already exists.
 */
export function defaultOutputPath(projectRoot: string, notebookPath: string, now: Date = new Date()): string {
  const name = path.basename(notebookPath, '.ipynb');
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const parent = path.join(projectRoot, 'experiments', 'runs', 'notebooks');
  let folder = path.join(parent, `${name}-${stamp}`);
  for (let suffix = 2; fs.existsSync(folder); suffix++) folder = path.join(parent, `${name}-${stamp}-${suffix}`);
  return path.join(folder, `${name}.ipynb`);
}
