/**
 * Stages of an EHR synthesis run. Each reads its predecessors' files from the run directory,
 * writes its own, and is marked finished; a resumed run starts at the first unfinished stage.
 */
import * as path from 'path';
import { EhrData, EhrSplit } from '../../ehr/prepare-ehr-data';
import { SyntheticEhrWriter } from '../../ehr/synthetic-export';
import { readSyntheticEhrCsv } from '../../ehr/synthetic-import';
import { summaryFeatureTable } from '../../ehr/summary-features';
import { vaeReconstructionError } from '../../ehr/vae-evaluation';
import { loadEhrVae } from '../../ehr/vae-trainer';
import { ehrFidelityReport, formatEhrFidelityMarkdown, worstByWasserstein } from '../../eval/ehr/fidelity-report';
import { ageBand, sexGroup } from '../../eval/tabular/age-bands';
import { discriminativeScore } from '../../eval/tabular/discriminative';
import { compareTstrTrtr, TestSubgroups, TrainTestResult } from '../../eval/tabular/tstr';
import { Table } from '../../eval/tabular/table';
import { EhrModelKind } from '../../pipelines/ehr-diffusion-config';
import { EHR_VAE_FILE, generateEhrPatients, loadEhrDiffusionModel, trainEhrDiffusion } from '../../pipelines/ehr-diffusion';
import { writeFileAtomic } from '../../util/atomic-write';
import { ProgressFactory } from '../context';
import { RunDirectory } from '../run-dir';
import { EhrExperimentConfig } from './ehr-config';

export interface EhrStageContext {
  config: EhrExperimentConfig;
  run: RunDirectory;
  data: EhrData;
  progress: ProgressFactory;
  say: (line: string) => void;
}

export const modelDirOf = (run: RunDirectory, kind: EhrModelKind) => run.path('models', kind);
export const syntheticDirOf = (run: RunDirectory, kind: EhrModelKind) => run.path('synthetic', kind);
export const syntheticPrefixOf = (kind: EhrModelKind) => `synthetic_physionet2012_${kind}`;

export function runEhrDataStage(ctx: EhrStageContext): void {
  const { data, run } = ctx;
  const count = (split: EhrSplit) => ({ patients: split.recordIds.length, deaths: split.labels.reduce((a, b) => a + b, 0) });
  run.writeJson(
    {
      hours: data.hours,
      splits: { train: count(data.splits.train), validation: count(data.splits.validation), test: count(data.splits.test) },
      recordIds: data.split,
      normalisation: data.stats,
      staticStats: data.staticStats,
      load: { ...data.loadReport, elapsedMs: undefined },
      cleaning: data.cleaningReport,
    },
    'data.json',
  );
  // The real splits in the synthetic files' format and feature space (hourly bins), for the
  // privacy and utility comparisons of the release gate.
  for (const name of ['train', 'validation', 'test'] as const) {
    const split = data.splits[name];
    const writer = new SyntheticEhrWriter(run.path('real'), `real_physionet2012_${name}`, { synthetic: false });
    try {
      writer.append(split.clinical, split.descriptors, split.labels);
      writer.finish({ split: name, source: ctx.config.dataset.recordFolder });
    } catch (err) {
      writer.abandon();
      throw err;
    }
  }
  const c = count(data.splits.train);
  ctx.say(`  ${c.patients} training patients (${c.deaths} deaths), ${data.splits.test.recordIds.length} real test patients`);
}

