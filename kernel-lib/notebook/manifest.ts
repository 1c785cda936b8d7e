/**
 * The manifest written beside an executed notebook: what ran (notebook path and SHA-256,
 * parameters, seed), on what (git commit, package versions) and how it went (per-cell durations,
 * late outputs, the error).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { hashFile } from '../data/file-hash';
import { ParameterValue } from './parameters';

/** Packages whose versions the manifest records, besides node and medsynth itself. */
const RECORDED_PACKAGES = ['typescript', 'tslab', '@tensorflow/tfjs', 'zeromq'] as const;

/** Per-cell record of a run. */
export interface CellReport {
  /** 1-based position among the code cells of the executed notebook. */
  number: number;
  /** Index in the executed notebook's `cells`. */
  index: number;
  id: string | null;
  status: CellStatus;
  /** Wall time from sending the request to the cell's completion; null when the engine does not measure it. */
  durationMs: number | null;
  executionCount: number | null;
  /** Outputs that arrived after the grace window and were not kept; null when the engine does not count them. */
  lateOutputs: number | null;
}

export const CELL_STATUSES = ['ok', 'error', 'timeout', 'kernel-died', 'aborted', 'empty'] as const;
export type CellStatus = (typeof CELL_STATUSES)[number];

/** State of the git checkout; both fields are null outside a git checkout or without git. */
export interface GitState {
  commit: string | null;
  /** Whether `git status --porcelain` lists any change, untracked files included. */
  dirty: boolean | null;
}

/** Reads the commit and the dirty flag of the checkout that contains `projectRoot`. */
export function readGitState(projectRoot: string): GitState {
  const git = (args: string[]) => execFileSync('git', args, { cwd: projectRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const commit = git(['rev-parse', 'HEAD']).trim();
    const dirty = git(['status', '--porcelain']).trim() !== '';
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: null };
  }
}

/** Returns the installed versions of node, medsynth and the recorded packages ('not installed' when missing). */
export function readPackageVersions(projectRoot: string): Record<string, string> {
  const readVersion = (file: string) => {
    try {
      return String(JSON.parse(fs.readFileSync(file, 'utf8')).version);
    } catch {
      return 'not installed';
    }
  };
  const versions: Record<string, string> = { node: process.version, medsynth: readVersion(path.join(projectRoot, 'package.json')) };
  for (const name of RECORDED_PACKAGES) versions[name] = readVersion(path.join(projectRoot, 'node_modules', name, 'package.json'));
  return versions;
}

export interface NotebookManifestInput {
  engine: string;
  notebookPath: string;
  /** The executed notebook, or null when none was written. */
  outputPath: string | null;
  projectRoot: string;
  parameters: Record<string, ParameterValue>;
  /** The `seed` parameter's value: injected, else the literal default of the parameters cell; null when there is none. */
  seed: ParameterValue | null;
  startedAt: Date;
  durationMs: number;
  status: 'ok' | 'error';
  error: Record<string, unknown> | null;
  cells: CellReport[];
  kernelRestarts: number;
  /** Experiment runs the notebook worked in (backend, dataset and its checksum), from `showExperiment` outputs. */
  experiments: Record<string, unknown>[];
}

/** Builds the manifest object (format 'medsynth-notebook-run', version 1). */
export function buildNotebookManifest(input: NotebookManifestInput): Record<string, unknown> {
  const lateOutputs = input.cells.reduce((sum, cell) => sum + (cell.lateOutputs ?? 0), 0);
  return {
    format: 'medsynth-notebook-run',
    version: 1,
    engine: input.engine,
    createdAt: new Date().toISOString(),
    startedAt: input.startedAt.toISOString(),
    durationMs: Math.round(input.durationMs),
    status: input.status,
    error: input.error,
    notebook: { path: input.notebookPath, sha256: hashFile(input.notebookPath).sha256 },
    outputNotebook: input.outputPath,
    parameters: input.parameters,
    seed: input.seed,
    experiments: input.experiments,
    git: readGitState(input.projectRoot),
    packages: readPackageVersions(input.projectRoot),
    kernelRestarts: input.kernelRestarts,
    lateOutputs,
    cells: input.cells,
  };
}
