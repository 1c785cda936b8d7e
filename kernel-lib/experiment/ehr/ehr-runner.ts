import * as fs from 'fs';
import * as path from 'path';
import { selectBackend } from '../../backend/select';
import { findProjectRoot } from '../../data/registry';
import { hashFile } from '../../data/file-hash';
import { EhrData, prepareEhrData } from '../../ehr/prepare-ehr-data';
import { EhrModelKind } from '../../pipelines/ehr-diffusion-config';
import { ProgressFactory, silentProgress } from '../context';
import { buildManifest } from '../manifest';
import { RunDirectory } from '../run-dir';
import { ExperimentConfig } from '../config';
import { EhrExperimentConfig, parseEhrExperimentConfig, readConfigJson } from './ehr-config';
import { writeEhrReport } from './ehr-report';
import { EhrStageContext, runEhrDataStage, runEhrEvaluationStage, runEhrGenerationStage, runEhrTrainingStage } from './ehr-stages';

export interface RunEhrExperimentOptions {
  /** A config file path, or a parsed config. */
  config?: string | EhrExperimentConfig;
  resumeDir?: string;
  runsDir?: string;
  runId?: string;
  backend?: string;
  progress?: ProgressFactory;
  say?: (line: string) => void;
}

/** Stage names in order; a model's stages run only when the config lists that model. */
export function ehrStages(models: readonly EhrModelKind[]): string[] {
  return [
    'data',
    ...models.map((kind) => `train-${kind}`),
    ...models.map((kind) => `generate-${kind}`),
    'evaluation',
    'report',
  ];
}

function resolvePath(projectRoot: string, p: string): string {
  return path.isAbsolute(p) ? p : path.join(projectRoot, p);
}

function loadData(config: EhrExperimentConfig, projectRoot: string): EhrData {
  return prepareEhrData({
    recordFolder: resolvePath(projectRoot, config.dataset.recordFolder),
    outcomesPath: resolvePath(projectRoot, config.dataset.outcomesPath),
    hours: config.dataset.hours,
    splitSeed: config.seed,
    maxPatients: config.dataset.maxPatients,
  });
}

/**
 * Runs an EHR synthesis experiment stage by stage into a run directory (see ehrStages).
 * A failed stage keeps earlier outputs, and `resumeDir` continues from the first unfinished stage.
 */
export async function runEhrExperiment(options: RunEhrExperimentOptions): Promise<string> {
  const say = options.say ?? (() => undefined);
  const progress = options.progress ?? silentProgress;
  const projectRoot = findProjectRoot('runEhrExperiment');
  const backend = await selectBackend({ backend: options.backend });
  let run: RunDirectory;
  let config: EhrExperimentConfig;
  if (options.resumeDir) {
    run = RunDirectory.open(options.resumeDir);
    config = parseEhrExperimentConfig(run.readJson<{ config: unknown }>('manifest.json').config, path.join(run.dir, 'manifest.json'));
    say(`resuming ${run.dir}`);
  } else {
    if (!options.config) throw new Error('runEhrExperiment: pass a config (file path or object) or resumeDir');
    const configPath = typeof options.config === 'string' ? path.resolve(options.config) : null;
    config = typeof options.config === 'string' ? parseEhrExperimentConfig(readConfigJson(options.config), options.config) : parseEhrExperimentConfig(options.config, 'config object');
    if (options.runId !== undefined && !/^[A-Za-z0-9._-]+$/.test(options.runId)) {
      throw new Error(`run id '${options.runId}' may contain letters, digits, dot, underscore and hyphen only; choose a plain folder name`);
    }
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
    const dir = path.join(options.runsDir ?? path.join(projectRoot, 'experiments', 'runs'), options.runId ?? `${config.name}-${stamp}`);
    if (fs.existsSync(path.join(dir, 'manifest.json'))) {
      throw new Error(`run directory ${dir} already contains a run; resume it with --resume ${dir} or choose another --run-id`);
    }
    const outcomes = resolvePath(projectRoot, config.dataset.outcomesPath);
    // Data problems surface before the run directory exists.
    const data = loadData(config, projectRoot);
    run = RunDirectory.create(dir);
    const manifest = buildManifest({
      runId: path.basename(dir),
      config: config as unknown as ExperimentConfig,
      configPath,
      projectRoot,
      backend,
      dataset: { name: 'physionet2012', source: outcomes, license: 'ODC-BY 1.0' },
    });
    run.writeJson({ ...manifest, recordFolder: resolvePath(projectRoot, config.dataset.recordFolder), outcomesFile: hashFile(outcomes), syntheticDataNote: 'Synthetic patients in this run are marked synthetic in file names and metadata files; TRTR and TSTR are scored on the real test patients.' }, 'manifest.json');
    return runStagesOf({ config, run, data, progress, say });
  }
  return runStagesOf({ config, run, data: loadData(config, projectRoot), progress, say });
}

function runStagesOf(ctx: EhrStageContext): string {
  const { run, config } = ctx;
  for (const stage of ehrStages(config.models)) {
    if (run.isFinished(stage)) continue;
    ctx.say(`stage ${stage}`);
    const started = Date.now();
    try {
      if (stage === 'data') runEhrDataStage(ctx);
      else if (stage.startsWith('train-')) runEhrTrainingStage(ctx, stage.slice(6) as EhrModelKind);
      else if (stage.startsWith('generate-')) runEhrGenerationStage(ctx, stage.slice(9) as EhrModelKind);
      else if (stage === 'evaluation') runEhrEvaluationStage(ctx);
      else writeEhrReport(run, config.models);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(`stage '${stage}' failed: ${message}. Outputs of earlier stages are kept; fix the cause and run 'medsynth run --resume ${run.dir}'`);
    }
    run.markFinished(stage, (Date.now() - started) / 1000);
  }
  if (run.isFinished('report')) writeEhrReport(run, config.models);
  return run.dir;
}
