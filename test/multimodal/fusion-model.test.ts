import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { createParams, disposeParams } from '../../kernel-lib/nets/params';
import { MODALITY_ENCODERS } from '../../kernel-lib/multimodal/encoders';
import { FusionConfig, FusionInputs, fusionEmbeddings, fusionForward, fusionParamSpecs, validateFusionConfig } from '../../kernel-lib/multimodal/fusion-model';
import { Random } from '../../kernel-lib/util/random';

const CONFIG: FusionConfig = {
  modalities: ['timeSeries', 'descriptors'],
  exampleShapes: { timeSeries: [5, 6], descriptors: [4] },
  embeddingDim: 3,
  hiddenDim: 7,
  fusion: 'concat',
  missingEmbedding: 'learned',
};

test.before(async () => {
  await selectBackend({ backend: 'wasm' });
});

function randomInputs(batch: number, keep: { timeSeries: number[]; descriptors: number[] }, seed: number): FusionInputs {
  const rng = new Random(seed);
  const series = rng.normalArray(batch * 5 * 6);
  // Channels 3 … 5 are the observed mask: make them 0 or 1.
  for (let i = 0; i < batch * 5; i++) for (let c = 3; c < 6; c++) series[i * 6 + c] = rng.uniform() < 0.6 ? 1 : 0;
  return {
    timeSeries: { input: tf.tensor3d(series, [batch, 5, 6]), keep: tf.tensor1d(keep.timeSeries) },
    descriptors: { input: tf.tensor2d(rng.normalArray(batch * 4), [batch, 4]), keep: tf.tensor1d(keep.descriptors) },
  };
}

/** Creates the parameters with the missing embeddings set to N(0, 1) draws, so they differ from zeros. */
function paramsWithMissing(config: FusionConfig, seed: number) {
  const params = createParams(fusionParamSpecs(config), new Random(seed));
  const rng = new Random(seed + 100);
  for (const modality of config.modalities) {
    const missing = params.get(`${modality}.missing`);
    if (!missing) continue;
    const values = tf.tensor1d(rng.normalArray(config.embeddingDim));
    missing.assign(values);
    values.dispose();
  }
  return params;
}

test('forward gives one logit per example', () => {
  const before = tf.memory().numTensors;
  const params = paramsWithMissing(CONFIG, 1);
  const withParams = tf.memory().numTensors;
  const logits = tf.tidy(() => fusionForward(CONFIG, params, randomInputs(4, { timeSeries: [1, 1, 0, 1], descriptors: [1, 0, 1, 1] }, 2)).arraySync());
  assert.is(logits.length, 4);
  assert.ok(logits.every(Number.isFinite), `logits ${logits}`);
  assert.is(tf.memory().numTensors, withParams, 'tensors left by fusionForward');
  disposeParams(params);
  assert.is(tf.memory().numTensors, before);
});

test('sum fusion gives one logit per example', () => {
  const config: FusionConfig = { ...CONFIG, fusion: 'sum' };
  const params = paramsWithMissing(config, 1);
  const shape = tf.tidy(() => fusionForward(config, params, randomInputs(3, { timeSeries: [1, 1, 1], descriptors: [1, 1, 1] }, 2)).shape);
  assert.equal(shape, [3]);
  assert.is(params.get('head.hidden.weight')?.shape[0], CONFIG.embeddingDim);
  disposeParams(params);
});

test('dropped modality uses missing embedding', () => {
  const before = tf.memory().numTensors;
  const params = paramsWithMissing(CONFIG, 3);
  const keep = { timeSeries: [1, 0, 1, 0], descriptors: [0, 1, 1, 0] };
  for (const modality of CONFIG.modalities) {
    const [embedded, encoded, missing] = tf.tidy(() => {
      const inputs = randomInputs(4, keep, 4);
      const sizes = { hiddenDim: CONFIG.hiddenDim, embeddingDim: CONFIG.embeddingDim };
      const embeddings = fusionEmbeddings(CONFIG, params, inputs);
      return [
        (embeddings[modality] as tf.Tensor2D).arraySync(),
        MODALITY_ENCODERS[modality].apply(params, modality, inputs[modality]!.input, sizes).arraySync(),
        (params.get(`${modality}.missing`) as tf.Tensor1D).arraySync(),
      ] as [number[][], number[][], number[]];
    });
    keep[modality].forEach((flag, i) => {
      const expected = flag === 1 ? encoded[i] : missing;
      for (let d = 0; d < CONFIG.embeddingDim; d++) {
        assert.ok(Math.abs(embedded[i][d] - expected[d]) < 1e-6, `${modality} row ${i} (keep ${flag}) dim ${d}: expected ${expected[d]}, but got ${embedded[i][d]}`);
      }
    });
    // The missing vector is not what the encoder gives, so the check above can tell them apart.
    assert.ok(Math.abs(encoded[1][0] - missing[0]) > 1e-3, `${modality}: encoder output equals the missing embedding`);
  }
  disposeParams(params);
  assert.is(tf.memory().numTensors, before);
});

