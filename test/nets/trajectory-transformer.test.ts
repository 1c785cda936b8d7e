import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { ParamSpec, Params, createParams, disposeParams, initialValues } from '../../kernel-lib/nets/params';
import {
  TrajectoryTransformerConfig,
  layerNorm,
  modulate,
  trajectoryTransformerForward,
  trajectoryTransformerParamCount,
  trajectoryTransformerParamSpecs,
  validateTrajectoryTransformerConfig,
} from '../../kernel-lib/nets/trajectory-transformer';
import { Adam } from '../../kernel-lib/train/adam';
import { Random } from '../../kernel-lib/util/random';

// Tolerance for comparing the wasm and cpu backends: |wasm − cpu| <= ATOL + RTOL·|cpu|.
const RTOL = 1e-3;
const ATOL = 1e-4;

const TINY: TrajectoryTransformerConfig = { hours: 3, channels: 2, modelDim: 4, numLayers: 1, numHeads: 2, mlpRatio: 2, numClasses: 2 };
const SMALL: TrajectoryTransformerConfig = { hours: 5, channels: 4, modelDim: 8, numLayers: 2, numHeads: 2, mlpRatio: 2, numClasses: 3 };

test.before(async () => {
  await selectBackend({ backend: 'cpu' });
  await selectBackend({ backend: 'wasm' });
});

/**
 * Returns initial values for every spec, with the zero-initialised ones replaced by
 * N(0, 0.5²) draws, so that every part of the network affects the output.
 */
function perturbedValues(specs: ParamSpec[], seed: number): Map<string, Float32Array> {
  const rng = new Random(seed);
  const values = new Map<string, Float32Array>();
  for (const spec of specs) {
    const array = initialValues(spec, rng);
    if (spec.init.kind === 'zeros') for (let i = 0; i < array.length; i++) array[i] = 0.5 * rng.normal();
    values.set(spec.name, array);
  }
  return values;
}

function toParams(specs: ParamSpec[], values: Map<string, Float32Array>): Params {
  const params: Params = new Map();
  for (const spec of specs) params.set(spec.name, tf.tensor(values.get(spec.name)!, spec.shape));
  return params;
}

function randomTensor(shape: number[], seed: number): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(new Random(seed).normalArray(size), shape);
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, context: string): void {
  assert.is(actual.length, expected.length, `${context}: length`);
  for (let i = 0; i < expected.length; i++) {
    const bound = ATOL + RTOL * Math.abs(expected[i]);
    if (!(Math.abs(actual[i] - expected[i]) <= bound)) {
      assert.unreachable(`${context}: element ${i} expected ${expected[i]}, but got ${actual[i]} (allowed error ${bound.toExponential(2)})`);
    }
  }
}

/** Runs one forward pass of SMALL with perturbed weights; returns the output values. */
function smallForward(seed: number, x: tf.Tensor3D, labels: number[] | null): Float32Array {
  const specs = trajectoryTransformerParamSpecs(SMALL);
  return tf.tidy(() => {
    const params = toParams(specs, perturbedValues(specs, seed));
    const timesteps = tf.tensor1d(Array.from({ length: x.shape[0] }, (_, i) => 10 * i + 3), 'int32');
    const y = labels ? tf.tensor1d(labels, 'int32') : null;
    return trajectoryTransformerForward(SMALL, params, x, timesteps, y).dataSync() as Float32Array;
  });
}

test('layerNorm matches hand-computed values', () => {
  // [1, 2, 3]: mean 2, biased variance 2/3, so x̂ = ±1/√(2/3 + 1e-6) = ±1.2247440. A constant row maps to 0.
  const out = tf.tidy(() => layerNorm(tf.tensor2d([[1, 2, 3], [2, 2, 2]])).dataSync());
  const expected = [-1.224744, 0, 1.224744, 0, 0, 0];
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(out[i] - expected[i]) < 1e-5, `element ${i}: expected ${expected[i]}, got ${out[i]}`);
});

test('modulate applies x(1 + scale) + shift', () => {
  const out = tf.tidy(() => Array.from(modulate(tf.tensor2d([[1, 2]]), tf.tensor2d([[0.5, 0]]), tf.tensor2d([[1, -1]])).dataSync()));
  assert.equal(out, [2.5, 0]);
});

