import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { ParamSpec, Params, createParams, disposeParams, initialValues } from '../../kernel-lib/nets/params';
import {
  TextEncoderConfig,
  textEncoderForward,
  textEncoderParamCount,
  textEncoderParamSpecs,
  validateTextEncoderConfig,
} from '../../kernel-lib/text/text-encoder';
import { Random } from '../../kernel-lib/util/random';

// Tolerance for comparing the wasm and cpu backends, and padded with unpadded input:
// |actual − expected| <= ATOL + RTOL·|expected| (float32 on both sides).
const RTOL = 1e-3;
const ATOL = 1e-4;

const SMALL: TextEncoderConfig = { vocabSize: 12, maxLength: 8, modelDim: 8, numLayers: 2, numHeads: 2, mlpRatio: 2, outputDim: 5 };

// Rows [CLS]=2 … [SEP]=3 then [PAD]=0, with lengths 4 and 6.
const IDS_4 = [2, 7, 9, 3];
const IDS_6 = [2, 5, 6, 8, 11, 3];

test.before(async () => {
  await selectBackend({ backend: 'cpu' });
  await selectBackend({ backend: 'wasm' });
});

/** Returns initial values for every spec with N(0, 0.3²) noise added to the LayerNorm scales and shifts. */
function perturbedValues(specs: ParamSpec[], seed: number): Map<string, Float32Array> {
  const rng = new Random(seed);
  const values = new Map<string, Float32Array>();
  for (const spec of specs) {
    const array = initialValues(spec, rng);
    if (spec.init.kind !== 'fanInUniform' && spec.init.kind !== 'normal') for (let i = 0; i < array.length; i++) array[i] += 0.3 * rng.normal();
    values.set(spec.name, array);
  }
  return values;
}

function toParams(specs: ParamSpec[], values: Map<string, Float32Array>): Params {
  return new Map(specs.map((spec) => [spec.name, tf.tensor(values.get(spec.name)!, spec.shape)]));
}

/** Builds int32 ids [rows.length, tokens], each row padded with [PAD] = 0. */
function idsTensor(rows: number[][], tokens: number): tf.Tensor2D {
  const values = new Int32Array(rows.length * tokens);
  rows.forEach((row, i) => values.set(row, i * tokens));
  return tf.tensor2d(values, [rows.length, tokens], 'int32');
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

function forward(config: TextEncoderConfig, values: Map<string, Float32Array>, rows: number[][], tokens: number): Float32Array {
  const specs = textEncoderParamSpecs(config);
  return tf.tidy(() => textEncoderForward(config, toParams(specs, values), idsTensor(rows, tokens)).dataSync() as Float32Array);
}

test('defaults fill missing config fields', () => {
  const resolved = validateTextEncoderConfig({ vocabSize: 100, maxLength: 64, outputDim: 32 });
  assert.equal(resolved, { vocabSize: 100, maxLength: 64, modelDim: 64, numLayers: 2, numHeads: 4, mlpRatio: 4, outputDim: 32, pooling: 'cls' });
  assert.throws(() => validateTextEncoderConfig({ ...SMALL, numHeads: 3 }), /modelDim 8 is not divisible by numHeads 3/);
  assert.throws(() => validateTextEncoderConfig({ ...SMALL, pooling: 'max' as never }), /pooling must be one of cls, mean, got 'max'/);
});

test('parameter count matches hand count', () => {
  // vocab 12, context 8, dim 8, two blocks of mlpRatio 2, output 5.
  const embeddings = 12 * 8 + 8 * 8;
  const blockCount = 2 * 8 + (8 * 24 + 24) + (8 * 8 + 8) + 2 * 8 + (8 * 16 + 16) + (16 * 8 + 8);
  const final = 2 * 8 + (8 * 5 + 5);
  assert.is(textEncoderParamCount(SMALL), embeddings + 2 * blockCount + final);
});

test('output shape is batch by outputDim', () => {
  const before = tf.memory().numTensors;
  const params = createParams(textEncoderParamSpecs(SMALL), new Random(1));
  const ids = idsTensor([IDS_4, IDS_6, IDS_4], 8);
  const out = textEncoderForward(SMALL, params, ids);
  assert.equal(out.shape, [3, 5]);
  assert.ok(Array.from(out.dataSync()).every(Number.isFinite), 'finite output');
  tf.dispose([out, ids]);
  disposeParams(params);
  assert.is(tf.memory().numTensors, before, 'no leaked tensors');
});

test('rejects too long ids and float ids', () => {
  const params = createParams(textEncoderParamSpecs(SMALL), new Random(2));
  const long = tf.zeros([1, 9], 'int32') as tf.Tensor2D;
  const float = tf.zeros([1, 4]) as tf.Tensor2D;
  assert.throws(() => textEncoderForward(SMALL, params, long), /1 <= tokens <= maxLength 8, got \[1,9\]/);
  assert.throws(() => textEncoderForward(SMALL, params, float), /ids must be int32/);
  tf.dispose([long, float]);
  disposeParams(params);
});

for (const pooling of ['cls', 'mean'] as const) {
  test(`padding does not change output (${pooling})`, async () => {
    const config = { ...SMALL, pooling };
    const values = perturbedValues(textEncoderParamSpecs(config), 3);
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      const unpadded = forward(config, values, [IDS_4], 4);
      const padded = forward(config, values, [IDS_4], 8);
      assertClose(padded, unpadded, `${backend} padded`);
      // Row 0 of a batch with a longer row 1 gets more [PAD] columns and the same output.
      const batched = forward(config, values, [IDS_4, IDS_6], 8);
      assertClose(batched.subarray(0, 5), unpadded, `${backend} batched`);
    }
    // A token that is not [PAD] in the same place does change the output.
    await tf.setBackend('cpu');
    const changed = forward(config, values, [[...IDS_4, 7]], 5);
    const unpadded = forward(config, values, [IDS_4], 4);
    assert.ok(Math.max(...Array.from(changed, (v, i) => Math.abs(v - unpadded[i]))) > 1e-3, 'an extra real token changes the output');
  });
}

