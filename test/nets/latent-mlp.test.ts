import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { ParamSpec, Params, createParams, disposeParams, initialValues } from '../../kernel-lib/nets/params';
import { LatentMlpConfig, latentMlpForward, latentMlpParamCount, latentMlpParamSpecs, validateLatentMlpConfig } from '../../kernel-lib/nets/latent-mlp';
import { Adam } from '../../kernel-lib/train/adam';
import { Random } from '../../kernel-lib/util/random';

// Tolerance for comparing the wasm and cpu backends: |wasm − cpu| <= ATOL + RTOL·|cpu|.
const RTOL = 1e-3;
const ATOL = 1e-4;

const TINY: LatentMlpConfig = { latentDim: 3, hiddenDim: 4, numBlocks: 2, numClasses: 2 };
const SMALL: LatentMlpConfig = { latentDim: 5, hiddenDim: 8, numBlocks: 2, numClasses: 3 };

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
function smallForward(seed: number, x: tf.Tensor2D, labels: number[] | null): Float32Array {
  const specs = latentMlpParamSpecs(SMALL);
  return tf.tidy(() => {
    const params = toParams(specs, perturbedValues(specs, seed));
    const timesteps = tf.tensor1d(Array.from({ length: x.shape[0] }, (_, i) => 10 * i + 3), 'int32');
    const y = labels ? tf.tensor1d(labels, 'int32') : null;
    return latentMlpForward(SMALL, params, x, timesteps, y).dataSync() as Float32Array;
  });
}

test('parameter count of tiny config matches hand count', () => {
  // latentDim 3, hiddenDim 4, two blocks, 2 classes + null row.
  const input = 3 * 4 + 4;
  const time = 2 * (4 * 4 + 4);
  const labelTable = 3 * 4;
  const block = 4 * 12 + 12 + 2 * (4 * 4 + 4);
  const finalModulation = 4 * 8 + 8;
  const output = 4 * 3 + 3;
  const expected = input + time + labelTable + 2 * block + finalModulation + output;
  assert.is(expected, 323);
  assert.is(latentMlpParamCount(TINY), expected);
});

test('defaults fill missing config fields', () => {
  assert.equal(validateLatentMlpConfig({ latentDim: 16, numClasses: 0 }), { latentDim: 16, hiddenDim: 256, numBlocks: 4, numClasses: 0 });
  const names = latentMlpParamSpecs({ latentDim: 16, numClasses: 0 }).map((s) => s.name);
  assert.is(new Set(names).size, names.length, 'parameter names are unique');
  assert.ok(names.includes('blocks.3.linear2.weight'), 'four blocks by default');
});

test('output shape equals input shape', () => {
  const params = createParams(latentMlpParamSpecs(SMALL), new Random(0));
  const shape = tf.tidy(() => {
    const x = randomTensor([3, 5], 1) as tf.Tensor2D;
    return latentMlpForward(SMALL, params, x, tf.tensor1d([0, 5, 9], 'int32'), tf.tensor1d([0, 1, 3], 'int32')).shape;
  });
  assert.equal(shape, [3, 5]);
  disposeParams(params);
});

test('initial prediction is exactly zero', () => {
  const params = createParams(latentMlpParamSpecs(SMALL), new Random(2));
  const out = tf.tidy(() => {
    const x = randomTensor([2, 5], 3) as tf.Tensor2D;
    return Array.from(latentMlpForward(SMALL, params, x, tf.tensor1d([1, 7], 'int32'), tf.tensor1d([2, 0], 'int32')).dataSync());
  });
  assert.equal(out, new Array(2 * 5).fill(0));
  disposeParams(params);
});