test('parameter count of tiny config matches hand count', () => {
  // modelDim 4, channels 2, hours 3, one block with mlpRatio 2, 2 classes + null row.
  const input = 2 * 4 + 4;
  const position = 3 * 4;
  const time = 2 * (4 * 4 + 4);
  const labelTable = 3 * 4;
  const blockModulation = 4 * 24 + 24;
  const qkv = 4 * 12 + 12;
  const attentionOut = 4 * 4 + 4;
  const mlp = 4 * 8 + 8 + (8 * 4 + 4);
  const finalModulation = 4 * 8 + 8;
  const output = 4 * 2 + 2;
  const expected = input + position + time + labelTable + blockModulation + qkv + attentionOut + mlp + finalModulation + output;
  assert.is(expected, 402);
  assert.is(trajectoryTransformerParamCount(TINY), expected);
});

test('defaults fill missing config fields', () => {
  const resolved = validateTrajectoryTransformerConfig({ hours: 48, channels: 34, numClasses: 2 });
  assert.equal(resolved, { hours: 48, channels: 34, modelDim: 64, numLayers: 3, numHeads: 4, mlpRatio: 4, numClasses: 2 });
  const names = trajectoryTransformerParamSpecs(resolved).map((s) => s.name);
  assert.is(new Set(names).size, names.length, 'parameter names are unique');
  assert.ok(names.includes('blocks.2.attention.qkv.weight'), 'three blocks by default');
});

test('output shape equals input shape', () => {
  const params = createParams(trajectoryTransformerParamSpecs(SMALL), new Random(0));
  const shape = tf.tidy(() => {
    const x = randomTensor([3, 5, 4], 1) as tf.Tensor3D;
    return trajectoryTransformerForward(SMALL, params, x, tf.tensor1d([0, 5, 9], 'int32'), tf.tensor1d([0, 1, 3], 'int32')).shape;
  });
  assert.equal(shape, [3, 5, 4]);
  disposeParams(params);
});

test('initial prediction is exactly zero', () => {
  const params = createParams(trajectoryTransformerParamSpecs(SMALL), new Random(2));
  const out = tf.tidy(() => {
    const x = randomTensor([2, 5, 4], 3) as tf.Tensor3D;
    return Array.from(trajectoryTransformerForward(SMALL, params, x, tf.tensor1d([1, 7], 'int32'), tf.tensor1d([2, 0], 'int32')).dataSync());
  });
  assert.equal(out, new Array(2 * 5 * 4).fill(0));
  disposeParams(params);
});

test('initial gradient reaches only the output layer', () => {
  // With pred = 0 and L = mean((pred − y)²) over 1·3·2 entries, dL/d output.bias_c = (2/6)·Σ_n (0 − y_nc):
  // channel 0: −(1 + 3 + 5)/3 = −3, channel 1: −(2 + 4 + 6)/3 = −4. The zero output weights
  // block every other gradient.
  const specs = trajectoryTransformerParamSpecs(TINY);
  const params = createParams(specs, new Random(4));
  const x = randomTensor([1, 3, 2], 5) as tf.Tensor3D;
  const target = tf.tensor3d([[[1, 2], [3, 4], [5, 6]]]);
  const t = tf.tensor1d([4], 'int32');
  const y = tf.tensor1d([1], 'int32');
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(trajectoryTransformerForward(TINY, params, x, t, y), target))) as tf.Scalar);
  assert.ok(Math.abs(value.dataSync()[0] - 91 / 6) < 1e-5, `initial loss is mean(y²) = 91/6, got ${value.dataSync()[0]}`);
  const biasGrad = Array.from(grads[params.get('output.bias')!.name].dataSync());
  assert.ok(Math.abs(biasGrad[0] + 3) < 1e-5, `output.bias gradient 0: expected -3, got ${biasGrad[0]}`);
  assert.ok(Math.abs(biasGrad[1] + 4) < 1e-5, `output.bias gradient 1: expected -4, got ${biasGrad[1]}`);
  for (const spec of specs) {
    if (spec.name.startsWith('output.')) continue;
    const maxGrad = tf.tidy(() => tf.max(tf.abs(grads[params.get(spec.name)!.name])).dataSync()[0]);
    assert.is(maxGrad, 0, `${spec.name}: gradient must be zero at initialisation`);
  }
  tf.dispose([value, ...Object.values(grads), x, target, t, y]);
  disposeParams(params);
});

