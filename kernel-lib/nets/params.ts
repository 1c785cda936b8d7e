import * as tf from '@tensorflow/tfjs';
import { Random } from '../util/random';

/** Initialisation rule of a parameter. */
export type ParamInit =
  /** U(−1/√fanIn, 1/√fanIn), PyTorch's default for Conv2d and Linear weights and biases. */
  | { kind: 'fanInUniform'; fanIn: number }
  | { kind: 'zeros' }
  | { kind: 'ones' }
  /** N(0, 1), PyTorch's default for Embedding tables. */
  | { kind: 'normal' };

export interface ParamSpec {
  name: string;
  shape: number[];
  init: ParamInit;
}

/** A network's weights by name. Values are variables while training, plain tensors otherwise. */
export type Params = Map<string, tf.Tensor>;

export function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Fills a new Float32Array for one parameter from `rng`. */
export function initialValues(spec: ParamSpec, rng: Random): Float32Array {
  const size = sizeOf(spec.shape);
  const values = new Float32Array(size);
  switch (spec.init.kind) {
    case 'zeros':
      break;
    case 'ones':
      values.fill(1);
      break;
    case 'normal':
      for (let i = 0; i < size; i++) values[i] = rng.normal();
      break;
    case 'fanInUniform': {
      const bound = 1 / Math.sqrt(spec.init.fanIn);
      for (let i = 0; i < size; i++) values[i] = (2 * rng.uniform() - 1) * bound;
      break;
    }
  }
  return values;
}

let nextParamSetId = 0;

/**
 * Creates trainable variables for every spec, in spec order, from one seeded generator.
 * Map keys are the spec names. The tf variable names get a unique prefix, because the
 * engine rejects two live variables with one name (two networks in one process).
 */
export function createParams(specs: ParamSpec[], rng: Random): Map<string, tf.Variable> {
  const params = new Map<string, tf.Variable>();
  const prefix = `params${nextParamSetId++}/`;
  for (const spec of specs) {
    if (params.has(spec.name)) throw new Error(`createParams: duplicate parameter name '${spec.name}'`);
    const values = initialValues(spec, rng);
    // tidy frees the initial tensor; variables survive it.
    params.set(spec.name, tf.tidy(() => tf.variable(tf.tensor(values, spec.shape, 'float32'), true, prefix + spec.name)));
  }
  return params;
}

/** Returns the parameter `name`, or throws naming it (a spec and a forward pass out of step). */
export function param(params: Params, name: string): tf.Tensor {
  const value = params.get(name);
  if (!value) throw new Error(`network parameter '${name}' is missing; the weights do not match this architecture`);
  return value;
}

export function countParams(specs: ParamSpec[]): number {
  return specs.reduce((total, spec) => total + sizeOf(spec.shape), 0);
}

export function disposeParams(params: Params): void {
  for (const value of params.values()) value.dispose();
}