test('initial gradient reaches only the output layer', () => {
  // With pred = 0 and L = mean((pred − y)²) over 2·3 entries, dL/d output.bias_j = (2/6)·Σ_b (0 − y_bj):
  // y = [[1, 2, 3], [3, 4, 6]] gives [−4/3, −2, −3]. The zero output weights block every other gradient.
  const specs = latentMlpParamSpecs(TINY);
  const params = createParams(specs, new Random(4));
  const x = randomTensor([2, 3], 5) as tf.Tensor2D;
  const target = tf.tensor2d([[1, 2, 3], [3, 4, 6]]);
  const t = tf.tensor1d([4, 40], 'int32');
  const y = tf.tensor1d([1, 2], 'int32');
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(latentMlpForward(TINY, params, x, t, y), target))) as tf.Scalar);
  assert.ok(Math.abs(value.dataSync()[0] - 75 / 6) < 1e-5, `initial loss is mean(y²) = 75/6, got ${value.dataSync()[0]}`);
  const biasGrad = Array.from(grads[params.get('output.bias')!.name].dataSync());
  const expectedBias = [-4 / 3, -2, -3];
  for (let j = 0; j < 3; j++) assert.ok(Math.abs(biasGrad[j] - expectedBias[j]) < 1e-5, `output.bias gradient ${j}: expected ${expectedBias[j]}, got ${biasGrad[j]}`);
  for (const spec of specs) {
    if (spec.name.startsWith('output.')) continue;
    const maxGrad = tf.tidy(() => tf.max(tf.abs(grads[params.get(spec.name)!.name])).dataSync()[0]);
    assert.is(maxGrad, 0, `${spec.name}: gradient must be zero at initialisation`);
  }
  tf.dispose([value, ...Object.values(grads), x, target, t, y]);
  disposeParams(params);
});

test('different labels give different outputs', () => {
  const x = randomTensor([2, 5], 8) as tf.Tensor2D;
  const a = smallForward(9, x, [0, 1]);
  const b = smallForward(9, x, [2, 3]);
  for (let sample = 0; sample < 2; sample++) {
    const difference = maxAbsDifference(a.subarray(sample * 5, (sample + 1) * 5), b.subarray(sample * 5, (sample + 1) * 5));
    assert.ok(difference > 1e-3, `sample ${sample}: labels must change the output; difference ${difference}`);
  }
  x.dispose();
});

test('null labels equal the null class', () => {
  const x = randomTensor([2, 5], 10) as tf.Tensor2D;
  const unconditional = Array.from(smallForward(11, x, null));
  const nullClass = Array.from(smallForward(11, x, [3, 3]));
  assert.equal(unconditional, nullClass);
  x.dispose();
});

test('unconditional network uses its single null row', () => {
  const config: LatentMlpConfig = { ...TINY, numClasses: 0 };
  const specs = latentMlpParamSpecs(config);
  assert.equal(specs.find((s) => s.name === 'label.table')?.shape, [1, 4]);
  const values = perturbedValues(specs, 22);
  const [withNull, withZero] = tf.tidy(() => {
    const params = toParams(specs, values);
    const x = randomTensor([2, 3], 23) as tf.Tensor2D;
    const t = tf.tensor1d([1, 2], 'int32');
    return [latentMlpForward(config, params, x, t, null).dataSync(), latentMlpForward(config, params, x, t, tf.tensor1d([0, 0], 'int32')).dataSync()];
  });
  assert.equal(Array.from(withNull), Array.from(withZero));
});

test('forward and backward leave no tensors', () => {
  const params = createParams(latentMlpParamSpecs(SMALL), new Random(12));
  const x = randomTensor([2, 5], 13) as tf.Tensor2D;
  const t = tf.tensor1d([1, 2], 'int32');
  const y = tf.tensor1d([0, 3], 'int32');
  const before = tf.memory().numTensors;
  tf.tidy(() => latentMlpForward(SMALL, params, x, t, y)).dispose();
  assert.is(tf.memory().numTensors, before, 'inference');
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(latentMlpForward(SMALL, params, x, t, y))) as tf.Scalar);
  tf.dispose([value, ...Object.values(grads)]);
  assert.is(tf.memory().numTensors, before, 'training');
  tf.dispose([x, t, y]);
  disposeParams(params);
});

