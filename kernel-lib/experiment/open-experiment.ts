import * as fs from 'fs';
import * as path from 'path';
import { selectBackend } from '../backend/select';
import { findProjectRoot, listDatasets } from '../data/registry';
import { ExperimentConfig, parseExperimentConfig, resolveExperimentConfig } from './config';
import { ProgressFactory, StageContext, silentProgress } from './context';
import { prepareExperimentData } from './prepare-data';
import { RunDirectory } from './run-dir';
import { createRunDirectory } from './stage-runner';

/** Options of `openExperiment`, the notebooks' way into an experiment run. */
export interface OpenExperimentOptions {
  /** Run directory shared by the notebooks of one experiment, created when absent (default `experiments/runs/notebooks-<config name>`). */
  runDir?: string | null;
  /** Experiment config: a name in experiments/ or a JSON path (default: quickstart, or pneumoniamnist-rare50 with `datasetPath`). */
  config?: string;
  /** A MedMNIST `.npz` file: the copy of the config's registered dataset to read, or else the dataset itself. */
  datasetPath?: string | null;
  /** Replaces the config's `seed`. */
  seed?: number;
  /** Config fields to change, merged into the config file's values (objects merge, other values replace). */
  overrides?: Record<string, unknown>;
  backend?: string;
  progress?: ProgressFactory;
  say?: (line: string) => void;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns `base` with `overrides` merged in: nested objects merge, arrays and scalars replace. */
export function mergeConfig(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    merged[key] = isPlainObject(value) && isPlainObject(merged[key]) ? mergeConfig(merged[key] as Record<string, unknown>, value) : value;
  }
  return merged;
}

/** Lists the dotted paths where two JSON values differ, at most `limit` of them. */
function differingFields(recorded: unknown, given: unknown, prefix = '', out: string[] = [], limit = 5): string[] {
  if (out.length >= limit) return out;
  if (isPlainObject(recorded) && isPlainObject(given)) {
    for (const key of new Set([...Object.keys(recorded), ...Object.keys(given)])) {
      differingFields(recorded[key], given[key], prefix ? `${prefix}.${key}` : key, out, limit);
    }
  } else if (JSON.stringify(recorded) !== JSON.stringify(given)) {
    out.push(`${prefix || '(root)'}: recorded ${JSON.stringify(recorded)}, given ${JSON.stringify(given)}`);
  }
  return out;
}

function defaultNotebookRunDir(configName: string): string {
  return path.join(findProjectRoot('openExperiment'), 'experiments', 'runs', `notebooks-${configName}`);
}

/** Returns the run directory that `openExperiment` opens for these options, without touching it. */
export function notebookRunDirectory(options: Omit<OpenExperimentOptions, 'progress' | 'say' | 'backend'>): string {
  return options.runDir ? path.resolve(options.runDir) : defaultNotebookRunDir(resolveNotebookConfig(options).config.name);
}

/** Builds the experiment config that `openExperiment` would use, without touching any folder. */
export function resolveNotebookConfig(options: Omit<OpenExperimentOptions, 'runDir'>): { config: ExperimentConfig; configPath: string } {
  const projectRoot = findProjectRoot('openExperiment');
  const name = options.config ?? (options.datasetPath ? 'pneumoniamnist-rare50' : 'quickstart');
  const configPath = resolveExperimentConfig(name, projectRoot);
  let raw = JSON.parse(fs.readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  if (options.datasetPath) {
    if (!fs.existsSync(options.datasetPath)) {
      throw new Error(`openExperiment: datasetPath '${options.datasetPath}' does not exist; pass the path of a MedMNIST .npz file, or null for the built-in phantoms`);
    }
    // A registered MedMNIST source keeps its class names and provenance and reads this file.
    const source = String((raw.dataset as Record<string, unknown> | undefined)?.source ?? '');
    const registered = listDatasets().some((info) => info.name === source && info.kind === 'medmnist-npz');
    const file = path.resolve(options.datasetPath);
    raw = mergeConfig(raw, { dataset: registered ? { path: file } : { source: file } });
  }
  if (options.seed !== undefined) raw = mergeConfig(raw, { seed: options.seed });
  if (options.overrides !== undefined) {
    if (!isPlainObject(options.overrides)) {
      throw new Error(`openExperiment: \`overrides\` must be an object of config fields, got ${JSON.stringify(options.overrides)}`);
    }
    raw = mergeConfig(raw, options.overrides);
  }
  return { config: parseExperimentConfig(raw, `${configPath} with the notebook's parameters`), configPath };
}

/**
 * Opens the experiment run in `runDir` for stage-by-stage work, creating it (with its manifest)
 * when absent. An existing run must have been made from the same config: a notebook re-run with
 * other parameters gets an error naming the differing fields instead of mixing two runs.
 */
export async function openExperiment(options: OpenExperimentOptions): Promise<StageContext> {
  const { config, configPath } = resolveNotebookConfig(options);
  const backend = await selectBackend({ backend: options.backend });
  const dir = options.runDir ? path.resolve(options.runDir) : defaultNotebookRunDir(config.name);
  const say = options.say ?? (() => undefined);
  const progress = options.progress ?? silentProgress;
  const data = prepareExperimentData(config);
  if (fs.existsSync(path.join(dir, 'manifest.json'))) {
    const run = RunDirectory.open(dir);
    // The recorded config is parsed again, so that fields added to the schema later (with their
    // defaults) do not count as differences.
    const recorded = parseExperimentConfig(run.readJson<{ config: unknown }>('manifest.json').config, path.join(dir, 'manifest.json'));
    const differences = differingFields(recorded, config);
    if (differences.length > 0) {
      throw new Error(`openExperiment: ${dir} contains a run of another config (${differences.join('; ')}); pass another runDir or delete that folder`);
    }
    return { config, run, data, progress, say };
  }
  const run = createRunDirectory({ dir, config, configPath, projectRoot: findProjectRoot('openExperiment'), backend, data });
  return { config, run, data, progress, say };
}
