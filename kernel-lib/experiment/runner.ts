import * as fs from 'fs';
import * as path from 'path';
import { selectBackend } from '../backend/select';
import { findProjectRoot } from '../data/registry';
import { ExperimentConfig, loadExperimentConfig, parseExperimentConfig } from './config';
import { ProgressFactory, StageContext, silentProgress } from './context';
import { ExperimentData, prepareExperimentData } from './prepare-data';
import { RunDirectory, STAGES } from './run-dir';
import { createRunDirectory, runStage } from './stage-runner';

export interface RunExperimentOptions {
  /** A config file path, or a parsed config. */
  config?: string | ExperimentConfig;
  /** Continue the run in this directory from its last finished stage. */
  resumeDir?: string;
  /** Parent of new run directories (default `experiments/runs` under the project root). */
  runsDir?: string;
  runId?: string;
  backend?: string;
  progress?: ProgressFactory;
  say?: (line: string) => void;
}

function timestampId(name: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `${name}-${stamp}`;
}

/**
 * Runs the rare-condition augmentation experiment stage by stage, writing each stage's
 * outputs into the run directory as it finishes. A failing stage leaves earlier outputs
 * intact; `resumeDir` continues from the first unfinished stage with the run's own config.
 * Returns the run directory.
 */
export async function runExperiment(options: RunExperimentOptions): Promise<string> {
  const say = options.say ?? (() => undefined);
  const progress = options.progress ?? silentProgress;
  const projectRoot = findProjectRoot('runExperiment');

  let run: RunDirectory;
  let config: ExperimentConfig;
  let data: ExperimentData | null = null;
  const backend = await selectBackend({ backend: options.backend });
  if (options.resumeDir) {
    run = RunDirectory.open(options.resumeDir);
    const manifest = run.readJson<{ config: unknown; configPath: string | null }>('manifest.json');
    config = parseExperimentConfig(manifest.config, path.join(run.dir, 'manifest.json'));
    say(`resuming ${run.dir}`);
  } else {
    if (!options.config) throw new Error('runExperiment: pass a config (file path or object) or resumeDir');
    const configPath = typeof options.config === 'string' ? path.resolve(options.config) : null;
    config = typeof options.config === 'string' ? loadExperimentConfig(options.config) : parseExperimentConfig(options.config, 'config object');
    const runsDir = options.runsDir ?? path.join(projectRoot, 'experiments', 'runs');
    if (options.runId !== undefined && !/^[A-Za-z0-9._-]+$/.test(options.runId)) {
      throw new Error(`run id '${options.runId}' may contain letters, digits, dot, underscore and hyphen only; choose a plain folder name`);
    }
    const dir = path.join(runsDir, options.runId ?? timestampId(config.name));
    if (fs.existsSync(path.join(dir, 'manifest.json'))) {
      throw new Error(`run directory ${dir} already contains a run; resume it with --resume ${dir} or choose another --run-id`);
    }
    // Data problems surface before the run directory exists, so no empty run is left behind.
    data = prepareExperimentData(config);
    run = createRunDirectory({ dir, config, configPath, projectRoot, backend, data });
  }

  const ctx: StageContext = { config, run, data: data ?? prepareExperimentData(config), progress, say };
  for (const stage of STAGES) runStage(ctx, stage);
  return run.dir;
}
