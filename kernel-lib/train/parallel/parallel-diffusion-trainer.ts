import * as tf from '@tensorflow/tfjs';
import { activeBackend } from '../../backend/select';
import { sizeOf } from '../../nets/params';
import { DiffusionTrainer, DiffusionTrainerOptions, TrainingBatch } from '../diffusion-trainer';
import { NetworkDescription, buildNetwork } from '../network-description';
import { GradientWorkerPool } from './gradient-worker-pool';
import { Conditioning } from './protocol';

export interface ParallelDiffusionTrainerOptions extends Omit<DiffusionTrainerOptions, 'paramSpecs' | 'forward'> {
  /** The network as data, rebuilt in every worker. */
  network: NetworkDescription;
  /** Number of worker threads, each computing the gradient of one shard of every batch. */
  workers: number;
}

/**
 * DiffusionTrainer with data-parallel gradients. The main thread draws each batch,
 * timesteps and noise exactly as DiffusionTrainer does, splits the batch into `workers`
 * contiguous shards (see shardRanges), and each worker thread computes the gradient of its
 * shard's mean loss on its own backend. The main thread sums the shard gradients in worker
 * order, weighted by shard size, applies Adam and EMA, and copies the new weights into
 * shared memory for the next step. Checkpoints and resume work as in DiffusionTrainer.
 *
 * Results are deterministic for a given seed and worker count. They differ from the
 * one-thread trainer by float rounding only, because summing per-shard reductions changes
 * the order of additions. A single worker reproduces the one-thread trainer's numbers.
 * Call `dispose` to stop the workers, also after an error.
 */
export class ParallelDiffusionTrainer extends DiffusionTrainer {
  readonly pool: GradientWorkerPool;

  constructor(options: ParallelDiffusionTrainerOptions) {
    const network = buildNetwork(options.network);
    super({ ...options, paramSpecs: network.paramSpecs, forward: network.forward });
    const backend = activeBackend()?.name ?? tf.getBackend();
    let conditioning: Conditioning = 'none';
    if (options.data.labels) conditioning = 'labels';
    else if (options.data.contexts) conditioning = 'contexts';
    try {
      this.pool = new GradientWorkerPool({
        network: options.network,
        numWorkers: options.workers,
        batchSize: options.batchSize,
        sampleShape: options.data.sampleShape,
        conditioning,
        contextDim: options.data.contexts?.dim ?? 0,
        schedule: options.schedule,
        predictionType: options.predictionType,
        backend,
      });
    } catch (err) {
      super.dispose();
      throw err;
    }
  }

  protected override lossAndGradients(batch: TrainingBatch): { loss: number; grads: Map<string, tf.Tensor> } {
    this.pool.setWeights(this.params);
    const { loss, gradients } = this.pool.computeGradients(batch);
    const grads = new Map<string, tf.Tensor>();
    let offset = 0;
    for (const spec of this.pool.paramSpecs) {
      const size = sizeOf(spec.shape);
      // slice: the pool reuses `gradients`, and the cpu backend would keep a view of it.
      grads.set(spec.name, tf.tensor(gradients.slice(offset, offset + size), spec.shape));
      offset += size;
    }
    return { loss, grads };
  }

  /** Stops the workers and frees the weights, Adam moments and EMA weights. */
  override dispose(): void {
    this.pool?.dispose();
    super.dispose();
  }
}
