import * as tf from '@tensorflow/tfjs';
import type { SamplerOptions } from './common';
import { sampleDdim } from './ddim';
import { sampleDdpm } from './ddpm';
import { sampleDpmSolver } from './dpm-solver';

export type { SamplerOptions } from './common';
export { sampleDdim } from './ddim';
export { sampleDdpm } from './ddpm';
export { sampleDpmSolver } from './dpm-solver';

/** Sampling algorithms: ancestral DDPM, DDIM (deterministic at eta = 0) and the second-order multistep DPM-Solver++(2M). */
export const SAMPLERS = ['ddpm', 'ddim', 'dpmsolver++'] as const;
export type SamplerName = (typeof SAMPLERS)[number];

const SAMPLER_FUNCTIONS: Record<SamplerName, (options: SamplerOptions) => tf.Tensor> = {
  ddpm: sampleDdpm,
  ddim: sampleDdim,
  'dpmsolver++': sampleDpmSolver,
};

/**
 * Runs the sampler named by `options.sampler` (one of SAMPLERS) with the other options.
 * Returns the sample `[batch, ...sampleShape]`, the only tensor the call leaves alive.
 */
export function sample(options: SamplerOptions & { sampler: string }): tf.Tensor {
  const name = options?.sampler;
  if (!(SAMPLERS as readonly string[]).includes(name)) {
    throw new Error(`sample: unknown \`sampler\` '${name}'; use one of ${SAMPLERS.join(', ')}`);
  }
  return SAMPLER_FUNCTIONS[name as SamplerName](options);
}