test('position embedding breaks permutation equivariance', () => {
  const specs = trajectoryTransformerParamSpecs(SMALL);
  const values = perturbedValues(specs, 6);
  const reverse = [4, 3, 2, 1, 0];
  const run = (positions: Float32Array) =>
    tf.tidy(() => {
      const params = toParams(specs, new Map(values).set('position.table', positions));
      const x = randomTensor([1, 5, 4], 7) as tf.Tensor3D;
      const t = tf.tensor1d([3], 'int32');
      const y = tf.tensor1d([1], 'int32');
      const indices = tf.tensor1d(reverse, 'int32');
      const outOfPermuted = trajectoryTransformerForward(SMALL, params, tf.gather(x, indices, 1), t, y);
      const permutedOut = tf.gather(trajectoryTransformerForward(SMALL, params, x, t, y), indices, 1);
      return maxAbsDifference(outOfPermuted.dataSync(), permutedOut.dataSync());
    });
  // Identical position rows leave a transformer equivariant, so the check itself can tell the two apart.
  const withoutPositions = run(new Float32Array(5 * 8));
  assert.ok(withoutPositions < 1e-5, `without positions, permuting hours must permute the output; difference ${withoutPositions}`);
  const withPositions = run(values.get('position.table')!);
  assert.ok(withPositions > 1e-3, `with positions, permuting hours must change the output; difference ${withPositions}`);
});

test('different labels give different outputs', () => {
  const x = randomTensor([2, 5, 4], 8) as tf.Tensor3D;
  const a = smallForward(9, x, [0, 1]);
  const b = smallForward(9, x, [2, 3]);
  for (let sample = 0; sample < 2; sample++) {
    const size = 5 * 4;
    const difference = maxAbsDifference(a.subarray(sample * size, (sample + 1) * size), b.subarray(sample * size, (sample + 1) * size));
    assert.ok(difference > 1e-3, `sample ${sample}: labels must change the output; difference ${difference}`);
  }
  x.dispose();
});

test('null labels equal the null class', () => {
  const x = randomTensor([2, 5, 4], 10) as tf.Tensor3D;
  const unconditional = Array.from(smallForward(11, x, null));
  const nullClass = Array.from(smallForward(11, x, [3, 3]));
  assert.equal(unconditional, nullClass);
  x.dispose();
});

test('forward and backward leave no tensors', () => {
  const params = createParams(trajectoryTransformerParamSpecs(SMALL), new Random(12));
  const x = randomTensor([2, 5, 4], 13) as tf.Tensor3D;
  const t = tf.tensor1d([1, 2], 'int32');
  const y = tf.tensor1d([0, 3], 'int32');
  const before = tf.memory().numTensors;
  tf.tidy(() => trajectoryTransformerForward(SMALL, params, x, t, y)).dispose();
  assert.is(tf.memory().numTensors, before, 'inference');
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(trajectoryTransformerForward(SMALL, params, x, t, y))) as tf.Scalar);
  tf.dispose([value, ...Object.values(grads)]);
  assert.is(tf.memory().numTensors, before, 'training');
  tf.dispose([x, t, y]);
  disposeParams(params);
});

test('forward matches between cpu and wasm', async () => {
  const specs = trajectoryTransformerParamSpecs(SMALL);
  const values = perturbedValues(specs, 14);
  const xValues = new Random(15).normalArray(2 * 5 * 4);
  const run = () =>
    tf.tidy(() => {
      const params = toParams(specs, values);
      const x = tf.tensor3d(xValues, [2, 5, 4]);
      return trajectoryTransformerForward(SMALL, params, x, tf.tensor1d([0, 99], 'int32'), tf.tensor1d([1, 3], 'int32')).dataSync();
    });
  await tf.setBackend('cpu');
  const expected = run();
  await tf.setBackend('wasm');
  const actual = run();
  assertClose(actual, expected, 'forward');
});

test('every parameter has a gradient on wasm', async () => {
  // Every kernel of the backward pass must exist on wasm; the values must also match cpu.
  const specs = trajectoryTransformerParamSpecs(TINY);
  const values = perturbedValues(specs, 16);
  const xValues = new Random(17).normalArray(2 * 3 * 2);
  const run = () => {
    const variables = new Map(specs.map((spec) => [spec.name, tf.variable(tf.tensor(values.get(spec.name)!, spec.shape))]));
    const x = tf.tensor3d(xValues, [2, 3, 2]);
    const t = tf.tensor1d([5, 50], 'int32');
    const y = tf.tensor1d([0, 2], 'int32');
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(trajectoryTransformerForward(TINY, variables, x, t, y), x))) as tf.Scalar);
    const result = new Map(specs.map((spec) => [spec.name, grads[variables.get(spec.name)!.name].dataSync()]));
    tf.dispose([value, ...Object.values(grads), x, t, y]);
    disposeParams(variables);
    return result;
  };
  await tf.setBackend('cpu');
  const expected = run();
  await tf.setBackend('wasm');
  const actual = run();
  for (const spec of specs) {
    const gradient = actual.get(spec.name)!;
    assert.ok(gradient.some((g) => g !== 0), `${spec.name}: gradient is all zero on wasm`);
    assertClose(gradient, expected.get(spec.name)!, `${spec.name} gradient`);
  }
});

