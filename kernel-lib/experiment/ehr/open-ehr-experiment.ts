/**
 * Notebook entry to an EHR synthesis run: picks the data (the given PhysioNet 2012 folder, the
 * shared developer copy, or generated demo records), runs or continues the experiment, and
 * returns what the notebook plots: the prepared real data, the synthetic patients of each
 * model read back from their files, metrics.json and report.md.
 */
import * as fs from 'fs';
import * as path from 'path';
import { findProjectRoot } from '../../data/registry';
import { writeEhrDemoSet } from '../../data/ehr-demo';
import { EhrData, prepareEhrData } from '../../ehr/prepare-ehr-data';
import { readSyntheticEhrCsv, SyntheticEhrTables } from '../../ehr/synthetic-import';
import { ProgressFactory, silentProgress } from '../context';
import { mergeConfig } from '../open-experiment';
import { RunDirectory } from '../run-dir';
import { EhrExperimentConfig, parseEhrExperimentConfig, readConfigJson } from './ehr-config';
import { runEhrExperiment } from './ehr-runner';
import { syntheticDirOf, syntheticPrefixOf } from './ehr-stages';

/** Smaller models, fewer steps and a quarter of the synthetic patients: minutes instead of half an hour. */
export const EHR_QUICK_OVERRIDES: Record<string, unknown> = {
  trajectory: { transformer: { modelDim: 32, numLayers: 2, numHeads: 4, mlpRatio: 2 }, training: { numSteps: 200, checkpointEvery: 100 } },
  latent: { latentMlp: { hiddenDim: 128, numBlocks: 2 }, vae: { hiddenDim: 128, numSteps: 300 }, training: { numSteps: 300, checkpointEvery: 100 } },
  generation: { multiplier: 0.25, numInferenceSteps: 10 },
};

export interface OpenEhrExperimentOptions {
  /** Folder of PhysioNet 2012 record files; null: the shared developer copy when present, else generated demo records. */
  recordFolder?: string | null;
  outcomesPath?: string | null;
  /** Run directory to create or continue; null: experiments/runs/notebooks-<config name>. */
  runDir?: string | null;
  seed?: number;
  /** Config fields to change, merged into experiments/physionet2012-ehr.json. */
  overrides?: Record<string, unknown>;
  /** Merge EHR_QUICK_OVERRIDES first. Default true. */
  quick?: boolean;
  backend?: string;
  progress?: ProgressFactory;
  say?: (line: string) => void;
}

export interface EhrExperimentView {
  runDir: string;
  config: EhrExperimentConfig;
  /** True when the run used generated demo records instead of real patients. */
  generatedDemoData: boolean;
  data: EhrData;
  /** Synthetic patients of each model, read back from the run's CSV files. */
  synthetic: Partial<Record<'trajectory' | 'latent', SyntheticEhrTables>>;
  metrics: Record<string, unknown>;
  report: string;
}

export async function openEhrExperiment(options: OpenEhrExperimentOptions = {}): Promise<EhrExperimentView> {
  const say = options.say ?? (() => undefined);
  const projectRoot = findProjectRoot('openEhrExperiment');
  const base = readConfigJson(path.join(projectRoot, 'experiments', 'physionet2012-ehr.json')) as Record<string, unknown>;
  const shared = path.join(projectRoot, '..', 'shared', 'datasets', 'physionet2012');
  let recordFolder = options.recordFolder ?? null;
  let outcomesPath = options.outcomesPath ?? null;
  let generatedDemoData = false;
  if ((recordFolder === null) !== (outcomesPath === null)) {
    throw new Error('openEhrExperiment: give both recordFolder and outcomesPath, or neither');
  }
  if (recordFolder === null) {
    if (fs.existsSync(path.join(shared, 'set-a'))) {
      recordFolder = path.join(shared, 'set-a');
      outcomesPath = path.join(shared, 'Outcomes-a.txt');
    } else {
      say(`notice: ${shared} is absent; using generated demo records (not patient data)`);
      ({ recordFolder, outcomesPath } = writeEhrDemoSet(path.join(projectRoot, 'experiments', 'runs', 'ehr-demo-records')));
      generatedDemoData = true;
    }
  }
  let raw = mergeConfig(base, { dataset: { recordFolder, outcomesPath }, seed: options.seed ?? 0 });
  if (options.quick ?? true) raw = mergeConfig(raw, EHR_QUICK_OVERRIDES);
  raw = mergeConfig(raw, options.overrides ?? {});
  const config = parseEhrExperimentConfig(raw, 'notebook parameters');
  const runDir = path.resolve(options.runDir ?? path.join(projectRoot, 'experiments', 'runs', `notebooks-${config.name}`));

  const common = { backend: options.backend, progress: options.progress ?? silentProgress, say };
  if (fs.existsSync(path.join(runDir, 'manifest.json'))) {
    say(`continuing ${runDir} with the config recorded there`);
    await runEhrExperiment({ resumeDir: runDir, ...common });
  } else {
    await runEhrExperiment({ config, runsDir: path.dirname(runDir), runId: path.basename(runDir), ...common });
  }

  const run = RunDirectory.open(runDir);
  const recorded = parseEhrExperimentConfig(run.readJson<{ config: unknown }>('manifest.json').config, path.join(runDir, 'manifest.json'));
  // Relative dataset paths in a config are relative to the project root, not to the notebook.
  const fromRoot = (p: string) => (path.isAbsolute(p) ? p : path.join(projectRoot, p));
  const data = prepareEhrData({
    recordFolder: fromRoot(recorded.dataset.recordFolder),
    outcomesPath: fromRoot(recorded.dataset.outcomesPath),
    hours: recorded.dataset.hours,
    splitSeed: recorded.seed,
    maxPatients: recorded.dataset.maxPatients,
  });
  const synthetic: EhrExperimentView['synthetic'] = {};
  for (const kind of recorded.models) {
    const dir = syntheticDirOf(run, kind);
    const prefix = syntheticPrefixOf(kind);
    synthetic[kind] = readSyntheticEhrCsv(path.join(dir, `${prefix}_timeseries.csv`), path.join(dir, `${prefix}_outcomes.csv`), recorded.dataset.hours);
  }
  return {
    runDir,
    config: recorded,
    generatedDemoData: generatedDemoData || recorded.dataset.recordFolder.includes('ehr-demo-records'),
    data,
    synthetic,
    metrics: run.readJson<Record<string, unknown>>('metrics.json'),
    report: fs.readFileSync(run.path('report.md'), 'utf8'),
  };
}
