import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import { makeDemoDataset } from '../../kernel-lib/data/demo';
import { writeEhrDemoSet } from '../../kernel-lib/data/ehr-demo';
import { EhrData, prepareEhrData } from '../../kernel-lib/ehr/prepare-ehr-data';
import { EHR_VAE_FILE, generateEhrPatients, loadEhrDiffusionModel, trainEhrDiffusion, TrainEhrDiffusionOptions } from '../../kernel-lib/pipelines/ehr-diffusion';
import { readModelFile, trainImageDiffusion } from '../../kernel-lib/pipelines/image-diffusion';
import { RdpAccountant } from '../../kernel-lib/privacy/rdp-accountant';
import { setLogLevel } from '../../kernel-lib/util/log';

let data: EhrData;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-dp-pipeline-'));
const DATASET = { name: 'ehr-demo', source: 'generated' };

function ehrOptions(kind: 'trajectory' | 'latent', modelDir: string, training: Record<string, unknown>): TrainEhrDiffusionOptions {
  return {
    kind,
    data,
    modelDir,
    dataset: DATASET,
    transformer: { modelDim: 8, numLayers: 1, numHeads: 2, mlpRatio: 2 },
    latentMlp: { hiddenDim: 16, numBlocks: 1 },
    vae: { latentDim: 4, hiddenDim: 16, numLayers: 1, numSteps: 2, batchSize: 8 },
    schedule: { numTrainTimesteps: 50 },
    training,
  };
}

