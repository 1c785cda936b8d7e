import * as os from 'os';
import * as tf from '@tensorflow/tfjs';
import { makeNoiseSchedule } from '../kernel-lib/diffusion/schedules';
import { addNoise, diffusionLoss, trainingTarget } from '../kernel-lib/diffusion/parameterization';
import { withClassifierFreeGuidance } from '../kernel-lib/diffusion/guidance';
import type { Denoiser } from '../kernel-lib/diffusion/types';
import { sample } from '../kernel-lib/diffusion/samplers';
import { referenceUNetConfig, unetForward, unetParamCount, unetParamSpecs } from '../kernel-lib/nets/unet';
import { createParams } from '../kernel-lib/nets/params';
import { Adam } from '../kernel-lib/train/adam';
import { GradientWorkerPool } from '../kernel-lib/train/parallel/gradient-worker-pool';
import { Random } from '../kernel-lib/util/random';
import { startBenchBackend } from './bench-backend';
import { memoryFigures } from './memory';

/**
 * Measures the image-diffusion workload of the PyTorch peer. Training: the reference U-Net
 * with 4 classes, batch 64 at 32×32, epsilon MSE and Adam(2e-4) on a 1000-step linear
 * schedule. Sampling: 64 images with DDIM-50 and guidance 3, with the conditional and null
 * rows in one call of 128. The training step is timed on the main thread and then split
 * between `--workers` worker threads (data-parallel, 0 to skip), with wall and CPU time.
 * Then the same images with DPM-Solver++(2M) at --fast-steps steps,
 * with guidance at every step and with guidance only at t = --guidance-interval. Peak resident
 * memory and the wasm heap are read after training and after sampling. Prints one JSON line.
 * Usage: node dist/bench/diffusion-bench.js [--train-steps N] [--workers N] [--sample-count N] [--sample-steps N]
 *   [--fast-steps N] [--guidance-interval first,last] [--backend NAME] [--profile]
 * --backend takes the names of selectBackend and `webgpu`; it defaults to MEDSYNTH_BACKEND or auto.
 * --train-steps 0 skips training.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const trainSteps = option('train-steps', 5);
  const sampleCount = option('sample-count', 64);
  const workers = option('workers', 2);
  const sampleSteps = option('sample-steps', 50);
  const fastSteps = option('fast-steps', 20);
  const intervalIndex = args.indexOf('--guidance-interval');
  const guidanceInterval = (intervalIndex >= 0 ? args[intervalIndex + 1] : '82,579').split(',').map(Number) as [number, number];
  const backendIndex = args.indexOf('--backend');
  const profile = args.includes('--profile');

  const backend = await startBenchBackend(backendIndex >= 0 ? args[backendIndex + 1] : undefined);
  const config = referenceUNetConfig(4);
  const rng = new Random(0);
  const params = createParams(unetParamSpecs(config), rng);
  const schedule = makeNoiseSchedule({ numTrainTimesteps: 1000, betaSchedule: 'linear' });
  const adam = new Adam({ learningRate: 2e-4 });
  const batch = 64;
  const x0 = rng.normalArray(batch * 32 * 32);
  const labels = Int32Array.from({ length: batch }, () => rng.int(4));

  const trainStep = () => {
    const timesteps = Int32Array.from({ length: batch }, () => rng.int(1000));
    const noiseValues = rng.normalArray(batch * 32 * 32);
    const { value, grads } = tf.tidy(() => {
      const x = tf.tensor4d(x0, [batch, 32, 32, 1]);
      const noise = tf.tensor4d(noiseValues, [batch, 32, 32, 1]);
      const xt = addNoise(schedule, x, noise, timesteps);
      const target = trainingTarget(schedule, x, noise, timesteps, 'epsilon');
      return tf.variableGrads(
        () => diffusionLoss(unetForward(config, params, xt as tf.Tensor4D, tf.tensor1d(timesteps, 'int32'), tf.tensor1d(labels, 'int32')), target),
        Array.from(params.values()),
      );
    });
    value.dataSync();
    value.dispose();
    const gradMap = new Map<string, tf.Tensor>();
    for (const [name, variable] of params) gradMap.set(name, grads[variable.name]);
    adam.apply(params, gradMap);
    tf.dispose(grads);
  };

  // Two warm-up steps, as the peer does (operator caches, Adam moments). --train-steps 0 skips
  // training, so that the memory figures after sampling are those of sampling alone.
  // CPU time of all threads of the process is kept beside wall time: on a loaded machine the
  // wall time is an upper bound, while CPU time shows the work and how the workers share it.
  let trainMs: number | null = null;
  let trainCpuMs: number | null = null;
  if (trainSteps > 0) {
    trainStep();
    trainStep();
    const cpuStart = process.cpuUsage();
    const trainStart = performance.now();
    for (let i = 0; i < trainSteps; i++) trainStep();
    trainMs = Math.round(((performance.now() - trainStart) / trainSteps) * 10) / 10;
    trainCpuMs = Math.round(cpuMsSince(cpuStart) / trainSteps);
  }
  const memoryAfterTraining = memoryFigures();

  let kernelTable: Record<string, number> | undefined;
  if (profile) {
    const info = await tf.profile(() => trainStep());
    kernelTable = {};
    for (const k of info.kernels) kernelTable[k.name] = (kernelTable[k.name] ?? 0) + (k.kernelTimeMs as number);
    for (const key of Object.keys(kernelTable)) kernelTable[key] = Math.round(kernelTable[key]);
  }

  // The same step with the batch split between worker threads: the main thread copies the
  // weights to shared memory, the workers compute shard gradients, the main thread applies Adam.
  let parallelTrainMs: number | null = null;
  let parallelCpuMs: number | null = null;
  if (workers > 0 && trainSteps > 0) {
    const pool = new GradientWorkerPool({
      network: { kind: 'unet', config },
      numWorkers: workers,
      batchSize: batch,
      sampleShape: [32, 32, 1],
      conditioning: 'labels',
      schedule,
      predictionType: 'epsilon',
      backend: backend.name,
    });
    const parallelStep = () => {
      const timesteps = Int32Array.from({ length: batch }, () => rng.int(1000));
      const noise = rng.normalArray(batch * 32 * 32);
      pool.setWeights(params);
      const { gradients } = pool.computeGradients({ size: batch, sampleShape: [32, 32, 1], x0, noise, timesteps, labels, contexts: null, contextDim: 0, dropMask: null });
      const gradMap = new Map<string, tf.Tensor>();
      let offset = 0;
      for (const spec of pool.paramSpecs) {
        const size = spec.shape.reduce((a, b) => a * b, 1);
        gradMap.set(spec.name, tf.tensor(gradients.slice(offset, offset + size), spec.shape));
        offset += size;
      }
      adam.apply(params, gradMap);
      tf.dispose(Array.from(gradMap.values()));
    };
    try {
      parallelStep();
      parallelStep();
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      for (let i = 0; i < trainSteps; i++) parallelStep();
      parallelTrainMs = Math.round(((performance.now() - start) / trainSteps) * 10) / 10;
      parallelCpuMs = Math.round(cpuMsSince(cpuStart) / trainSteps);
    } finally {
      pool.dispose();
    }
  }

  const model: Denoiser = (x, t, y) => unetForward(config, params, x as tf.Tensor4D, t, y as tf.Tensor1D);
  const nullCondition = tf.tensor1d([4], 'int32');
  const guided = withClassifierFreeGuidance(model, { guidanceScale: 3, nullCondition });
  const guidedInInterval = withClassifierFreeGuidance(model, { guidanceScale: 3, nullCondition, guidanceInterval });
  const runSampling = (sampler: string, denoiser: Denoiser, count: number, steps: number) => {
    const condition = tf.tensor1d(Int32Array.from({ length: count }, () => rng.int(4)), 'int32');
    const out = sample({ sampler, schedule, denoiser, shape: [count, 32, 32, 1], condition, numInferenceSteps: steps, timestepSpacing: 'linspace', rng });
    out.dataSync();
    tf.dispose([out, condition]);
  };
  const msPerImage = (sampler: string, denoiser: Denoiser, steps: number) => {
    const start = performance.now();
    runSampling(sampler, denoiser, sampleCount, steps);
    return Math.round(((performance.now() - start) / sampleCount) * 10) / 10;
  };
  runSampling('ddim', guided, 4, 5);
  const ddimMs = msPerImage('ddim', guided, sampleSteps);
  const fastMs = msPerImage('dpmsolver++', guided, fastSteps);
  const fastIntervalMs = msPerImage('dpmsolver++', guidedInInterval, fastSteps);
  nullCondition.dispose();
  const memoryAfterSampling = memoryFigures();

  console.log(
    JSON.stringify({
      peer: `tfjs-${backend.name}-${tf.version_core}`,
      threads: backend.wasmThreads ?? null,
      parameters: unetParamCount(config),
      train_ms_per_step_b64: trainMs,
      train_cpu_ms_per_step_b64: trainCpuMs,
      ...(parallelTrainMs !== null
        ? { [`train_ms_per_step_b64_workers${workers}`]: parallelTrainMs, [`train_cpu_ms_per_step_b64_workers${workers}`]: parallelCpuMs }
        : {}),
      [`sample_ms_per_image_ddim${sampleSteps}_cfg`]: ddimMs,
      [`sample_ms_per_image_dpmsolver${fastSteps}_cfg`]: fastMs,
      [`sample_ms_per_image_dpmsolver${fastSteps}_cfg_interval_${guidanceInterval.join('_')}`]: fastIntervalMs,
      train_steps_timed: trainSteps,
      memory_mib_after_training: memoryAfterTraining,
      memory_mib_after_sampling: memoryAfterSampling,
      cpu: os.cpus()[0]?.model,
      ...(kernelTable ? { profile_ms_per_kernel: kernelTable } : {}),
    }),
  );
  backend.close();
}

/** Returns the CPU time (user + system, all threads) used since `start`, in milliseconds. */
function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

main().catch((err) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
