import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { auroc } from '../../kernel-lib/eval/roc';
import { disposeParams } from '../../kernel-lib/nets/params';
import { predictFusion } from '../../kernel-lib/multimodal/fusion-batches';
import { MultimodalDataset } from '../../kernel-lib/multimodal/modalities';
import { FusionTrainProgress, TrainFusionOptions, trainFusionModel } from '../../kernel-lib/multimodal/train-fusion';
import { syntheticMultimodal } from './synthetic-multimodal';

const TRAIN = syntheticMultimodal(240, 1);
const VALIDATION = syntheticMultimodal(80, 2);
const TEST = syntheticMultimodal(200, 3);
const SMALL: Omit<TrainFusionOptions, 'seed'> = { train: TRAIN, validation: VALIDATION, embeddingDim: 4, hiddenDim: 8, batchSize: 32, maxEpochs: 12, patience: null, learningRate: 3e-3 };

test.before(async () => {
  await selectBackend({ backend: 'wasm' });
});

function withoutModality(dataset: MultimodalDataset, modality: 'timeSeries' | 'descriptors'): MultimodalDataset {
  const arrays = dataset.modalities[modality]!;
  return { ...dataset, modalities: { ...dataset.modalities, [modality]: { ...arrays, presence: new Uint8Array(dataset.count) } } };
}

test('dropout model beats chance on each modality', () => {
  const before = tf.memory().numTensors;
  const progress: FusionTrainProgress[] = [];
  const model = trainFusionModel({ ...SMALL, dropout: 0.4, seed: 0, onProgress: (p) => progress.push(p) });
  assert.is(progress.length, 12);
  assert.is(progress[11].step, 12 * Math.ceil(240 / 32));
  for (const available of [['timeSeries', 'descriptors'], ['timeSeries'], ['descriptors']] as const) {
    const value = auroc(TEST.labels, predictFusion(model.config, model.params, TEST, available)).value;
    // Each modality alone has a class shift of 1.5 standard deviations, so 0.7 is far above chance (0.5).
    assert.ok(value > 0.7, `AUROC with ${available.join(' + ')}: ${value.toFixed(3)}`);
  }
  assert.ok(model.bestEpoch >= 1, `best epoch ${model.bestEpoch}`);
  assert.ok(model.bestEpoch <= 12, `best epoch ${model.bestEpoch}`);
  disposeParams(model.params);
  assert.is(tf.memory().numTensors, before);
});

test('same seed gives same weights', () => {
  const options = { ...SMALL, maxEpochs: 2, dropout: 0.3 };
  const a = trainFusionModel({ ...options, seed: 4 });
  const b = trainFusionModel({ ...options, seed: 4 });
  const c = trainFusionModel({ ...options, seed: 5 });
  const weights = (model: typeof a) => Array.from(model.params.get('head.out.weight')!.dataSync());
  assert.equal(weights(a), weights(b));
  assert.not.equal(weights(a), weights(c));
  assert.equal(a.history, b.history);
  for (const model of [a, b, c]) disposeParams(model.params);
});

test('absent modality uses the missing embedding', () => {
  // An example whose time series is marked absent must score the same whatever its values are.
  const model = trainFusionModel({ ...SMALL, maxEpochs: 1, dropout: 0.3, seed: 6 });
  const absent = withoutModality(TEST, 'timeSeries');
  const scrambled: MultimodalDataset = {
    ...absent,
    modalities: { ...absent.modalities, timeSeries: { ...absent.modalities.timeSeries!, values: absent.modalities.timeSeries!.values.map((v) => v * -3 + 1) } },
  };
  const a = predictFusion(model.config, model.params, absent);
  const b = predictFusion(model.config, model.params, scrambled);
  const descriptorsOnly = predictFusion(model.config, model.params, TEST, ['descriptors']);
  for (let i = 0; i < TEST.count; i++) {
    assert.ok(Math.abs(a[i] - b[i]) < 1e-6, `example ${i}: ${a[i]} vs ${b[i]}`);
    assert.ok(Math.abs(a[i] - descriptorsOnly[i]) < 1e-6, `example ${i}: absent ${a[i]} vs unavailable ${descriptorsOnly[i]}`);
  }
  disposeParams(model.params);
});

test('single-modality model trains', () => {
  const model = trainFusionModel({ ...SMALL, maxEpochs: 4, modalities: ['descriptors'], seed: 7 });
  assert.equal(model.config.modalities, ['descriptors']);
  const value = auroc(TEST.labels, predictFusion(model.config, model.params, TEST)).value;
  assert.ok(value > 0.7, `descriptors-only AUROC ${value.toFixed(3)}`);
  disposeParams(model.params);
});

test('modality missing from all training rejected', () => {
  const before = tf.memory().numTensors;
  assert.throws(
    () => trainFusionModel({ ...SMALL, train: withoutModality(TRAIN, 'descriptors'), seed: 0 }),
    /trainFusionModel: modality 'descriptors' is missing from every training example/,
  );
  assert.is(tf.memory().numTensors, before);
});

test('invalid options are rejected', () => {
  assert.throws(() => trainFusionModel({ ...SMALL, dropout: 1, seed: 0 }), /'timeSeries' must be in \[0, 1\), got 1/);
  assert.throws(() => trainFusionModel({ ...SMALL, modalities: ['image' as never], seed: 0 }), /unknown modality 'image'/);
  assert.throws(() => trainFusionModel({ ...SMALL, maxEpochs: 0, seed: 0 }), /`maxEpochs` must be an integer >= 1, got 0/);
  const oneClass = { ...VALIDATION, labels: new Int32Array(VALIDATION.count) };
  assert.throws(() => trainFusionModel({ ...SMALL, validation: oneClass, seed: 0 }), /validation set has only one class/);
});

test.run();