test('forward matches between cpu and wasm', async () => {
  const config = { ...SMALL, pooling: 'mean' as const };
  const values = perturbedValues(textEncoderParamSpecs(config), 4);
  await tf.setBackend('cpu');
  const expected = forward(config, values, [IDS_4, IDS_6], 8);
  await tf.setBackend('wasm');
  const actual = forward(config, values, [IDS_4, IDS_6], 8);
  assertClose(actual, expected, 'forward');
});

test('every parameter has a gradient on wasm', async () => {
  // Every kernel of the backward pass must exist on wasm, and the values must match cpu.
  const specs = textEncoderParamSpecs(SMALL);
  const values = perturbedValues(specs, 5);
  const weights = new Random(6).normalArray(2 * 5);
  const run = () => {
    const variables = new Map(specs.map((spec) => [spec.name, tf.tidy(() => tf.variable(tf.tensor(values.get(spec.name)!, spec.shape)))]));
    const ids = idsTensor([IDS_4, IDS_6], 8);
    const w = tf.tensor2d(weights, [2, 5]);
    // tidy frees the forward pass's intermediate tensors, as trainClip does.
    const { value, grads } = tf.tidy(() => tf.variableGrads(() => tf.sum(tf.mul(textEncoderForward(SMALL, variables, ids), w)) as tf.Scalar));
    const result = new Map(specs.map((spec) => [spec.name, grads[variables.get(spec.name)!.name].dataSync()]));
    tf.dispose([value, ...Object.values(grads), ids, w]);
    disposeParams(variables);
    return result;
  };
  await tf.setBackend('cpu');
  const expected = run();
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  const actual = run();
  assert.is(tf.memory().numTensors, before, 'no leaked tensors on wasm');
  for (const spec of specs) {
    const gradient = actual.get(spec.name)!;
    assert.ok(gradient.some((g) => g !== 0), `${spec.name}: gradient is all zero on wasm`);
    assertClose(gradient, expected.get(spec.name)!, `${spec.name} gradient`);
  }
  // Rows of the token table that no id uses get no gradient.
  const tokenGradient = actual.get('token.table')!;
  assert.ok(tokenGradient.subarray(10 * 8, 11 * 8).every((g) => g === 0), 'unused token 10 has zero gradient');
});

test.run();