test('30 Adam steps reduce the loss', () => {
  const params = createParams(trajectoryTransformerParamSpecs(TINY), new Random(18));
  const adam = new Adam({ learningRate: 1e-2 });
  const x = randomTensor([4, 3, 2], 19) as tf.Tensor3D;
  const target = randomTensor([4, 3, 2], 20);
  const t = tf.tensor1d([3, 30, 300, 900], 'int32');
  const y = tf.tensor1d([0, 1, 2, 1], 'int32');
  const losses: number[] = [];
  for (let step = 0; step < 30; step++) {
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(trajectoryTransformerForward(TINY, params, x, t, y), target))) as tf.Scalar);
    losses.push(value.dataSync()[0]);
    adam.apply(params, new Map(Array.from(params, ([name, variable]) => [name, grads[variable.name]])));
    tf.dispose([value, ...Object.values(grads)]);
  }
  assert.ok(losses[29] < 0.5 * losses[0], `loss must at least halve in 30 steps: ${losses[0]} → ${losses[29]}`);
  adam.dispose();
  tf.dispose([x, target, t, y]);
  disposeParams(params);
});

test('rejects invalid configs', () => {
  const cases: [Partial<TrajectoryTransformerConfig>, RegExp][] = [
    [{ hours: 2.5 }, /validateTrajectoryTransformerConfig: hours must be an integer >= 1, got 2\.5/],
    [{ channels: undefined }, /channels must be an integer >= 1, got undefined/],
    [{ modelDim: 6, numHeads: 4 }, /modelDim 6 is not divisible by numHeads 4; choose a modelDim that is a multiple of numHeads/],
    [{ modelDim: 5, numHeads: 5 }, /modelDim must be even for the sinusoidal timestep embedding, got 5/],
    [{ numLayers: 0 }, /numLayers must be an integer >= 1, got 0/],
    [{ mlpRatio: NaN }, /mlpRatio must be an integer >= 1, got NaN/],
    [{ numClasses: -1 }, /numClasses must be an integer >= 0, got -1/],
  ];
  for (const [change, message] of cases) {
    const config = { ...TINY, ...change } as TrajectoryTransformerConfig;
    assert.throws(() => trajectoryTransformerParamSpecs(config), message, JSON.stringify(change));
  }
});

test('rejects invalid inputs', () => {
  const params = createParams(trajectoryTransformerParamSpecs(TINY), new Random(21));
  const x = tf.zeros([2, 3, 2]) as tf.Tensor3D;
  const t = tf.tensor1d([0, 1], 'int32');
  const y = tf.tensor1d([0, 1], 'int32');
  const wrongHours = tf.zeros([2, 4, 2]) as tf.Tensor3D;
  const oneTimestep = tf.tensor1d([0], 'int32');
  const floatLabels = tf.tensor1d([0, 1], 'float32');
  const outOfRange = tf.tensor1d([0, 3], 'int32');
  const forward = (input: tf.Tensor3D, timesteps: tf.Tensor1D, labels: tf.Tensor1D | null) => () => trajectoryTransformerForward(TINY, params, input, timesteps, labels);
  assert.throws(forward(wrongHours, t, y), /expected x \[batch, 3, 2\], got \[2,4,2\]; build the network with hours 4 and channels 2/);
  assert.throws(forward(x, oneTimestep, y), /timesteps must have shape \[2\] \(one per sample\), got \[1\]/);
  assert.throws(forward(x, t, floatLabels), /labels must be int32 class ids, got dtype float32/);
  assert.throws(forward(x, t, outOfRange), /label 3 at index 1 is outside \[0, 2\]; use 2 for the null class/);
  tf.dispose([x, t, y, wrongHours, oneTimestep, floatLabels, outOfRange]);
  disposeParams(params);
});

test.run();
