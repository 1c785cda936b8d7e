import * as os from 'os';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../kernel-lib/backend/select';
import { makeNoiseSchedule } from '../kernel-lib/diffusion/schedules';
import { addNoise, diffusionLoss, trainingTarget } from '../kernel-lib/diffusion/parameterization';
import { withClassifierFreeGuidance } from '../kernel-lib/diffusion/guidance';
import { sampleDdim } from '../kernel-lib/diffusion/samplers';
import { referenceUNetConfig, unetForward, unetParamCount, unetParamSpecs } from '../kernel-lib/nets/unet';
import { createParams } from '../kernel-lib/nets/params';
import { Adam } from '../kernel-lib/train/adam';
import { GradientWorkerPool } from '../kernel-lib/train/parallel/gradient-worker-pool';
import { Random } from '../kernel-lib/util/random';

/**
 * Measures the image-diffusion workload of the PyTorch peer. Training: the reference U-Net
 * with 4 classes, batch 64 at 32×32, epsilon MSE and Adam(2e-4) on a 1000-step linear
 * schedule. Sampling: 64 images with DDIM-50 and guidance 3, with the conditional and null
 * rows in one call of 128. The training step is timed on the main thread and then split
 * between `--workers` worker threads (data-parallel, 0 to skip). Prints one JSON line.
 * Usage: node dist/bench/diffusion-bench.js [--train-steps N] [--sample-count N] [--workers N] [--profile]
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
  const profile = args.includes('--profile');

  const backend = await selectBackend();
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

  // Two warm-up steps, as the peer does (operator caches, Adam moments).
  trainStep();
  trainStep();
  // CPU time of all threads of the process, beside wall time: on a loaded machine the wall
  // time is an upper bound, while CPU time shows the work and how the workers share it.
  let cpuStarted = process.cpuUsage();
  let started = performance.now();
  for (let i = 0; i < trainSteps; i++) trainStep();
  const trainMs = (performance.now() - started) / trainSteps;
  const trainCpuMs = cpuMsSince(cpuStarted) / trainSteps;

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
  if (workers > 0) {
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
      cpuStarted = process.cpuUsage();
      started = performance.now();
      for (let i = 0; i < trainSteps; i++) parallelStep();
      parallelTrainMs = (performance.now() - started) / trainSteps;
      parallelCpuMs = cpuMsSince(cpuStarted) / trainSteps;
    } finally {
      pool.dispose();
    }
  }

  const denoiser = withClassifierFreeGuidance(
    (x, t, y) => unetForward(config, params, x as tf.Tensor4D, t, y as tf.Tensor1D),
    { guidanceScale: 3, nullCondition: tf.tensor1d([4], 'int32') },
  );
  const runSampling = (count: number, steps: number) => {
    const condition = tf.tensor1d(Int32Array.from({ length: count }, () => rng.int(4)), 'int32');
    const out = sampleDdim({ schedule, denoiser, shape: [count, 32, 32, 1], condition, numInferenceSteps: steps, timestepSpacing: 'linspace', rng });
    out.dataSync();
    tf.dispose([out, condition]);
  };
  runSampling(4, 5);
  started = performance.now();
  runSampling(sampleCount, 50);
  const sampleMs = (performance.now() - started) / sampleCount;

  console.log(
    JSON.stringify({
      peer: `tfjs-${backend.name}-${tf.version_core}`,
      threads: backend.wasmThreads ?? null,
      parameters: unetParamCount(config),
      train_ms_per_step_b64: Math.round(trainMs * 10) / 10,
      train_cpu_ms_per_step_b64: Math.round(trainCpuMs),
      ...(parallelTrainMs !== null && parallelCpuMs !== null
        ? {
            [`train_ms_per_step_b64_workers${workers}`]: Math.round(parallelTrainMs * 10) / 10,
            [`train_cpu_ms_per_step_b64_workers${workers}`]: Math.round(parallelCpuMs),
          }
        : {}),
      sample_ms_per_image_ddim50_cfg: Math.round(sampleMs * 10) / 10,
      train_steps_timed: trainSteps,
      cpu: os.cpus()[0]?.model,
      ...(kernelTable ? { profile_ms_per_kernel: kernelTable } : {}),
    }),
  );
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
