import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ClassifierConfig, classifierParamSpecs } from '../../kernel-lib/classify/cnn';
import { predictProbabilities } from '../../kernel-lib/classify/predict';
import { toUint8 } from '../../kernel-lib/io/png';
import { toDisplayUint8 } from '../../kernel-lib/io/png16';
import { createParams, disposeParams } from '../../kernel-lib/nets/params';
import { calibrateNoiseMultiplier, computeRdp, distanceToClosestRecord, rdpToEpsilon, RecordSet } from '../../kernel-lib/privacy';
import { Random } from '../../kernel-lib/util/random';

// Non-finite pixels and records, and privacy parameters outside their domain: each public
// entry rejects them with a message naming the function, the value and the fix.

const CONFIG: ClassifierConfig = { widths: [2], numClasses: 2 };
const SIZE = 4;
let params: Map<string, tf.Variable>;

test.before(async () => {
  await tf.setBackend('cpu');
  params = createParams(classifierParamSpecs(CONFIG), new Random(1));
});

test.after(() => disposeParams(params));

/** Two 4×4 float images in [−1, 1] with `value` at flat index 5 (image 0). */
function floatImages(value: number): Float32Array {
  const pixels = new Float32Array(2 * SIZE * SIZE).fill(0.25);
  pixels[5] = value;
  return pixels;
}

/** Three records of two features, with `value` at row 1, column 0. */
function records(value: number, numFeatures = 2): RecordSet {
  const data = new Float64Array(3 * numFeatures).map((_, i) => i * 0.5);
  data[numFeatures] = value;
  return { data, numRecords: 3, numFeatures };
}

const DESCRIPTION = { featureSpace: 'tabular: two test features', scaling: 'none' };

test('classifier rejects a NaN pixel', () => {
  const before = tf.memory().numTensors;
  assert.throws(
    () => predictProbabilities(CONFIG, params, { pixels: floatImages(NaN), height: SIZE, width: SIZE }),
    /^predictProbabilities: images pixel 5 \(image 0\) is NaN; remove or repair that image$/,
  );
  assert.is(tf.memory().numTensors, before);
});

test('classifier rejects an infinite pixel', () => {
  const before = tf.memory().numTensors;
  assert.throws(
    () => predictProbabilities(CONFIG, params, { pixels: floatImages(-Infinity), height: SIZE, width: SIZE }),
    /^predictProbabilities: images pixel 5 \(image 0\) is -Infinity; remove or repair that image$/,
  );
  assert.is(tf.memory().numTensors, before);
});

test('classifier rejects pixels outside [−1, 1]', () => {
  assert.throws(
    () => predictProbabilities(CONFIG, params, { pixels: floatImages(3), height: SIZE, width: SIZE }),
    /^predictProbabilities: images pixel 5 \(image 0\) is 3, outside \[−1, 1\]; .*x \/ 127\.5 − 1/,
  );
});

test('classifier rejects a partial image', () => {
  assert.throws(
    () => predictProbabilities(CONFIG, params, { pixels: new Float32Array(SIZE * SIZE + 3), height: SIZE, width: SIZE }),
    /^predictProbabilities: images has 19 pixels, which is not a whole number of 4 × 4 images/,
  );
});

test('display mapping rejects NaN', () => {
  assert.throws(() => toDisplayUint8([100, NaN, 300]), /^toDisplayUint8: value NaN at index 1 is not finite; replace NaN and infinite values first$/);
});

test('display mapping rejects Infinity', () => {
  assert.throws(() => toDisplayUint8(Float32Array.from([Infinity, 1])), /^toDisplayUint8: value Infinity at index 0 is not finite/);
});

// An image from a diverged sampler must not be written as a plausible-looking black PNG.
test('byte mapping rejects NaN', () => {
  assert.throws(() => toUint8(Float32Array.from([0, NaN])), /^toUint8: .*NaN.*index 1/);
});

test('DCR rejects NaN in training records', async () => {
  await assertRejects(
    distanceToClosestRecord({ ...DESCRIPTION, training: records(NaN), synthetic: records(0.1) }),
    /^distanceToClosestRecord: `training` contains 1 non-finite value\(s\) \(NaN or ±Infinity\), the first NaN at row 1, column 0; impute or drop those records first$/,
  );
});

test('DCR rejects Infinity in synthetic records', async () => {
  await assertRejects(
    distanceToClosestRecord({ ...DESCRIPTION, training: records(1), synthetic: records(Infinity) }),
    /^distanceToClosestRecord: `synthetic` contains 1 non-finite value\(s\).* Infinity at row 1, column 0/,
  );
});

test('DCR rejects differing feature counts', async () => {
  await assertRejects(
    distanceToClosestRecord({ ...DESCRIPTION, training: records(1, 2), synthetic: records(1, 3) }),
    /^distanceToClosestRecord: `synthetic` has 3 features but `training` has 2; pass records encoded in the same feature space$/,
  );
});

test('DCR rejects an empty record set', async () => {
  await assertRejects(
    distanceToClosestRecord({ ...DESCRIPTION, training: records(1), synthetic: { data: new Float64Array(0), numRecords: 0, numFeatures: 2 } }),
    /^distanceToClosestRecord: `synthetic` is empty \(0 records\); pass at least one record$/,
  );
});

const ORDERS = [2, 4, 8];

for (const delta of [0, 1, -1e-5, NaN]) {
  test(`epsilon rejects delta ${delta}`, () => {
    assert.throws(() => rdpToEpsilon(ORDERS, [0.1, 0.2, 0.3], delta), (err: Error) =>
      err.message.startsWith(`rdpToEpsilon: \`delta\` must be in (0, 1), got ${delta}; pass a value well below 1 / (number of training records)`),
    );
  });
}

for (const noiseMultiplier of [0, -1]) {
  test(`RDP rejects noise multiplier ${noiseMultiplier}`, () => {
    assert.throws(() => computeRdp({ sampleRate: 0.01, noiseMultiplier, steps: 10, orders: ORDERS }), (err: Error) =>
      err.message.startsWith(`computeRdp: \`noiseMultiplier\` must be a finite number > 0, got ${noiseMultiplier}; `),
    );
  });
}

for (const sampleRate of [0, 1.5, -0.1]) {
  test(`RDP rejects sample rate ${sampleRate}`, () => {
    assert.throws(() => computeRdp({ sampleRate, noiseMultiplier: 1, steps: 10, orders: ORDERS }), (err: Error) =>
      err.message.startsWith(`computeRdp: \`sampleRate\` must be in (0, 1], got ${sampleRate}; pass the probability`),
    );
  });
}

test('RDP accepts sample rate 1', () => {
  const rdp = computeRdp({ sampleRate: 1, noiseMultiplier: 1, steps: 1, orders: [2] });
  // Full-batch Gaussian mechanism: RDP at order α is α / (2σ²) (Mironov 2017, Prop. 7), so 1 at α = 2, σ = 1.
  assert.ok(Math.abs(rdp[0] - 1) < 1e-9, `expected 1, got ${rdp[0]}`);
});

test('calibration rejects delta 1', () => {
  assert.throws(
    () => calibrateNoiseMultiplier({ targetEpsilon: 1, delta: 1, sampleRate: 0.01, steps: 100 }),
    /^calibrateNoiseMultiplier: `delta` must be in \(0, 1\), got 1; /,
  );
});

/** Awaits `promise` and asserts that it rejects with an Error whose message matches `pattern`. */
async function assertRejects(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (err) {
    error = err;
  }
  assert.instance(error, Error, 'expected the call to reject');
  assert.match((error as Error).message, pattern);
}

test.run();
