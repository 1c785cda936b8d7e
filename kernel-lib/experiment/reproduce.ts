import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { hashFile } from '../data/file-hash';
import { findProjectRoot } from '../data/registry';
import { writeJsonAtomic } from '../util/atomic-write';
import { log } from '../util/log';
import { isEhrConfig, parseEhrExperimentConfig } from './ehr/ehr-config';
import { runEhrExperiment } from './ehr/ehr-runner';
import { parseExperimentConfig } from './config';
import { ProgressFactory } from './context';
import { MetricDifference, compareMetrics } from './reproduce-metrics';
import { runExperiment } from './runner';

/** Tolerance on each metric when the reproduction runs on the recorded backend: bit-identical. */
export const SAME_BACKEND_TOLERANCE = 0;
/**
 * Tolerance on each metric across backends. Kernels differ in float32 rounding, which moves
 * a metric by a few units in the last place per step. 1e-3 is an estimate, not a bound.
 */
export const CROSS_BACKEND_TOLERANCE = 1e-3;

/** The fields of a run manifest that a reproduction reads. */
interface RecordedManifest {
  runId?: string;
  config: unknown;
  gitCommit?: string | null;
  backend?: { name?: string };
  dataset?: { source?: string; file?: { sha256?: string } | null };
}

export interface ReproduceRunOptions {
  /** The recorded run directory, containing manifest.json and metrics.json. */
  runDir: string;
  /** Parent folder of the new run directory (default: the recorded run's parent). */
  runsDir?: string;
  /** Name of the new run directory (default `<run id>-reproduced-<date>-<time>`). */
  runId?: string;
  /**
   * An earlier reproduction of this run to continue instead of starting a new one: one that
   * stopped partway, or one that finished before the recorded run did. Its config must equal the recorded one.
   */
  resumeDir?: string;
  /** Absolute tolerance per metric (default 0 on the recorded backend, 1e-3 on another). */
  tolerance?: number;
  /** Backend to run on (default: the recorded one). */
  backend?: string;
  progress?: ProgressFactory;
  say?: (line: string) => void;
}

/** Contents of `reproduce.json`, written into the new run directory. */
export interface ReproduceReport {
  format: 'medsynth-reproduction';
  version: 1;
  recordedRunDir: string;
  reproducedRunDir: string;
  tolerance: number;
  recordedBackend: string | null;
  backend: string;
  recordedGitCommit: string | null;
  gitCommit: string | null;
  /** Warnings about differences between the recorded and the current environment. */
  warnings: string[];
  /** Number of metric leaves whose difference exceeds the tolerance. */
  outOfTolerance: number;
  metrics: MetricDifference[];
}

