import { MultimodalDataset } from '../../kernel-lib/multimodal/modalities';
import { Random } from '../../kernel-lib/util/random';

/** Shape of the synthetic time series: [hours, 2 · variables]. */
export const SYNTHETIC_HOURS = 6;
export const SYNTHETIC_VARIABLES = 2;
export const SYNTHETIC_FEATURES = 3;

/**
 * Generates examples (not patient data) where each modality alone predicts the label y ~ Bernoulli(1/2).
 * Time-series variable 0 is y · `shift` + N(0, 1) at each observed hour. Hour 0 is always observed
 * and the others with probability 0.7. Descriptor feature 0 is y · `shift` + N(0, 1).
 * The other channels are noise, and every modality is present in every example.
 */
export function syntheticMultimodal(count: number, seed: number, shift = 1.5): MultimodalDataset {
  const rng = new Random(seed);
  const labels = new Int32Array(count);
  const channels = 2 * SYNTHETIC_VARIABLES;
  const time = new Float32Array(count * SYNTHETIC_HOURS * channels);
  const descriptors = new Float32Array(count * SYNTHETIC_FEATURES);
  for (let i = 0; i < count; i++) {
    labels[i] = rng.uniform() < 0.5 ? 1 : 0;
    for (let h = 0; h < SYNTHETIC_HOURS; h++) {
      const cell = (i * SYNTHETIC_HOURS + h) * channels;
      for (let v = 0; v < SYNTHETIC_VARIABLES; v++) {
        const observed = h === 0 || rng.uniform() >= 0.3;
        const signal = v === 0 ? labels[i] * shift : 0;
        time[cell + v] = observed ? signal + rng.normal() : 0;
        time[cell + SYNTHETIC_VARIABLES + v] = observed ? 1 : 0;
      }
    }
    for (let f = 0; f < SYNTHETIC_FEATURES; f++) descriptors[i * SYNTHETIC_FEATURES + f] = (f === 0 ? labels[i] * shift : 0) + rng.normal();
  }
  return {
    count,
    labels,
    modalities: {
      timeSeries: { values: time, exampleShape: [SYNTHETIC_HOURS, channels], presence: new Uint8Array(count).fill(1) },
      descriptors: { values: descriptors, exampleShape: [SYNTHETIC_FEATURES], presence: new Uint8Array(count).fill(1) },
    },
  };
}
