/**
 * Modality dropout: during training each present modality of each example is dropped with
 * its own probability, so the model learns to predict from any subset of its inputs.
 *
 * Rule against dropping everything: when the draw drops every modality an example has, one of
 * those modalities, chosen uniformly at random, is kept. So the realised drop rate of a
 * modality is somewhat below its probability, and a single-modality model is never dropped.
 * An example with no modality present keeps none, so the model gets only missing embeddings for it.
 */
import { Random } from '../util/random';
import { Modality, checkModality } from './modalities';

/** One probability for every modality, or one per modality (unlisted modalities: 0). */
export type DropoutRates = number | Partial<Record<Modality, number>>;

/** Returns the drop probability of each of `modalities`; throws unless each is in [0, 1). */
export function resolveDropoutRates(rates: DropoutRates, modalities: readonly Modality[]): Record<Modality, number> {
  const resolved = {} as Record<Modality, number>;
  if (typeof rates !== 'number') {
    for (const name of Object.keys(rates)) checkModality('resolveDropoutRates', name);
  }
  for (const modality of modalities) {
    const p = typeof rates === 'number' ? rates : rates[modality] ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p < 1)) {
      throw new Error(`resolveDropoutRates: the dropout probability of '${modality}' must be in [0, 1), got ${p}; use 0 for no dropout`);
    }
    resolved[modality] = p;
  }
  return resolved;
}

/**
 * Draws keep flags for `rows` of a batch: keep[m][i] = 1 when modality m of example rows[i] is
 * present and not dropped, with the rule of the module comment. `presence[m]` is [examples].
 * The draws happen in row order, then modality order, so the same generator state gives the same flags.
 */
export function drawModalityKeep(
  presence: Partial<Record<Modality, ArrayLike<number>>>,
  modalities: readonly Modality[],
  rates: Record<Modality, number>,
  rows: ArrayLike<number>,
  rng: Random,
): Record<Modality, Float32Array> {
  const keep = {} as Record<Modality, Float32Array>;
  for (const modality of modalities) {
    if (!presence[modality]) throw new Error(`drawModalityKeep: no presence flags for modality '${modality}'`);
    keep[modality] = new Float32Array(rows.length);
  }

  for (let i = 0; i < rows.length; i++) {
    const present = modalities.filter((m) => (presence[m] as ArrayLike<number>)[rows[i]] === 1);
    let keptCount = 0;
    for (const modality of present) {
      const dropped = rates[modality] > 0 && rng.uniform() < rates[modality];
      if (!dropped) {
        keep[modality][i] = 1;
        keptCount++;
      }
    }
    if (keptCount === 0 && present.length > 0) keep[present[rng.int(present.length)]][i] = 1;
  }
  return keep;
}