test('zero missing embedding gives zeros', () => {
  const config: FusionConfig = { ...CONFIG, missingEmbedding: 'zero' };
  const params = createParams(fusionParamSpecs(config), new Random(5));
  assert.not.ok(params.has('timeSeries.missing'), 'zero kind has no missing parameter');
  const rows = tf.tidy(() => (fusionEmbeddings(config, params, randomInputs(2, { timeSeries: [0, 1], descriptors: [1, 0] }, 6)).timeSeries as tf.Tensor2D).arraySync());
  assert.equal(rows[0], [0, 0, 0]);
  assert.ok(rows[1].some((v) => v !== 0), `kept row ${rows[1]}`);
  disposeParams(params);
});

test('time-series encoder ignores unobserved hours', () => {
  // Hours 3 and 4 of 5 are unobserved. The convolution carries a change at hour 4 only to
  // hours 3 and 4, and pooling masks both, so the embedding must stay the same.
  const params = createParams(fusionParamSpecs(CONFIG), new Random(7));
  const sizes = { hiddenDim: CONFIG.hiddenDim, embeddingDim: CONFIG.embeddingDim };
  const base = new Float32Array(5 * 6);
  for (let h = 0; h < 3; h++) for (let c = 0; c < 6; c++) base[h * 6 + c] = c < 3 ? 0.5 * (h + c) : 1;
  const changed = base.slice();
  changed[4 * 6 + 0] = 9;
  const [a, b] = tf.tidy(() => [
    MODALITY_ENCODERS.timeSeries.apply(params, 'timeSeries', tf.tensor3d(base, [1, 5, 6]), sizes).dataSync(),
    MODALITY_ENCODERS.timeSeries.apply(params, 'timeSeries', tf.tensor3d(changed, [1, 5, 6]), sizes).dataSync(),
  ]);
  for (let d = 0; d < CONFIG.embeddingDim; d++) assert.ok(Math.abs(a[d] - b[d]) < 1e-6, `dim ${d}: ${a[d]} vs ${b[d]}`);
  disposeParams(params);
});

test('single-modality model has no other encoder', () => {
  const config: FusionConfig = { ...CONFIG, modalities: ['descriptors'], exampleShapes: { descriptors: [4] } };
  const names = fusionParamSpecs(config).map((s) => s.name);
  assert.ok(names.includes('descriptors.hidden.weight'));
  assert.not.ok(names.some((n) => n.startsWith('timeSeries')), names.join(', '));
});

test('invalid config is rejected', () => {
  const cases: [Partial<FusionConfig>, RegExp][] = [
    [{ modalities: [] }, /validateFusionConfig: `modalities` must list at least one/],
    [{ modalities: ['image' as never] }, /unknown modality 'image'/],
    [{ modalities: ['descriptors', 'descriptors'] }, /lists a modality twice/],
    [{ exampleShapes: { timeSeries: [5, 5], descriptors: [4] } }, /timeSeries has 5 channels per hour/],
    [{ exampleShapes: { descriptors: [4] } }, /`exampleShapes.timeSeries` must be 2 positive integers/],
    [{ embeddingDim: 0 }, /`embeddingDim` must be an integer >= 1, got 0/],
    [{ fusion: 'product' as never }, /`fusion` must be one of concat, sum, got 'product'/],
    [{ missingEmbedding: 'mean' as never }, /`missingEmbedding` must be one of learned, zero, got 'mean'/],
  ];
  for (const [change, message] of cases) {
    assert.throws(() => validateFusionConfig({ ...CONFIG, ...change }), message, JSON.stringify(change));
  }
});

test.run();
