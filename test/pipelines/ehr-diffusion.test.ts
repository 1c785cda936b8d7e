import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { prepareEhrData, EhrData } from '../../kernel-lib/ehr/prepare-ehr-data';
import { PLAUSIBLE } from './ehr-plausible';
import {
  EHR_VAE_FILE,
  generateEhrPatients,
  loadEhrDiffusionModel,
  SyntheticEhrBatch,
  trainEhrDiffusion,
  TrainEhrDiffusionOptions,
} from '../../kernel-lib/pipelines/ehr-diffusion';
import { writePhysionetFixture } from '../helpers/physionet-fixture';

let data: EhrData;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-ehr-pipeline-'));
const DATASET = { name: 'fixture', source: 'generated' };

function options(kind: 'trajectory' | 'latent', modelDir: string, overrides: Partial<TrainEhrDiffusionOptions> = {}): TrainEhrDiffusionOptions {
  return {
    kind,
    data,
    modelDir,
    dataset: DATASET,
    transformer: { modelDim: 8, numLayers: 1, numHeads: 2, mlpRatio: 2 },
    latentMlp: { hiddenDim: 16, numBlocks: 1 },
    vae: { latentDim: 4, hiddenDim: 16, numLayers: 1, numSteps: 4, batchSize: 8 },
    schedule: { numTrainTimesteps: 50 },
    training: { numSteps: 4, batchSize: 8, checkpointEvery: 2 },
    ...overrides,
  };
}

function generate(modelDir: string, count: number, seed: number, classIndex = 1): SyntheticEhrBatch[] {
  const loaded = loadEhrDiffusionModel(modelDir);
  const batches: SyntheticEhrBatch[] = [];
  try {
    generateEhrPatients(loaded, { count, classIndex, guidanceScale: 2, sampler: 'ddim', numInferenceSteps: 3, seed, batchSize: 3, onBatch: (b) => batches.push(b) });
  } finally {
    loaded.dispose();
  }
  return batches;
}

test.before(async () => {
  await selectBackend({ backend: 'wasm' });
  const fixture = writePhysionetFixture(30);
  data = prepareEhrData({ recordFolder: fixture.recordFolder, outcomesPath: fixture.outcomesPath, splitSeed: 0 });
});

for (const kind of ['trajectory', 'latent'] as const) {
  test(`${kind}: trains, then generates bounded batches of the requested class`, () => {
    const modelDir = path.join(work, kind);
    const before = tf.memory().numTensors;
    const { model } = trainEhrDiffusion(options(kind, modelDir));
    assert.is(model.kind, kind);
    assert.ok(fs.existsSync(path.join(modelDir, 'model.json')));
    assert.is(fs.existsSync(path.join(modelDir, EHR_VAE_FILE)), kind === 'latent');
    const batches = generate(modelDir, 7, 3);
    assert.equal(batches.map((b) => b.grid.shape[0]), [3, 3, 1]);
    assert.equal(batches.map((b) => b.offset), [0, 3, 6]);
    assert.equal(batches.flatMap((b) => b.grid.recordIds), [1000001, 1000002, 1000003, 1000004, 1000005, 1000006, 1000007]);
    for (const batch of batches) {
      assert.equal(Array.from(batch.labels), new Array(batch.grid.shape[0]).fill(1));
      assert.is(batch.grid.shape[1], 24);
      batch.grid.values.forEach((x, i) => {
        if (batch.grid.mask[i] === 1) {
          const [min, max] = PLAUSIBLE[batch.grid.variables[i % batch.grid.shape[2]]];
          const name = batch.grid.variables[i % batch.grid.shape[2]];
          assert.ok(x >= Math.fround(min), `value ${x} of ${name} is below its plausible range`);
          assert.ok(x <= Math.fround(max), `value ${x} of ${name} is above its plausible range`);
        } else {
          assert.ok(Number.isNaN(x), 'an unmeasured cell holds a value');
        }
      });
      for (const d of batch.descriptors) {
        assert.ok(d.Age !== null, 'a synthetic patient has no age');
        assert.ok((d.Age as number) >= 15, `age ${d.Age} is below 15`);
        assert.ok((d.Age as number) <= 100, `age ${d.Age} is above 100`);
        assert.ok([1, 2, 3, 4].includes(d.ICUType as number), `ICU type ${d.ICUType} is not 1-4`);
      }
    }
    assert.is(tf.memory().numTensors, before, 'training and generation left tensors behind');
  });

  test(`${kind}: the same seed gives the same patients, another seed others`, () => {
    const modelDir = path.join(work, kind);
    const values = (batches: SyntheticEhrBatch[]) => batches.flatMap((b) => Array.from(b.grid.mask).concat(Array.from(b.grid.values).map((x) => (Number.isNaN(x) ? -999 : x))));
    assert.equal(values(generate(modelDir, 4, 5)), values(generate(modelDir, 4, 5)));
    assert.not.equal(values(generate(modelDir, 4, 5)), values(generate(modelDir, 4, 6)));
  });
}

test('resume refuses other settings and continues with more steps', () => {
  const modelDir = path.join(work, 'trajectory');
  assert.throws(() => trainEhrDiffusion(options('trajectory', modelDir, { transformer: { modelDim: 16, numLayers: 1, numHeads: 2 } })), /was written with other settings or data/);
  const { model } = trainEhrDiffusion(options('trajectory', modelDir, { training: { numSteps: 6, batchSize: 8, checkpointEvery: 2 } }));
  assert.is(model.training.numSteps, 6);
});

test('bad requests are refused with the value and the fix', () => {
  const modelDir = path.join(work, 'latent');
  const loaded = loadEhrDiffusionModel(modelDir);
  const run = (overrides: Record<string, unknown>) => () =>
    generateEhrPatients(loaded, { count: 2, classIndex: 0, guidanceScale: 1, sampler: 'ddim', numInferenceSteps: 2, seed: 0, onBatch: () => undefined, ...overrides });
  try {
    assert.throws(run({ classIndex: 2 }), /^generateEhrPatients: class index 2 is not one of 0 … 1 \(survived, died\)/);
    assert.throws(run({ count: 0 }), /^generateEhrPatients: count must be an integer >= 1, got 0/);
    assert.throws(run({ sampler: 'euler' }), /^generateEhrPatients: unknown sampler 'euler'; use one of/);
    assert.throws(run({ batchSize: 1.5 }), /^generateEhrPatients: batchSize must be an integer >= 1, got 1.5/);
  } finally {
    loaded.dispose();
  }
  assert.throws(() => loadEhrDiffusionModel(path.join(work, 'nothing')), /^no EHR model found: .*model\.json does not exist/);
  const broken = path.join(work, 'broken');
  fs.cpSync(modelDir, broken, { recursive: true });
  fs.rmSync(path.join(broken, EHR_VAE_FILE));
  assert.throws(() => loadEhrDiffusionModel(broken), /vae\.safetensors is missing; a latent model needs its VAE/);
  assert.throws(() => trainEhrDiffusion(options('trajectory', path.join(work, 'bad'), { training: { numSteps: 0 } })), /^trainEhrDiffusion: invalid training options: .*numSteps/);
  assert.throws(() => trainEhrDiffusion(options('diffusion' as never, path.join(work, 'bad'))), /^trainEhrDiffusion: unknown model kind 'diffusion'/);
});

test.after(() => fs.rmSync(work, { recursive: true, force: true }));

test.run();
