import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { predictProbabilities } from '../../kernel-lib/classify/predict';
import {
  ClassifierProgress,
  LabeledImageRows,
  TrainClassifierOptions,
  TrainedClassifier,
  trainClassifier,
  validationAuroc,
  weightedCrossEntropy,
} from '../../kernel-lib/classify/train';
import { disposeParams } from '../../kernel-lib/nets/params';
import { TOY_SIZE, toyImages } from './toy-images';

const ROW = TOY_SIZE * TOY_SIZE;

/** Small network, 32 training and 16 validation rows of the bright-versus-dark set. */
function options(overrides: Partial<TrainClassifierOptions> = {}): TrainClassifierOptions {
  return {
    train: toyImages(32, 1),
    validation: toyImages(16, 2),
    numClasses: 2,
    widths: [4, 8],
    batchSize: 8,
    maxEpochs: 3,
    learningRate: 1e-2,
    patience: 3,
    seed: 3,
    ...overrides,
  };
}

/** Returns the same images with classes 0 and 1 swapped, so the validation AUROC falls as training succeeds. */
function swappedLabels(rows: LabeledImageRows): LabeledImageRows {
  return { ...rows, labels: rows.labels.map((k) => 1 - k) };
}

function weightsOf(result: TrainedClassifier): number[] {
  return Array.from(result.params.values()).flatMap((t) => Array.from(t.dataSync()));
}

function positiveAuroc(result: TrainedClassifier, rows: LabeledImageRows): number {
  return validationAuroc(predictProbabilities(result.config, result.params, rows), rows.labels, 2);
}

test.before(async () => {
  await selectBackend({ backend: 'wasm' });
});

test('toy set reaches validation AUROC above 0.95', () => {
  const result = trainClassifier(options());
  assert.ok(result.bestValAuroc > 0.95, `best validation AUROC ${result.bestValAuroc}, history ${JSON.stringify(result.history)}`);
  assert.is(result.history.length, 3);
  assert.ok(result.history[2].loss < result.history[0].loss, `loss did not fall: ${JSON.stringify(result.history)}`);
  disposeParams(result.params);
});

test('three classes train with macro AUROC', () => {
  const train = toyImages(36, 4, { means: [40, 128, 215], noise: 30 });
  const validation = toyImages(18, 5, { means: [40, 128, 215], noise: 30 });
  const result = trainClassifier(options({ train, validation, numClasses: 3, maxEpochs: 6, patience: 6 }));
  assert.is(result.config.numClasses, 3);
  assert.ok(result.bestValAuroc > 0.9, `best macro AUROC ${result.bestValAuroc}, history ${JSON.stringify(result.history)}`);
  disposeParams(result.params);
});

test('early stopping returns the best epoch', () => {
  // Swapped validation labels with this seed and learning rate: the AUROC is highest after
  // epoch 1 and falls as the network learns the training labels.
  const validation = swappedLabels(toyImages(16, 2));
  const result = trainClassifier(options({ validation, seed: 4, learningRate: 1e-3, maxEpochs: 8, patience: 2 }));
  const aurocs = result.history.map((h) => h.valAuroc);
  const firstMax = aurocs.indexOf(Math.max(...aurocs)) + 1;
  assert.is(result.bestEpoch, firstMax);
  assert.is(result.bestValAuroc, aurocs[firstMax - 1]);
  assert.ok(result.stoppedEarly);
  assert.is(result.history.length, result.bestEpoch + 2);
  const last = aurocs[aurocs.length - 1];
  assert.ok(result.bestValAuroc > last, `expected a peak before the last epoch, history ${JSON.stringify(aurocs)}`);
  // The returned weights are the best epoch's: recomputing the AUROC gives its value, not the last.
  const restored = positiveAuroc(result, validation);
  assert.ok(Math.abs(restored - result.bestValAuroc) < 1e-12, `restored weights score ${restored}, best epoch ${result.bestValAuroc}, last ${last}`);
  disposeParams(result.params);
});

test('minEpochs holds off early stopping until that epoch', () => {
  // The same falling validation AUROC as above, which stops after best epoch + 2 without a floor.
  const validation = swappedLabels(toyImages(16, 2));
  const result = trainClassifier(options({ validation, seed: 4, learningRate: 1e-3, maxEpochs: 8, patience: 2, minEpochs: 6 }));
  assert.ok(result.bestEpoch + 2 < 6, `the peak must come early for this case, best epoch ${result.bestEpoch}`);
  assert.is(result.history.length, 6);
  assert.ok(result.stoppedEarly);
  disposeParams(result.params);
});

test('minEpochs above maxEpochs is rejected', () => {
  assert.throws(() => trainClassifier(options({ maxEpochs: 3, minEpochs: 4 })), /`minEpochs` \(4\) must not exceed `maxEpochs` \(3\)/);
});