export function runEhrTrainingStage(ctx: EhrStageContext, kind: EhrModelKind): void {
  const { config } = ctx;
  const settings = kind === 'trajectory' ? config.trajectory : config.latent;
  const bars = new Map<string, ReturnType<ProgressFactory>>();
  const { finalLoss } = trainEhrDiffusion({
    kind,
    data: ctx.data,
    modelDir: modelDirOf(ctx.run, kind),
    dataset: { name: 'physionet2012', source: config.dataset.outcomesPath, license: 'ODC-BY 1.0', citation: 'Silva I, Moody G, Scott DJ, Celi LA, Mark RG. Predicting In-Hospital Mortality of ICU Patients: The PhysioNet/Computing in Cardiology Challenge 2012. Computing in Cardiology 2012;39:245-248.' },
    transformer: kind === 'trajectory' ? config.trajectory.transformer : undefined,
    latentMlp: kind === 'latent' ? config.latent.latentMlp : undefined,
    vae: kind === 'latent' ? config.latent.vae : undefined,
    schedule: config.schedule,
    predictionType: config.predictionType,
    training: settings.training,
    resume: true,
    onProgress: (phase, p) => {
      let bar = bars.get(phase);
      if (!bar) {
        bar = ctx.progress(`${kind} ${phase}`, p.total, 'steps');
        bars.set(phase, bar);
      }
      bar.update(p.step, `loss ${p.loss.toFixed(4)} | ${p.msPerStep.toFixed(0)} ms/step`);
    },
  });
  for (const bar of bars.values()) bar.stop();
  ctx.say(`  ${kind} model: final loss ${finalLoss.toFixed(4)}`);
}

/** Synthetic patients per class: the real training counts × multiplier, rounded. */
export function syntheticCounts(ctx: EhrStageContext): number[] {
  const labels = ctx.data.splits.train.labels;
  const deaths = labels.reduce((a, b) => a + b, 0);
  return [labels.length - deaths, deaths].map((n) => Math.max(1, Math.round(n * ctx.config.generation.multiplier)));
}

export function runEhrGenerationStage(ctx: EhrStageContext, kind: EhrModelKind): void {
  const { config, run } = ctx;
  const loaded = loadEhrDiffusionModel(modelDirOf(run, kind));
  const writer = new SyntheticEhrWriter(syntheticDirOf(run, kind), syntheticPrefixOf(kind));
  const counts = syntheticCounts(ctx);
  const total = counts.reduce((a, b) => a + b, 0);
  const bar = ctx.progress(`${kind} generation`, total, 'patients');
  const started = Date.now();
  try {
    let firstRecordId = 1_000_001;
    counts.forEach((count, classIndex) => {
      const before = firstRecordId;
      generateEhrPatients(loaded, {
        count,
        classIndex,
        guidanceScale: config.generation.guidanceScale,
        sampler: config.generation.sampler,
        numInferenceSteps: config.generation.numInferenceSteps,
        batchSize: config.generation.batchSize,
        // One seed per class, derived from the run seed, so each class's patients do not depend on the other's count.
        seed: config.seed * 1000 + 17 + classIndex,
        firstRecordId,
        onBatch: (batch) => writer.append(batch.grid, batch.descriptors, batch.labels),
        onProgress: (p) => bar.update(before - 1_000_001 + p.done, `in-hospital death = ${classIndex}`),
      });
      firstRecordId += count;
    });
    bar.stop();
    writer.finish({ model: { kind, dir: path.relative(run.dir, modelDirOf(run, kind)) }, run: path.basename(run.dir), seed: config.seed, generation: config.generation });
  } catch (err) {
    bar.stop();
    writer.abandon();
    throw err;
  } finally {
    loaded.dispose();
  }
  const seconds = (Date.now() - started) / 1000;
  run.writeJson({ patients: total, perClass: counts, seconds: Math.round(seconds * 10) / 10 }, 'synthetic', kind, 'generation-time.json');
  ctx.say(`  ${kind}: ${total} synthetic patients in ${seconds.toFixed(0)} s`);
}

function testSubgroups(test: EhrSplit): TestSubgroups[] {
  return [
    { name: 'sex', groupOf: (row) => sexGroup(test.descriptors[row].Gender) },
    { name: 'age band', groupOf: (row) => ageBand(test.descriptors[row].Age) },
  ];
}

