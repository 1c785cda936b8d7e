import { Random } from '../util/random';

/**
 * Seeded data order without stored state: epoch e visits the rows in the permutation drawn
 * from a generator seeded by (seed, e). Batch k takes rows k·B … k·B + B − 1 of the
 * concatenated epochs, so a resumed run finds its next batch from the step alone.
 */
export class EpochSampler {
  private cachedEpoch = -1;
  private cachedPermutation: Int32Array = new Int32Array(0);

  constructor(
    readonly count: number,
    readonly batchSize: number,
    readonly seed: number,
  ) {
    if (!Number.isInteger(count) || count < 1) throw new Error(`EpochSampler: the dataset is empty (count ${count}); give it at least one row`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`EpochSampler: batchSize must be an integer >= 1, got ${batchSize}`);
  }

  private permutation(epoch: number): Int32Array {
    if (epoch !== this.cachedEpoch) {
      // Distinct seeds per epoch: mix the epoch into the seed with a large odd constant.
      this.cachedPermutation = new Random((this.seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0).permutation(this.count);
      this.cachedEpoch = epoch;
    }
    return this.cachedPermutation;
  }

  /** Row indices of batch `step` (0-based). */
  batch(step: number): Int32Array {
    const out = new Int32Array(this.batchSize);
    for (let i = 0; i < this.batchSize; i++) {
      const position = step * this.batchSize + i;
      const epoch = Math.floor(position / this.count);
      out[i] = this.permutation(epoch)[position % this.count];
    }
    return out;
  }
}
