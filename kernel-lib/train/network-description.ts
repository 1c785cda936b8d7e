import * as tf from '@tensorflow/tfjs';
import { ParamSpec } from '../nets/params';
import { UNetConfig, unetForward, unetParamSpecs } from '../nets/unet';
import { ForwardFn } from './diffusion-trainer';

/** Network kinds that can be described by data and rebuilt inside a worker thread. */
export const NETWORK_KINDS = ['unet'] as const;
export type NetworkKind = (typeof NETWORK_KINDS)[number];

/**
 * A network described by plain data, so it survives structured cloning into a worker
 * thread, where a closure over the configuration would not.
 */
export type NetworkDescription = { kind: 'unet'; config: UNetConfig };

/** Parameter specs and forward function of a described network. */
export interface BuiltNetwork {
  paramSpecs: ParamSpec[];
  forward: ForwardFn;
}

/** Builds the parameter specs and forward function of `description`. */
export function buildNetwork(description: NetworkDescription): BuiltNetwork {
  const kind = (description as { kind?: unknown }).kind;
  if (kind !== 'unet') {
    throw new Error(`buildNetwork: unknown network kind ${JSON.stringify(kind)}; use one of ${NETWORK_KINDS.join(', ')}`);
  }
  const config = description.config;
  return {
    paramSpecs: unetParamSpecs(config),
    forward: (params, xt, t, y, mask) => unetForward(config, params, xt as tf.Tensor4D, t, y, mask ?? null),
  };
}