function readJson(file: string): Record<string, any> {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

test.before(async () => {
  setLogLevel('error');
  await selectBackend({ backend: 'wasm' });
  const demo = writeEhrDemoSet(path.join(work, 'records'), { count: 30, seed: 0 });
  data = prepareEhrData({ recordFolder: demo.recordFolder, outcomesPath: demo.outcomesPath, splitSeed: 0 });
});

test('trajectory DP training records epsilon in model.json', () => {
  const modelDir = path.join(work, 'trajectory-dp');
  const privacy = { targetEpsilon: 8, sampleRate: 0.2 };
  const before = tf.memory().numTensors;
  const { model } = trainEhrDiffusion(ehrOptions('trajectory', modelDir, { numSteps: 3, checkpointEvery: 2, privacy }));
  const saved = readJson(path.join(modelDir, 'model.json'));
  const patients = data.splits.train.recordIds.length;

  assert.equal(saved.training.privacy, { targetEpsilon: 8, noiseMultiplier: null, clipNorm: 1, sampleRate: 0.2, delta: 1e-5 });
  assert.equal(saved.privacy, model.privacy);
  assert.is(saved.privacy.steps, 3);
  assert.is(saved.privacy.datasetSize, patients);
  assert.is(saved.privacy.clipNorm, 1);
  assert.is(saved.privacy.delta, 1e-5);
  assert.is(saved.privacy.conversion, 'improved');
  assert.ok(Number.isFinite(saved.privacy.epsilon), `expected a finite epsilon, got ${saved.privacy.epsilon}`);
  assert.ok(saved.privacy.epsilon > 0, `expected epsilon > 0, got ${saved.privacy.epsilon}`);
  assert.ok(saved.privacy.epsilon <= 8, `epsilon ${saved.privacy.epsilon} exceeds the target 8`);
  const reference = new RdpAccountant();
  reference.step(0.2, saved.privacy.noiseMultiplier, 3);
  assert.is(saved.privacy.epsilon, reference.epsilon(1e-5).epsilon);

  const loaded = loadEhrDiffusionModel(modelDir);
  let generated = 0;
  try {
    generateEhrPatients(loaded, { count: 2, classIndex: 1, guidanceScale: 2, sampler: 'ddim', numInferenceSteps: 2, seed: 0, onBatch: (b) => (generated += b.grid.shape[0]) });
  } finally {
    loaded.dispose();
  }
  assert.is(generated, 2);
  assert.is(tf.memory().numTensors, before, 'training and generation left tensors behind');
});

test('calibrated run refuses more steps on resume', () => {
  const modelDir = path.join(work, 'trajectory-dp');
  assert.throws(
    () => trainEhrDiffusion(ehrOptions('trajectory', modelDir, { numSteps: 4, checkpointEvery: 2, privacy: { targetEpsilon: 8, sampleRate: 0.2 } })),
    /^DpDiffusionTrainer: checkpoint .* was trained with noiseMultiplier [\d.]+, not [\d.]+; resume with the same privacy settings/,
  );
});

test('non-private model.json has no privacy fields', () => {
  const modelDir = path.join(work, 'trajectory-plain');
  const { model } = trainEhrDiffusion(ehrOptions('trajectory', modelDir, { numSteps: 1, batchSize: 4 }));
  const text = fs.readFileSync(path.join(modelDir, 'model.json'), 'utf8');
  assert.not.match(text, /privacy/);
  assert.is(model.privacy, null);
  assert.is(model.training.privacy, null);
});

test('latent kind refuses DP training before the VAE', () => {
  const modelDir = path.join(work, 'latent-dp');
  assert.throws(
    () => trainEhrDiffusion(ehrOptions('latent', modelDir, { numSteps: 2, privacy: { noiseMultiplier: 1, sampleRate: 0.2 } })),
    /^trainEhrDiffusion: training.privacy is set for kind 'latent', but its VAE also sees the real patients and is not trained with DP-SGD.*use kind 'trajectory'/,
  );
  assert.not.ok(fs.existsSync(path.join(modelDir, EHR_VAE_FILE)), 'the VAE was trained before the refusal');
});

test('invalid privacy blocks are rejected', () => {
  const run = (privacy: Record<string, unknown>) => () => trainEhrDiffusion(ehrOptions('trajectory', path.join(work, 'bad'), { numSteps: 1, privacy }));
  assert.throws(run({ targetEpsilon: 1, noiseMultiplier: 1, sampleRate: 0.2 }), /^trainEhrDiffusion: invalid training options: privacy: give exactly one of targetEpsilon and noiseMultiplier/);
  assert.throws(run({ sampleRate: 0.2 }), /privacy: give exactly one of targetEpsilon and noiseMultiplier/);
  assert.throws(run({ noiseMultiplier: 1, sampleRate: 0 }), /privacy.sampleRate: .*\(got 0\)/);
  assert.throws(run({ noiseMultiplier: 1, sampleRate: 1.2 }), /privacy.sampleRate: .*\(got 1.2\)/);
  assert.throws(run({ noiseMultiplier: 1, sampleRate: 0.2, delta: 1 }), /privacy.delta: .*\(got 1\)/);
  assert.throws(run({ noiseMultiplier: -1, sampleRate: 0.2 }), /privacy.noiseMultiplier: .*\(got -1\)/);
  assert.throws(run({ noiseMultiplier: 1 }), /privacy.sampleRate: Required/);
  assert.throws(run({ noiseMultiplier: 1, sampleRate: 0.2, epsilon: 3 }), /privacy: Unrecognized key\(s\) in object: 'epsilon'/);
});

test('image DP training records epsilon in model.json', () => {
  const dataset = makeDemoDataset({ seed: 1, size: 8, counts: { train: [6, 4], val: [1, 1], test: [1, 1] } });
  const modelDir = path.join(work, 'image-dp');
  const result = trainImageDiffusion({
    dataset,
    modelDir,
    unet: { widths: [4, 4], embeddingDim: 8, normGroups: 2, midAttention: false },
    training: { numSteps: 2, privacy: { noiseMultiplier: 1.3, sampleRate: 0.2 } },
  });
  assert.is(result.steps, 2);
  const model = readModelFile(modelDir);
  assert.ok(model.privacy !== null, 'model.json has no privacy record');
  assert.is(model.privacy.noiseMultiplier, 1.3);
  assert.is(model.privacy.datasetSize, 10);
  assert.is(model.privacy.steps, 2);
  const reference = new RdpAccountant();
  reference.step(0.2, 1.3, 2);
  assert.is(model.privacy.epsilon, reference.epsilon(1e-5).epsilon);
});

test.after(() => fs.rmSync(work, { recursive: true, force: true }));

test.run();