test('restored weights equal a run stopped at the best epoch', () => {
  const validation = swappedLabels(toyImages(16, 2));
  const early = trainClassifier(options({ validation, seed: 4, learningRate: 1e-3, maxEpochs: 8, patience: 2 }));
  const truncated = trainClassifier(options({ validation, seed: 4, learningRate: 1e-3, maxEpochs: early.bestEpoch, patience: 2 }));
  assert.ok(early.history.length > early.bestEpoch, 'expected epochs after the best one');
  assert.equal(weightsOf(early), weightsOf(truncated));
  disposeParams(early.params);
  disposeParams(truncated.params);
});

test('same seed gives the same weights', () => {
  const augment = { maxRotationDegrees: 10, maxShiftPixels: 1, brightness: 0.1, contrast: 0.1 };
  const a = trainClassifier(options({ maxEpochs: 2, sampler: 'oversample', augment }));
  const b = trainClassifier(options({ maxEpochs: 2, sampler: 'oversample', augment }));
  const c = trainClassifier(options({ maxEpochs: 2, sampler: 'oversample', augment, seed: 4 }));
  assert.equal(weightsOf(a), weightsOf(b));
  assert.equal(a.history, b.history);
  assert.not.equal(weightsOf(a), weightsOf(c));
  for (const result of [a, b, c]) disposeParams(result.params);
});

test('augmentation of the listed class changes training', () => {
  const plain = trainClassifier(options({ maxEpochs: 1 }));
  const zeroRanges = trainClassifier(options({ maxEpochs: 1, augment: { classes: [1] } }));
  const augmented = trainClassifier(options({ maxEpochs: 1, augment: { classes: [1], maxShiftPixels: 2, brightness: 0.3 } }));
  assert.equal(weightsOf(zeroRanges), weightsOf(plain));
  assert.not.equal(weightsOf(augmented), weightsOf(plain));
  for (const result of [plain, zeroRanges, augmented]) disposeParams(result.params);
});

test('oversampling makes epochs of K times the largest class', () => {
  // 24 rows of class 0 and 4 of class 1: an oversampled epoch has 2 · 24 = 48 rows, 6 batches of 8.
  const labels = Int32Array.from({ length: 28 }, (_, i) => (i < 24 ? 0 : 1));
  const steps: number[] = [];
  const result = trainClassifier(
    options({ train: toyImages(28, 6, { labels }), sampler: 'oversample', maxEpochs: 2, onProgress: (p) => steps.push(p.step) }),
  );
  assert.equal(steps, [6, 12]);
  disposeParams(result.params);
});

test('progress is reported once per epoch', () => {
  const reports: ClassifierProgress[] = [];
  const result = trainClassifier(options({ onProgress: (p) => reports.push(p) }));
  assert.equal(reports.map((p) => p.epoch), [1, 2, 3]);
  // 32 rows in batches of 8: 4 steps per epoch.
  assert.equal(reports.map((p) => p.step), [4, 8, 12]);
  assert.equal(reports.map((p) => p.loss), result.history.map((h) => h.loss));
  assert.equal(reports.map((p) => p.valAuroc), result.history.map((h) => h.valAuroc));
  assert.ok(reports.every((p) => p.maxEpochs === 3 && p.msPerEpoch >= 0));
  disposeParams(result.params);
});

test('training leaves only the returned weights', () => {
  const before = tf.memory().numTensors;
  const perEpoch: number[] = [];
  const result = trainClassifier(options({ maxEpochs: 4, patience: 4, onProgress: () => perEpoch.push(tf.memory().numTensors) }));
  // After every epoch the live tensors are the variables, the Adam moments and one best copy.
  assert.is(perEpoch[0], perEpoch[1]);
  assert.is(perEpoch[1], perEpoch[2]);
  assert.is(perEpoch[2], perEpoch[3]);
  assert.is(tf.memory().numTensors, before + result.params.size);
  disposeParams(result.params);
  assert.is(tf.memory().numTensors, before);
});

test('binary validation AUROC scores class 1', () => {
  // Rows [p0, p1]. Class 1 rows have p1 0.7 and 0.4, class 0 rows 0.1 and 0.4: of the 4 pairs
  // 3 are ranked right and 1 is tied, so AUROC = 3.5 / 4 (ties count ½).
  const probabilities = Float64Array.from([0.9, 0.1, 0.3, 0.7, 0.6, 0.4, 0.6, 0.4]);
  assert.is(validationAuroc(probabilities, Int32Array.from([0, 1, 0, 1]), 2), 3.5 / 4);
});

