import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ExperimentConfig, parseExperimentConfig } from '../../kernel-lib/experiment/config';
import { runExperiment } from '../../kernel-lib/experiment/runner';

// A complete experiment small enough to run in a test: every arm, two seeds, a diffusion model of
// 3 training steps and classifiers of 2 epochs. Its metrics mean nothing, but every stage runs
// and writes every file. minProbability 0 lets the filter accept every synthetic image.

/** Returns the tiny experiment config unparsed, as a user would write it in a JSON file. */
export function tinyExperimentJson(): Record<string, unknown> {
  return {
    name: 'tiny',
    dataset: { source: 'chest-phantom', classes: ['no finding', 'effusion'], positiveClass: 'effusion', rareTrainCount: 8 },
    seeds: [0, 1],
    diffusion: {
      unet: { widths: [8, 8], embeddingDim: 8, normGroups: 4 },
      training: { numSteps: 3, batchSize: 4, checkpointEvery: 2 },
    },
    generation: { multiplier: 1, numInferenceSteps: 2, minProbability: 0, maxAttemptsFactor: 2 },
    classifier: { maxEpochs: 2, patience: 1, widths: [4, 8, 8] },
    evaluation: { bootstrapResamples: 20 },
  };
}

/** Returns the tiny experiment config parsed, with its defaults filled in. */
export function tinyExperimentConfig(): ExperimentConfig {
  return parseExperimentConfig(tinyExperimentJson(), 'tiny experiment config');
}

const tempDirs: string[] = [];
process.on('exit', () => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Creates an empty folder under the system temp folder, removed when the process exits. */
export function makeTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

let uninterrupted: Promise<string> | undefined;

/**
 * Runs the tiny experiment once per process, start to finish without interruption, and returns
 * its run directory. Test files share it, so the comparisons with it cost no extra run.
 */
export function uninterruptedTinyRun(): Promise<string> {
  uninterrupted ??= runExperiment({
    config: tinyExperimentConfig(),
    runsDir: makeTempDir('medsynth-runs-'),
    runId: 'uninterrupted',
    backend: 'wasm',
  });
  return uninterrupted;
}
