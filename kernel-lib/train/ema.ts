import * as tf from '@tensorflow/tfjs';

/**
 * Exponential moving average of weights: ema ← decay · ema + (1 − decay) · θ after each
 * update. Sampling uses the averaged weights, which give smoother samples than the last
 * iterate (Ho et al. 2020 used decay 0.9999 over 800k steps; short runs need a lower decay).
 */
export class ExponentialMovingAverage {
  readonly decay: number;
  readonly shadow = new Map<string, tf.Tensor>();

  constructor(decay: number, params: Map<string, tf.Tensor>) {
    if (!(decay >= 0 && decay < 1)) throw new Error(`ExponentialMovingAverage: decay must be in [0, 1), got ${decay}`);
    this.decay = decay;
    for (const [name, value] of params) this.shadow.set(name, tf.clone(value));
  }

  update(params: Map<string, tf.Tensor>): void {
    for (const [name, value] of params) {
      const previous = this.shadow.get(name);
      if (!previous) throw new Error(`ExponentialMovingAverage.update: unknown parameter '${name}'`);
      const next = tf.tidy(() => tf.add(tf.mul(previous, this.decay), tf.mul(value, 1 - this.decay)));
      previous.dispose();
      this.shadow.set(name, next);
    }
  }

  dispose(): void {
    for (const t of this.shadow.values()) t.dispose();
    this.shadow.clear();
  }
}