function currentGitCommit(projectRoot: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: projectRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function readJsonFile<T>(filePath: string, what: string): T {
  let text: string;
  try {
    text = fs.readFileSync(filePath, 'utf8');
  } catch (err) {
    throw new Error(`reproduceRun: cannot read the ${what} ${filePath} (${(err as Error).message}); pass a finished run directory`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new Error(`reproduceRun: the ${what} ${filePath} is not valid JSON (${(err as Error).message})`);
  }
}

/**
 * Checks the dataset file recorded in a run manifest against the file now at its path.
 * Throws, naming the file and both SHA-256 checksums, when the file is missing or differs.
 * A manifest without a dataset file (a generated dataset) passes.
 */
export function checkRecordedDatasetFiles(manifest: RecordedManifest, manifestPath: string): void {
  const dataset = manifest.dataset;
  if (!dataset?.file) return;
  const recorded = dataset.file.sha256;
  if (typeof dataset.source !== 'string' || typeof recorded !== 'string') {
    throw new Error(`reproduceRun: ${manifestPath} records a dataset file without its path or SHA-256 (dataset.source, dataset.file.sha256); it cannot be checked`);
  }
  // Relative paths were resolved against the working folder of the recorded run, unknown here.
  const source = path.resolve(dataset.source);
  if (!fs.existsSync(source)) {
    throw new Error(`reproduceRun: the dataset file ${source} recorded in ${manifestPath} is missing (recorded SHA-256 ${recorded}); restore it to that path`);
  }
  const current = hashFile(source).sha256;
  if (current !== recorded) {
    throw new Error(
      `reproduceRun: the dataset file ${source} differs from the recorded one (recorded SHA-256 ${recorded}, current SHA-256 ${current}); ` +
        'restore the recorded file, or run the config afresh with medsynth run',
    );
  }
}

/**
 * Rejects a run directory to resume that is not a reproduction of the recorded run:
 * its manifest must contain the same config, seed included.
 */
function checkResumedReproduction(resumeDir: string, recordedConfig: string, ehr: boolean, recordedManifestPath: string): void {
  const resumedManifestPath = path.join(path.resolve(resumeDir), 'manifest.json');
  const resumed = readJsonFile<RecordedManifest>(resumedManifestPath, 'manifest of the reproduction to resume');
  const resumedConfig = JSON.stringify(
    ehr === isEhrConfig(resumed.config)
      ? ehr
        ? parseEhrExperimentConfig(resumed.config, resumedManifestPath)
        : parseExperimentConfig(resumed.config, resumedManifestPath)
      : null,
  );
  if (resumedConfig !== recordedConfig) {
    throw new Error(
      `reproduceRun: the config in ${resumedManifestPath} differs from the recorded one in ${recordedManifestPath}; ` +
        'pass to --resume a directory that an earlier reproduction of this run wrote, or leave --resume out to start a new reproduction',
    );
  }
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
}

/**
 * Re-runs a recorded experiment run (image augmentation or EHR synthesis) with its recorded
 * config and seed into a new run directory, then compares every numeric leaf of both `metrics.json` files.
 *
 * 1. Checks the recorded dataset file's SHA-256 against the file at its path, and throws on a difference.
 * 2. Warns (through `log`) when the git commit or the backend differs from the recorded one.
 * 3. Runs the experiment, then writes the comparison as `reproduce.json` in the new run directory.
 *
 * Returns the comparison; the caller decides what a difference means.
 */
export async function reproduceRun(options: ReproduceRunOptions): Promise<ReproduceReport> {
  if (typeof options.runDir !== 'string' || options.runDir === '') {
    throw new Error(`reproduceRun: \`runDir\` must be a run directory, got ${JSON.stringify(options.runDir)}`);
  }
  if (options.tolerance !== undefined && (!Number.isFinite(options.tolerance) || options.tolerance < 0)) {
    throw new Error(`reproduceRun: \`tolerance\` must be a finite number >= 0, got ${options.tolerance}; pass an absolute difference such as 1e-3`);
  }
  const recordedDir = path.resolve(options.runDir);
  const manifestPath = path.join(recordedDir, 'manifest.json');
  const manifest = readJsonFile<RecordedManifest>(manifestPath, 'run manifest');
  // The recorded metrics are read after the re-run, so a reproduction may start while the
  // recorded run is still going. A malformed file is still rejected before any work.
  const recordedMetricsPath = path.join(recordedDir, 'metrics.json');
  const recordedFinished = fs.existsSync(recordedMetricsPath);
  if (recordedFinished) readJsonFile<unknown>(recordedMetricsPath, 'metrics file');
  const ehr = isEhrConfig(manifest.config);
  const config = ehr ? null : parseExperimentConfig(manifest.config, manifestPath);
  const ehrConfig = ehr ? parseEhrExperimentConfig(manifest.config, manifestPath) : null;

  // 1. Dataset files, before any work.
  checkRecordedDatasetFiles(manifest, manifestPath);

  // 2. Environment differences.
  const warnings: string[] = [];
  const projectRoot = findProjectRoot('reproduceRun');
  const recordedGitCommit = manifest.gitCommit ?? null;
  const gitCommit = currentGitCommit(projectRoot);
  if (recordedGitCommit !== gitCommit) {
    warnings.push(`git commit ${gitCommit ?? 'unknown'} differs from the recorded ${recordedGitCommit ?? 'unknown'}; code changes may change the metrics`);
  }
  const recordedBackend = manifest.backend?.name ?? null;
  const backend = options.backend ?? recordedBackend ?? 'auto';
  if (!recordedFinished) {
    warnings.push(`the recorded run has no metrics.json yet (still running, or stopped); the comparison reads ${recordedMetricsPath} when the reproduction ends`);
  }
  for (const warning of warnings) log.warn(`reproduce: ${warning}`);

  // 3. The run itself.
  const recordedConfig = JSON.stringify(ehrConfig ?? config);
  if (options.resumeDir !== undefined) checkResumedReproduction(options.resumeDir, recordedConfig, ehr, manifestPath);
  const runId = options.runId ?? `${manifest.runId ?? path.basename(recordedDir)}-reproduced-${timestamp()}`;
  const reproducedDir = await (ehrConfig ? runEhrExperiment : runExperiment)({
    ...(options.resumeDir !== undefined ? { resumeDir: options.resumeDir } : { config: (ehrConfig ?? config) as never, runsDir: options.runsDir ?? path.dirname(recordedDir), runId }),
    backend,
    progress: options.progress,
    say: options.say,
  });
  if (!fs.existsSync(recordedMetricsPath)) {
    throw new Error(
      `reproduceRun: the reproduction in ${reproducedDir} is finished, but the recorded run ${recordedDir} still has no metrics.json; ` +
        `once it finishes, compare the two with 'medsynth reproduce ${recordedDir} --resume ${reproducedDir}'`,
    );
  }
  const recordedMetrics = readJsonFile<unknown>(recordedMetricsPath, 'metrics file');
  const reproducedManifest = readJsonFile<RecordedManifest>(path.join(reproducedDir, 'manifest.json'), 'run manifest');
  const usedBackend = reproducedManifest.backend?.name ?? backend;
  if (usedBackend !== recordedBackend) {
    const warning = `backend ${usedBackend} differs from the recorded ${recordedBackend ?? 'unknown'}; metrics are compared with tolerance ${CROSS_BACKEND_TOLERANCE} unless --tolerance is given`;
    warnings.push(warning);
    log.warn(`reproduce: ${warning}`);
  }
  const tolerance = options.tolerance ?? (usedBackend === recordedBackend ? SAME_BACKEND_TOLERANCE : CROSS_BACKEND_TOLERANCE);

  const metrics = compareMetrics(recordedMetrics, readJsonFile<unknown>(path.join(reproducedDir, 'metrics.json'), 'metrics file'), tolerance);
  const report: ReproduceReport = {
    format: 'medsynth-reproduction',
    version: 1,
    recordedRunDir: recordedDir,
    reproducedRunDir: reproducedDir,
    tolerance,
    recordedBackend,
    backend: usedBackend,
    recordedGitCommit,
    gitCommit,
    warnings,
    outOfTolerance: metrics.filter((row) => !row.withinTolerance).length,
    metrics,
  };
  writeJsonAtomic(path.join(reproducedDir, 'reproduce.json'), report);
  return report;
}