/** Summary tables of the real training and test patients, built once for every model's evaluation. */
interface RealTables {
  train: Table;
  test: Table;
}

/** Evaluates one model's synthetic patients; returns its part of metrics.json and the TRTR result. */
export function evaluateSynthetic(ctx: EhrStageContext, kind: EhrModelKind, real: RealTables): { metrics: Record<string, unknown>; trtr: TrainTestResult } {
  const { run, data, config } = ctx;
  const dir = syntheticDirOf(run, kind);
  const prefix = syntheticPrefixOf(kind);
  const synthetic = readSyntheticEhrCsv(path.join(dir, `${prefix}_timeseries.csv`), path.join(dir, `${prefix}_outcomes.csv`), data.hours);
  const { train, test } = data.splits;
  const syntheticTable = summaryFeatureTable(synthetic.grid, synthetic.descriptors);
  const comparison = compareTstrTrtr({
    realTrain: real.train,
    realTrainLabels: train.labels,
    syntheticTrain: syntheticTable,
    syntheticTrainLabels: synthetic.labels,
    realTest: real.test,
    realTestLabels: test.labels,
    subgroups: testSubgroups(test),
    l2: config.evaluation.l2,
  });
  const discriminative = discriminativeScore(real.train, syntheticTable, { folds: config.evaluation.discriminativeFolds, seed: config.seed, l2: config.evaluation.l2 });


  const fidelity = ehrFidelityReport(train.clinical, synthetic.grid);
  writeFileAtomic(path.join(dir, 'fidelity.md'), formatEhrFidelityMarkdown(fidelity));
  run.writeJson(fidelity, 'synthetic', kind, 'fidelity.json');
  let reconstruction: unknown = null;
  if (kind === 'latent') {
    const vae = loadEhrVae(path.join(modelDirOf(run, kind), EHR_VAE_FILE));
    try {
      reconstruction = vaeReconstructionError(vae, test.normalised, data.stats);
    } finally {
      for (const p of vae.params.values()) p.dispose();
    }
  }
  const metrics = {
    syntheticPatients: synthetic.labels.length,
    tstr: comparison.tstr,
    aurocGap: comparison.aurocGap,
    subgroupGaps: comparison.subgroups,
    discriminative,
    worstByWasserstein: worstByWasserstein(fidelity, 5),
    correlationDistance: { frobenius: fidelity.correlation.frobenius, meanAbsolute: fidelity.correlation.meanAbsolute },
    missingness: {
      meanAbsoluteMissingRateDifference: fidelity.missingness.meanAbsoluteMissingRateDifference,
      meanAbsoluteFrequencyDifference: fidelity.missingness.meanAbsoluteFrequencyDifference,
    },
    autocorrelationMeanAbsoluteDifference: fidelity.autocorrelation.meanAbsoluteDifference,
    vaeReconstructionOnRealTest: reconstruction,
  };
  return { metrics, trtr: comparison.trtr };
}

export function runEhrEvaluationStage(ctx: EhrStageContext): void {
  const { data, config } = ctx;
  const { train, test } = data.splits;
  const real = { train: summaryFeatureTable(train.clinical, train.descriptors), test: summaryFeatureTable(test.clinical, test.descriptors) };
  const models: Record<string, unknown> = {};
  // TRTR depends only on the real tables, so every model's comparison computes the same result.
  let trtr: TrainTestResult | null = null;
  for (const kind of config.models) {
    ctx.say(`  evaluating ${kind}`);
    const result = evaluateSynthetic(ctx, kind, real);
    models[kind] = result.metrics;
    trtr = result.trtr;
  }
  ctx.run.writeJson(
    {
      note: 'TRTR and TSTR are scored on the REAL test patients; fidelity compares synthetic with the real TRAINING patients.',
      realTestPatients: test.recordIds.length,
      trtr,
      models,
    },
    'metrics.json',
  );
}
