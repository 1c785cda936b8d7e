import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../kernel-lib/backend/select';
import { makeNoiseSchedule } from '../kernel-lib/diffusion/schedules';
import { SyntheticEhrWriter } from '../kernel-lib/ehr/synthetic-export';
import { trajectoryChannels } from '../kernel-lib/ehr/trajectory-encoding';
import { trajectoryTransformerForward, trajectoryTransformerParamSpecs, TrajectoryTransformerConfig } from '../kernel-lib/nets/trajectory-transformer';
import { generateEhrPatients, loadEhrDiffusionModel } from '../kernel-lib/pipelines/ehr-diffusion';
import { DiffusionTrainer } from '../kernel-lib/train/diffusion-trainer';
import { Random } from '../kernel-lib/util/random';

/**
 * EHR benchmarks. Prints one JSON line per measurement.
 * - The trajectory transformer's training step: 3 blocks of width `--model-dim` (default 128, as the EHR pipeline), 24 hours × 80 channels, batch 64;
 *   median of `--train-steps` steps after two warm-up steps.
 * - With `--model <dir>`: generation of `--n` patients (default 10,000) with guidance, written as CSV,
 *   Parquet and metadata into a temporary folder, with the peak resident memory of the process.
 * Usage: node dist/bench/ehr-bench.js [--train-steps N] [--model-dim N] [--model DIR --n N --steps N --batch-size N] [--backend wasm|cpu]
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: string | null): string | null => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const backend = await selectBackend({ backend: option('backend', 'wasm') as string });
  const trainSteps = Number(option('train-steps', '10'));

  if (trainSteps > 0) {
    const modelDim = Number(option('model-dim', '128'));
    const config: TrajectoryTransformerConfig = { hours: 24, channels: trajectoryChannels(37), numClasses: 2, modelDim };
    const sampleSize = 24 * config.channels;
    const data = new Random(0).normalArray(512 * sampleSize);
    const trainer = new DiffusionTrainer({
      schedule: makeNoiseSchedule({}),
      predictionType: 'epsilon',
      paramSpecs: trajectoryTransformerParamSpecs(config),
      forward: (params, x, t, y) => trajectoryTransformerForward(config, params, x as tf.Tensor3D, t, y as tf.Tensor1D | null),
      data: {
        count: 512,
        sampleShape: [24, config.channels],
        labels: Int32Array.from({ length: 512 }, (_, i) => i % 2),
        fillBatch: (indices, out) => indices.forEach((row, i) => out.set(data.subarray(row * sampleSize, (row + 1) * sampleSize), i * sampleSize)),
      },
      nullClass: 2,
      batchSize: 64,
      numSteps: trainSteps + 2,
      learningRate: 5e-4,
      emaDecay: 0.995,
      conditionDropout: 0.1,
      seed: 0,
    });
    trainer.trainStep();
    trainer.trainStep();
    const times: number[] = [];
    for (let i = 0; i < trainSteps; i++) {
      const start = process.hrtime.bigint();
      trainer.trainStep();
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    trainer.dispose();
    times.sort((a, b) => a - b);
    console.log(JSON.stringify({ benchmark: 'ehr-trajectory-train-step', backend: backend.name, batch: 64, hours: 24, channels: config.channels, modelDim, medianMs: Math.round(times[Math.floor(times.length / 2)]), steps: trainSteps }));
  }

  const modelDir = option('model', null);
  if (modelDir) {
    const count = Number(option('n', '10000'));
    const steps = Number(option('steps', '25'));
    const batchSize = Number(option('batch-size', '256'));
    const loaded = loadEhrDiffusionModel(path.resolve(modelDir));
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-ehr-bench-'));
    const writer = new SyntheticEhrWriter(out);
    const start = Date.now();
    try {
      generateEhrPatients(loaded, {
        count,
        classIndex: 1,
        guidanceScale: 2,
        sampler: 'dpmsolver++',
        numInferenceSteps: steps,
        seed: 0,
        batchSize,
        onBatch: (batch) => writer.append(batch.grid, batch.descriptors, batch.labels),
      });
      const generated = Date.now();
      writer.finish({ benchmark: true });
      const seconds = (Date.now() - start) / 1000;
      const csvBytes = fs.statSync(writer.files.timeseriesCsv).size;
      console.log(JSON.stringify({
        benchmark: 'ehr-generation',
        kind: loaded.model.kind,
        backend: backend.name,
        patients: count,
        steps,
        batchSize,
        seconds: Math.round(seconds * 10) / 10,
        samplingSeconds: Math.round((generated - start) / 100) / 10,
        msPerPatient: Math.round((seconds * 1000) / count * 10) / 10,
        timeseriesCsvMiB: Math.round(csvBytes / 2 ** 20),
        peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      }));
    } finally {
      loaded.dispose();
      fs.rmSync(out, { recursive: true, force: true });
    }
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
