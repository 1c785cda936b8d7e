import * as tf from '@tensorflow/tfjs';
import { linear, linearSpecs, silu } from './layers';
import { ParamSpec, Params, countParams } from './params';
import { checkConditioningInputs, conditioningSpecs, conditioningVector, layerNorm, modulate, zeroLinearSpecs } from './trajectory-transformer';

/**
 * Residual MLP denoiser for latent vectors x [batch, latentDim] (for example the codes of
 * an autoencoder), conditioned like the trajectory transformer with adaLN-Zero (Peebles
 * and Xie 2023):
 *
 *   h_0 = Linear(x);  c = Linear(SiLU(Linear(sinusoid(t)))) + E[y];
 *   each block: h += g ⊙ Linear(SiLU(Linear(LN(h)·(1 + s) + b))), (b, s, g) = Linear(SiLU(c));
 *   output = Linear(LN(h)·(1 + s) + b) with (b, s) = Linear(SiLU(c)).
 *
 * The modulation and output layers start at zero, so each block starts as the identity and
 * the initial prediction is exactly 0.
 */
export interface LatentMlpConfig {
  /** Size of one latent vector. */
  latentDim: number;
  /** Width of the residual stream and of each block, even. Default 256. */
  hiddenDim?: number;
  /** Residual blocks. Default 4. */
  numBlocks?: number;
  /** Number of real classes. The class table has numClasses + 1 rows, the last being the null class. */
  numClasses: number;
}

export type ResolvedLatentMlpConfig = Required<LatentMlpConfig>;

export const LATENT_MLP_DEFAULTS = { hiddenDim: 256, numBlocks: 4 } as const;

function requireInteger(name: string, value: unknown, minimum: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    throw new Error(`validateLatentMlpConfig: ${name} must be an integer >= ${minimum}, got ${value}`);
  }
}

/** Checks the configuration and returns it with the defaults filled in. */
export function validateLatentMlpConfig(config: LatentMlpConfig): ResolvedLatentMlpConfig {
  if (typeof config !== 'object' || config === null) throw new Error(`validateLatentMlpConfig: expected a configuration object, got ${config}`);
  const resolved: ResolvedLatentMlpConfig = {
    latentDim: config.latentDim,
    hiddenDim: config.hiddenDim ?? LATENT_MLP_DEFAULTS.hiddenDim,
    numBlocks: config.numBlocks ?? LATENT_MLP_DEFAULTS.numBlocks,
    numClasses: config.numClasses,
  };
  requireInteger('latentDim', resolved.latentDim, 1);
  requireInteger('hiddenDim', resolved.hiddenDim, 2);
  requireInteger('numBlocks', resolved.numBlocks, 1);
  requireInteger('numClasses', resolved.numClasses, 0);
  if (resolved.hiddenDim % 2 !== 0) {
    throw new Error(`validateLatentMlpConfig: hiddenDim must be even for the sinusoidal timestep embedding, got ${resolved.hiddenDim}`);
  }
  return resolved;
}

/** Parameter names, shapes and initialisers of the network, in a fixed order. */
export function latentMlpParamSpecs(config: LatentMlpConfig): ParamSpec[] {
  const { latentDim, hiddenDim, numBlocks, numClasses } = validateLatentMlpConfig(config);
  const specs: ParamSpec[] = [...linearSpecs('input', latentDim, hiddenDim), ...conditioningSpecs(hiddenDim, numClasses)];
  for (let index = 0; index < numBlocks; index++) {
    const name = `blocks.${index}`;
    specs.push(
      ...zeroLinearSpecs(`${name}.modulation`, hiddenDim, 3 * hiddenDim),
      ...linearSpecs(`${name}.linear1`, hiddenDim, hiddenDim),
      ...linearSpecs(`${name}.linear2`, hiddenDim, hiddenDim),
    );
  }
  specs.push(...zeroLinearSpecs('final.modulation', hiddenDim, 2 * hiddenDim), ...zeroLinearSpecs('output', hiddenDim, latentDim));
  return specs;
}

export function latentMlpParamCount(config: LatentMlpConfig): number {
  return countParams(latentMlpParamSpecs(config));
}

/**
 * Runs the network on x [batch, latentDim] and timesteps [batch] (int32 or float32).
 * Labels are int32 [batch] in [0, numClasses], where numClasses is the null class, or null
 * for the null class everywhere. Returns the prediction (noise or v) with x's shape.
 */
export function latentMlpForward(config: LatentMlpConfig, params: Params, x: tf.Tensor2D, timesteps: tf.Tensor1D, labels: tf.Tensor1D | null): tf.Tensor2D {
  const owner = 'latentMlpForward';
  const { latentDim, hiddenDim, numBlocks, numClasses } = validateLatentMlpConfig(config);
  if (x.rank !== 2 || x.shape[1] !== latentDim) {
    throw new Error(`${owner}: expected x [batch, ${latentDim}], got [${x.shape}]; build the network with latentDim ${x.shape[x.rank - 1]}`);
  }
  checkConditioningInputs(owner, x.shape[0], timesteps, labels, numClasses);

  return tf.tidy(() => {
    const cActivated = silu(conditioningVector(params, timesteps, labels, hiddenDim, numClasses));
    let h = linear(params, 'input', x);
    for (let index = 0; index < numBlocks; index++) {
      const name = `blocks.${index}`;
      const [shift, scale, gate] = tf.split(linear(params, `${name}.modulation`, cActivated), 3, 1);
      const hidden = silu(linear(params, `${name}.linear1`, modulate(layerNorm(h), shift, scale)));
      h = tf.add(h, tf.mul(gate, linear(params, `${name}.linear2`, hidden)));
    }
    const [shift, scale] = tf.split(linear(params, 'final.modulation', cActivated), 2, 1);
    return linear(params, 'output', modulate(layerNorm(h), shift, scale));
  });
}