test('macro validation AUROC skips absent classes', () => {
  // 4 classes, class 3 absent. One-vs-rest AUROCs by hand, with ties counting ½:
  //   class 0 scores [0.8, 0.1, 0.1], positive row 0: 1.
  //   class 1 scores [0.1, 0.1, 0.8], positive row 1: tied with row 0, below row 2, so 0.25.
  //   class 2 scores [0.1, 0.8, 0.1], positive row 2: tied with row 0, below row 1, so 0.25.
  const probabilities = Float64Array.from([0.8, 0.1, 0.1, 0, 0.1, 0.1, 0.8, 0, 0.1, 0.8, 0.1, 0]);
  const value = validationAuroc(probabilities, Int32Array.from([0, 1, 2]), 4);
  assert.ok(Math.abs(value - 1.5 / 3) < 1e-12, `expected 0.5, got ${value}`);
});

test('class weights scale cross-entropy as the formula says', () => {
  // Row 1: logits [0, 0], label 0 → −log ½ = ln 2. Row 2: logits [ln 3, 0], label 1 → −log ¼ = 2 ln 2.
  // Unweighted mean (ln 2 + 2 ln 2) / 2 = 1.5 ln 2; weights [1, 3] give (1·ln 2 + 3·2 ln 2) / (1 + 3) = 1.75 ln 2.
  const logits = tf.tensor2d([[0, 0], [Math.log(3), 0]]);
  const labels = Int32Array.from([0, 1]);
  const before = tf.memory().numTensors;
  const unweighted = weightedCrossEntropy(logits, labels);
  const weighted = weightedCrossEntropy(logits, labels, [1, 3]);
  assert.is(tf.memory().numTensors, before + 2);
  // float32 arithmetic: tolerance 1e−6.
  assert.ok(Math.abs(unweighted.dataSync()[0] - 1.5 * Math.LN2) < 1e-6, `unweighted ${unweighted.dataSync()[0]}`);
  assert.ok(Math.abs(weighted.dataSync()[0] - 1.75 * Math.LN2) < 1e-6, `weighted ${weighted.dataSync()[0]}`);
  tf.dispose([logits, unweighted, weighted]);
});

test('class weights change the trained weights', () => {
  const plain = trainClassifier(options({ maxEpochs: 1 }));
  const weighted = trainClassifier(options({ maxEpochs: 1, classWeights: [0.5, 2] }));
  assert.not.equal(weightsOf(weighted), weightsOf(plain));
  disposeParams(plain.params);
  disposeParams(weighted.params);
});

test('training rejects invalid input', () => {
  const train = toyImages(8, 7);
  const empty = { pixels: new Uint8Array(0), labels: new Int32Array(0), height: TOY_SIZE, width: TOY_SIZE };
  assert.throws(() => trainClassifier(options({ train: empty })), /trainClassifier: the training set is empty/);
  const onlyClass0 = { ...train, labels: new Int32Array(8) };
  assert.throws(() => trainClassifier(options({ train: onlyClass0 })), /class 1 has 0 training rows of 8/);
  const outOfRange = { ...train, labels: Int32Array.from([0, 1, 0, 1, 0, 2, 0, 1]) };
  assert.throws(() => trainClassifier(options({ train: outOfRange })), /train label 2 at row 5 is outside \[0, 2\)/);
  const shortLabels = { ...train, labels: train.labels.subarray(0, 7) };
  assert.throws(() => trainClassifier(options({ train: shortLabels })), /train has 8 images but 7 labels/);
  const withNaN = { ...train, pixels: new Float32Array(8 * ROW) };
  withNaN.pixels[2 * ROW] = NaN;
  assert.throws(() => trainClassifier(options({ train: withNaN })), /train pixel 128 \(image 2\) is NaN/);
  const oneClassValidation = { ...toyImages(4, 8), labels: new Int32Array(4) };
  assert.throws(() => trainClassifier(options({ validation: oneClassValidation })), /validation set needs rows of both classes.*got 4 of class 0 and 0 of class 1/);
  assert.throws(() => trainClassifier(options({ classWeights: [1] })), /`classWeights` must have one weight per class \(2\), got \[1\]/);
  assert.throws(() => trainClassifier(options({ sampler: 'smote' as 'uniform' })), /unknown sampler 'smote'; use one of uniform, oversample/);
  assert.throws(() => trainClassifier(options({ patience: 0 })), /`patience` must be an integer >= 1, got 0/);
  assert.throws(() => trainClassifier(options({ augment: { classes: [3] } })), /`augment.classes` contains 3/);
});

test('rejected input leaves no tensors', () => {
  const before = tf.memory().numTensors;
  assert.throws(() => trainClassifier(options({ classWeights: [1, -1] })), /every class weight must be a positive finite number/);
  assert.is(tf.memory().numTensors, before);
});

test.run();
