import * as path from 'path';
import { BackendInfo } from '../backend/select';
import { ExperimentConfig } from './config';
import { StageContext } from './context';
import { buildManifest } from './manifest';
import { ExperimentData } from './prepare-data';
import { RunDirectory, Stage } from './run-dir';
import { runDataStage } from './stages/data';
import { runDiffusionStage } from './stages/diffusion';
import { runFilterClassifierStage } from './stages/filter-classifier';
import { runGenerationStage } from './stages/generation';
import { runClassifiersStage } from './stages/classifiers';
import { runEvaluationStage } from './stages/evaluation';
import { runReportStage } from './stages/report';

const STAGE_FUNCTIONS: Record<Stage, (ctx: StageContext) => void> = {
  data: runDataStage,
  diffusion: runDiffusionStage,
  'filter-classifier': runFilterClassifierStage,
  generation: runGenerationStage,
  classifiers: runClassifiersStage,
  evaluation: runEvaluationStage,
  report: runReportStage,
};

/** Stages that only run when an arm needs synthetic images. */
const SYNTHETIC_STAGES: readonly Stage[] = ['diffusion', 'filter-classifier', 'generation'];

/** True when some arm of the config trains on synthetic images. */
export function needsSyntheticImages(config: ExperimentConfig): boolean {
  return config.arms.some((arm) => arm === 'real+synthetic' || arm === 'synthetic-only');
}

/**
 * Creates the run directory `dir` and writes its manifest. `data` is prepared before the call,
 * so that a dataset problem surfaces before any folder exists.
 */
export function createRunDirectory(options: {
  dir: string;
  config: ExperimentConfig;
  configPath: string | null;
  projectRoot: string;
  backend: BackendInfo;
  data: ExperimentData;
}): RunDirectory {
  const { data } = options;
  const run = RunDirectory.create(options.dir);
  run.writeJson(
    buildManifest({
      runId: path.basename(options.dir),
      config: options.config,
      configPath: options.configPath,
      projectRoot: options.projectRoot,
      backend: options.backend,
      dataset: { name: data.dataset.name, source: data.dataset.source, license: data.dataset.license, citation: data.dataset.citation },
    }),
    'manifest.json',
  );
  return run;
}

/** Outcome of `runStage`: the stage ran, was skipped (no arm needs it) or had already finished. */
export type StageOutcome = 'ran' | 'skipped' | 'already finished';

/**
 * Runs one stage of an experiment unless it is finished, then marks it finished with its
 * duration in `timings.json`. Stages before it must be finished: each reads its predecessors'
 * files. A failure leaves every earlier output in place and names the way to continue.
 */
export function runStage(ctx: StageContext, stage: Stage): StageOutcome {
  if (!(stage in STAGE_FUNCTIONS)) {
    throw new Error(`runStage: unknown stage '${stage}'; stages are ${Object.keys(STAGE_FUNCTIONS).join(', ')}`);
  }
  const { run } = ctx;
  if (run.isFinished(stage)) return 'already finished';
  const order = Object.keys(STAGE_FUNCTIONS) as Stage[];
  const missing = order.slice(0, order.indexOf(stage)).filter((earlier) => !run.isFinished(earlier) && !(SYNTHETIC_STAGES.includes(earlier) && !needsSyntheticImages(ctx.config)));
  if (missing.length > 0) {
    throw new Error(`runStage: stage '${stage}' needs the outputs of ${missing.map((s) => `'${s}'`).join(', ')}, which ${run.dir} has not finished; run those stages first`);
  }
  if (SYNTHETIC_STAGES.includes(stage) && !needsSyntheticImages(ctx.config)) {
    run.markFinished(stage, 0);
    return 'skipped';
  }
  ctx.say(`stage ${stage}`);
  const started = Date.now();
  try {
    STAGE_FUNCTIONS[stage](ctx);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`stage '${stage}' failed: ${message}. Outputs of earlier stages are kept; fix the cause and run 'medsynth run --resume ${run.dir}'`);
  }
  run.markFinished(stage, (Date.now() - started) / 1000);
  return 'ran';
}

/** Runs `stages` in order with `runStage`; finished ones are left as they are. */
export function runStages(ctx: StageContext, stages: readonly Stage[]): void {
  for (const stage of stages) runStage(ctx, stage);
}