test('forward matches between cpu and wasm', async () => {
  const specs = latentMlpParamSpecs(SMALL);
  const values = perturbedValues(specs, 14);
  const xValues = new Random(15).normalArray(3 * 5);
  const run = () =>
    tf.tidy(() => {
      const params = toParams(specs, values);
      const x = tf.tensor2d(xValues, [3, 5]);
      return latentMlpForward(SMALL, params, x, tf.tensor1d([0, 99, 999], 'int32'), tf.tensor1d([1, 3, 0], 'int32')).dataSync();
    });
  await tf.setBackend('cpu');
  const expected = run();
  await tf.setBackend('wasm');
  const actual = run();
  assertClose(actual, expected, 'forward');
});

test('every parameter has a gradient on wasm', async () => {
  // Every kernel of the backward pass must exist on wasm; the values must also match cpu.
  const specs = latentMlpParamSpecs(TINY);
  const values = perturbedValues(specs, 16);
  const xValues = new Random(17).normalArray(3 * 3);
  const run = () => {
    const variables = new Map(specs.map((spec) => [spec.name, tf.variable(tf.tensor(values.get(spec.name)!, spec.shape))]));
    const x = tf.tensor2d(xValues, [3, 3]);
    const t = tf.tensor1d([5, 50, 500], 'int32');
    const y = tf.tensor1d([0, 2, 1], 'int32');
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(latentMlpForward(TINY, variables, x, t, y), x))) as tf.Scalar);
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
  const params = createParams(latentMlpParamSpecs(TINY), new Random(18));
  const adam = new Adam({ learningRate: 1e-2 });
  const x = randomTensor([6, 3], 19) as tf.Tensor2D;
  const target = randomTensor([6, 3], 20);
  const t = tf.tensor1d([3, 30, 300, 900, 10, 100], 'int32');
  const y = tf.tensor1d([0, 1, 2, 1, 0, 2], 'int32');
  const losses: number[] = [];
  for (let step = 0; step < 30; step++) {
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(latentMlpForward(TINY, params, x, t, y), target))) as tf.Scalar);
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
  const cases: [Partial<LatentMlpConfig>, RegExp][] = [
    [{ latentDim: 0 }, /validateLatentMlpConfig: latentDim must be an integer >= 1, got 0/],
    [{ latentDim: 1.5 }, /latentDim must be an integer >= 1, got 1\.5/],
    [{ hiddenDim: 7 }, /hiddenDim must be even for the sinusoidal timestep embedding, got 7/],
    [{ numBlocks: -2 }, /numBlocks must be an integer >= 1, got -2/],
    [{ numClasses: undefined }, /numClasses must be an integer >= 0, got undefined/],
  ];
  for (const [change, message] of cases) {
    const config = { ...TINY, ...change } as LatentMlpConfig;
    assert.throws(() => latentMlpParamSpecs(config), message, JSON.stringify(change));
  }
});

test('rejects invalid inputs', () => {
  const params = createParams(latentMlpParamSpecs(TINY), new Random(21));
  const x = tf.zeros([2, 3]) as tf.Tensor2D;
  const t = tf.tensor1d([0, 1], 'int32');
  const y = tf.tensor1d([0, 1], 'int32');
  const wrongDim = tf.zeros([2, 4]) as tf.Tensor2D;
  const threeLabels = tf.tensor1d([0, 1, 2], 'int32');
  const negative = tf.tensor1d([-1, 0], 'int32');
  const forward = (input: tf.Tensor2D, labels: tf.Tensor1D | null) => () => latentMlpForward(TINY, params, input, t, labels);
  assert.throws(forward(wrongDim, y), /expected x \[batch, 3\], got \[2,4\]; build the network with latentDim 4/);
  assert.throws(forward(x, threeLabels), /labels must have shape \[2\] \(one per sample\), got \[3\]/);
  assert.throws(forward(x, negative), /label -1 at index 0 is outside \[0, 2\]; use 2 for the null class/);
  tf.dispose([x, t, y, wrongDim, threeLabels, negative]);
  disposeParams(params);
});

test.run();
