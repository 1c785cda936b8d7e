/**
 * Training, checkpoints and batched inference of the EHR VAE (vae-network.ts, vae-loss.ts).
 *
 * Three seeded streams make a run reproducible: weights are initialised from Random(seed),
 * batches follow EpochSampler(patients, batchSize, seed + 2), and the reparameterisation
 * noise ε comes from Random(seed + 1), whose state is checkpointed. Each checkpoint is one
 * safetensors file, written atomically, holding the weights (`params/…`), the Adam moments
 * (`adam.m/…`, `adam.v/…`) and, in the `medsynth` metadata entry, the config, step, Adam
 * step, generator state, training settings and loss history. A resumed run therefore ends
 * with the same weights, bit for bit, as an uninterrupted one on the same backend.
 */
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { Params, createParams, disposeParams } from '../nets/params';
import { Adam } from '../train/adam';
import { EpochSampler } from '../train/batches';
import { toNamedArrays } from '../train/checkpoint';
import { TrainingProgress } from '../train/diffusion-trainer';
import { NamedArray, loadSafetensors, saveSafetensors } from '../train/safetensors';
import { log } from '../util/log';
import { Random, RandomState } from '../util/random';
import { HourlyGrid } from './hourly-grid';
import { vaeLoss } from './vae-loss';
import { EhrVaeConfig, validateEhrVaeConfig, vaeDecode, vaeEncode, vaeParamSpecs } from './vae-network';

/** A VAE ready for inference: its architecture and weights by parameter name. */
export interface EhrVae {
  config: EhrVaeConfig;
  params: Params;
}

/** Loss of one training step and its terms (see vae-loss.ts for their normalisation). */
export interface EhrVaeLossRecord {
  step: number;
  loss: number;
  valueMse: number;
  maskBce: number;
  kl: number;
}

export interface EhrVaeTrainingOptions {
  /** Normalised grid of the training patients. Cells with mask 0 may be NaN or any finite value. */
  grid: HourlyGrid;
  config: EhrVaeConfig;
  batchSize: number;
  numSteps: number;
  learningRate: number;
  /** Weight of the KL term, >= 0. */
  beta: number;
  seed: number;
  /** Checkpoint file. Without it, no checkpoints are written. */
  checkpointPath?: string;
  /** Steps between checkpoints. Without it, one checkpoint is written at the end. */
  checkpointEvery?: number;
  /** Continue from `checkpointPath` when that file exists. Without the file, training starts at step 0. */
  resume?: boolean;
  /** Record the loss in the history every this many steps and at step 1 (default 10). */
  logEvery?: number;
  onProgress?: (progress: TrainingProgress) => void;
}

export interface EhrVaeTrainingResult extends EhrVae {
  /** Trained weights, which the caller disposes (disposeParams). */
  params: Map<string, tf.Variable>;
  /** Completed steps. */
  step: number;
  lossHistory: EhrVaeLossRecord[];
}

const CHECKPOINT_FORMAT = 'medsynth-ehr-vae-checkpoint';
const GROUPS = { params: 'params/', adamFirstMoments: 'adam.m/', adamSecondMoments: 'adam.v/' } as const;

/** Training state stored as JSON in the checkpoint's `medsynth` metadata entry. */
interface CheckpointState {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  config: EhrVaeConfig;
  step: number;
  adamStep: number;
  /** State of the generator that draws ε. */
  epsilonRng: RandomState;
  seed: number;
  patients: number;
  batchSize: number;
  learningRate: number;
  beta: number;
  lossHistory: EhrVaeLossRecord[];
}

interface Checkpoint {
  state: CheckpointState;
  params: Map<string, NamedArray>;
  adamFirstMoments: Map<string, NamedArray>;
  adamSecondMoments: Map<string, NamedArray>;
}

function positiveInteger(caller: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${caller}: ${name} must be an integer >= 1, got ${value}`);
}

/**
 * Throws `<caller>: …` unless the grid's arrays match its shape, the shape matches the
 * config's hours and variables, every mask entry is 0 or 1, and every measured value is finite.
 */
export function validateVaeGrid(caller: string, grid: HourlyGrid, config: EhrVaeConfig): void {
  if (!grid || !(grid.values instanceof Float32Array) || !(grid.mask instanceof Float32Array) || !Array.isArray(grid.shape)) {
    throw new Error(`${caller}: grid must be an HourlyGrid with Float32Array values and mask and a shape; build it with buildHourlyGrid`);
  }
  const [patients, hours, variables] = grid.shape;
  if (!Number.isInteger(patients) || patients < 1) {
    throw new Error(`${caller}: the grid has ${patients} patients; give it at least one`);
  }
  if (hours !== config.hours || variables !== config.variables) {
    throw new Error(
      `${caller}: grid shape [${grid.shape.join(', ')}] does not match the VAE config (hours ${config.hours}, variables ${config.variables}); ` +
        'use a grid of the same hours and variables or a matching config',
    );
  }
  const size = patients * hours * variables;
  if (grid.values.length !== size || grid.mask.length !== size) {
    throw new Error(
      `${caller}: grid shape [${grid.shape.join(', ')}] needs ${size} cells, but values has ${grid.values.length} and mask ${grid.mask.length}`,
    );
  }
  for (let cell = 0; cell < size; cell++) {
    const m = grid.mask[cell];
    if (m === 0) continue;
    const where = () => {
      const v = cell % variables;
      const h = Math.floor(cell / variables) % hours;
      const p = Math.floor(cell / (variables * hours));
      return `patient ${p}, hour ${h}, variable ${grid.variables?.[v] ?? v}`;
    };
    if (m !== 1) throw new Error(`${caller}: mask must contain only 0 and 1, got ${m} at ${where()}`);
    if (!Number.isFinite(grid.values[cell])) {
      throw new Error(`${caller}: measured normalised value is ${grid.values[cell]} at ${where()}; clean the grid before normalising`);
    }
  }
}

/** Copies the grid rows `rows` into [rows.length, hours, variables] buffers, with 0 in unmeasured cells. */
function fillBatch(grid: HourlyGrid, rows: ArrayLike<number>, values: Float32Array, mask: Float32Array): void {
  const stride = grid.shape[1] * grid.shape[2];
  for (let i = 0; i < rows.length; i++) {
    const source = rows[i] * stride;
    const target = i * stride;
    for (let c = 0; c < stride; c++) {
      const m = grid.mask[source + c];
      mask[target + c] = m;
      values[target + c] = m === 1 ? grid.values[source + c] : 0;
    }
  }
}

/** Throws `<caller>: …` unless the weights have every parameter of the config's network, with its shape. */
export function validateEhrVae(caller: string, vae: EhrVae): void {
  if (!vae || !(vae.params instanceof Map)) throw new Error(`${caller}: vae must be { config, params }, as loadEhrVae or trainEhrVae return`);
  validateEhrVaeConfig(vae.config, caller);
  for (const spec of vaeParamSpecs(vae.config)) {
    const value = vae.params.get(spec.name);
    if (!value || value.shape.join() !== spec.shape.join()) {
      throw new Error(
        `${caller}: parameter '${spec.name}' ${value ? `has shape [${value.shape.join(', ')}], expected [${spec.shape.join(', ')}]` : 'is missing'}; ` +
          'the weights do not match the config',
      );
    }
  }
}

function validateTrainingOptions(options: EhrVaeTrainingOptions): void {
  const caller = 'trainEhrVae';
  validateEhrVaeConfig(options.config, caller);
  validateVaeGrid(caller, options.grid, options.config);
  positiveInteger(caller, 'batchSize', options.batchSize);
  positiveInteger(caller, 'numSteps', options.numSteps);
  if (options.checkpointEvery !== undefined) positiveInteger(caller, 'checkpointEvery', options.checkpointEvery);
  if (options.logEvery !== undefined) positiveInteger(caller, 'logEvery', options.logEvery);
  const patients = options.grid.shape[0];
  if (options.batchSize > patients) {
    throw new Error(`${caller}: batchSize ${options.batchSize} exceeds the ${patients} patients of the grid; use a batchSize <= ${patients}`);
  }
  if (!(Number.isFinite(options.learningRate) && options.learningRate > 0)) {
    throw new Error(`${caller}: learningRate must be a positive number, got ${options.learningRate}`);
  }
  if (!(Number.isFinite(options.beta) && options.beta >= 0)) throw new Error(`${caller}: beta must be a finite number >= 0, got ${options.beta}`);
  if (!Number.isInteger(options.seed)) throw new Error(`${caller}: seed must be an integer, got ${options.seed}`);
  if (options.resume && !options.checkpointPath) throw new Error(`${caller}: resume needs a checkpointPath to resume from`);
}

function readCheckpoint(caller: string, filePath: string): Checkpoint {
  if (!fs.existsSync(filePath)) throw new Error(`${caller}: checkpoint not found: ${filePath}; check the path or train a VAE first`);
  const { tensors, metadata } = loadSafetensors(filePath);
  let state: CheckpointState | null = null;
  try {
    state = metadata.medsynth ? (JSON.parse(metadata.medsynth) as CheckpointState) : null;
  } catch (err) {
    throw new Error(`${caller}: ${filePath} has invalid medsynth metadata (${(err as Error).message}); restore the file from a copy or train again`);
  }
  if (!state || state.format !== CHECKPOINT_FORMAT) {
    throw new Error(`${caller}: ${filePath} is not an EHR VAE checkpoint (format ${state?.format ?? 'missing'}); give a file written by trainEhrVae`);
  }
  validateEhrVaeConfig(state.config, caller);

  const checkpoint: Checkpoint = { state, params: new Map(), adamFirstMoments: new Map(), adamSecondMoments: new Map() };
  for (const [fullName, value] of tensors) {
    for (const [group, prefix] of Object.entries(GROUPS) as [keyof typeof GROUPS, string][]) {
      if (fullName.startsWith(prefix)) checkpoint[group].set(fullName.slice(prefix.length), value);
    }
  }
  const groupsToCheck: (keyof typeof GROUPS)[] = state.adamStep > 0 ? ['params', 'adamFirstMoments', 'adamSecondMoments'] : ['params'];
  for (const spec of vaeParamSpecs(state.config)) {
    for (const group of groupsToCheck) {
      const saved = checkpoint[group].get(spec.name);
      if (!saved || saved.shape.join() !== spec.shape.join()) {
        throw new Error(
          `${caller}: ${filePath} does not match its own config (${GROUPS[group]}${spec.name} ` +
            `${saved ? `has shape [${saved.shape.join(', ')}], expected [${spec.shape.join(', ')}]` : 'is missing'}); restore the file from a copy or train again`,
        );
      }
    }
  }
  return checkpoint;
}

function checkResumeSettings(filePath: string, state: CheckpointState, options: EhrVaeTrainingOptions): void {
  const pairs: [string, unknown, unknown][] = [
    ['config', JSON.stringify(state.config), JSON.stringify(copyConfig(options.config))],
    ['seed', state.seed, options.seed],
    ['patients', state.patients, options.grid.shape[0]],
    ['batchSize', state.batchSize, options.batchSize],
    ['learningRate', state.learningRate, options.learningRate],
    ['beta', state.beta, options.beta],
  ];
  for (const [name, saved, given] of pairs) {
    if (saved !== given) {
      throw new Error(
        `trainEhrVae: checkpoint ${filePath} was trained with ${name} ${saved}, not ${given}; ` +
          'resume with the same settings and grid, or give a new checkpointPath',
      );
    }
  }
}

/** Copies the config's fields in a fixed order, so two configs compare equal as JSON. */
function copyConfig(config: EhrVaeConfig): EhrVaeConfig {
  const { hours, variables, latentDim, hiddenDim, numLayers } = config;
  return { hours, variables, latentDim, hiddenDim, numLayers };
}

function writeCheckpoint(filePath: string, state: CheckpointState, params: Map<string, tf.Tensor>, adam: Adam): void {
  const tensors = new Map<string, NamedArray>();
  const groups: [string, Map<string, tf.Tensor>][] = [
    [GROUPS.params, params],
    [GROUPS.adamFirstMoments, adam.firstMoments],
    [GROUPS.adamSecondMoments, adam.secondMoments],
  ];
  for (const [prefix, group] of groups) {
    for (const [name, value] of toNamedArrays(group)) tensors.set(prefix + name, value);
  }
  saveSafetensors(filePath, tensors, { medsynth: JSON.stringify(state) });
}

/**
 * Trains the VAE with Adam on vaeLoss and returns its weights, the completed steps and the
 * loss history. Throws `trainEhrVae: …` for invalid options, a checkpoint of other
 * settings, or a loss that becomes NaN or infinite.
 */
export function trainEhrVae(options: EhrVaeTrainingOptions): EhrVaeTrainingResult {
  validateTrainingOptions(options);
  const { grid, batchSize, numSteps, learningRate, beta, seed, checkpointPath, checkpointEvery, onProgress } = options;
  const config = copyConfig(options.config);
  const logEvery = options.logEvery ?? 10;
  const patients = grid.shape[0];
  const cellsPerPatient = config.hours * config.variables;

  const resumeFrom = options.resume && checkpointPath && fs.existsSync(checkpointPath) ? checkpointPath : null;
  if (options.resume && !resumeFrom) log.info(`trainEhrVae: no checkpoint at ${checkpointPath}; starting at step 0`);
  const checkpoint = resumeFrom ? readCheckpoint('trainEhrVae', resumeFrom) : null;
  if (checkpoint) checkResumeSettings(resumeFrom as string, checkpoint.state, options);

  const params = createParams(vaeParamSpecs(config), new Random(seed));
  const epsilonRng = new Random(seed + 1);
  const sampler = new EpochSampler(patients, batchSize, seed + 2);
  const adam = new Adam({ learningRate });
  let step = 0;
  let lossHistory: EhrVaeLossRecord[] = [];

  const state = (): CheckpointState => ({
    format: CHECKPOINT_FORMAT,
    version: 1,
    config,
    step,
    adamStep: adam.step,
    epsilonRng: epsilonRng.getState(),
    seed,
    patients,
    batchSize,
    learningRate,
    beta,
    lossHistory,
  });

  try {
    if (checkpoint) {
      for (const [name, variable] of params) {
        const saved = checkpoint.params.get(name) as NamedArray;
        tf.tidy(() => variable.assign(tf.tensor(saved.data, saved.shape, 'float32')));
      }
      for (const [name, saved] of checkpoint.adamFirstMoments) adam.firstMoments.set(name, tf.tensor(saved.data, saved.shape, 'float32'));
      for (const [name, saved] of checkpoint.adamSecondMoments) adam.secondMoments.set(name, tf.tensor(saved.data, saved.shape, 'float32'));
      adam.step = checkpoint.state.adamStep;
      epsilonRng.setState(checkpoint.state.epsilonRng);
      step = checkpoint.state.step;
      lossHistory = checkpoint.state.lossHistory ?? [];
      log.info(`trainEhrVae: resumed from ${resumeFrom} at step ${step}`);
      if (step >= numSteps) log.warn(`trainEhrVae: the checkpoint is already at step ${step} of ${numSteps}; nothing to train`);
    }

    const variables = Array.from(params.values());
    const valuesBuffer = new Float32Array(batchSize * cellsPerPatient);
    const maskBuffer = new Float32Array(batchSize * cellsPerPatient);
    const batchShape: [number, number, number] = [batchSize, config.hours, config.variables];
    let stepsRun = 0;
    let lastTime = Date.now();
    let smoothedMs = 0;

    while (step < numSteps) {
      // 1. Batch in seeded epoch order, then ε ~ N(0, I) for the reparameterisation.
      fillBatch(grid, sampler.batch(step), valuesBuffer, maskBuffer);
      const epsilonValues = epsilonRng.normalArray(batchSize * config.latentDim);

      // 2. Loss, its terms and gradients. The terms are kept past the gradient's own tidy.
      const holder: { terms?: tf.Tensor1D } = {};
      const { value, grads } = tf.tidy(() => {
        const values = tf.tensor3d(valuesBuffer, batchShape, 'float32');
        const mask = tf.tensor3d(maskBuffer, batchShape, 'float32');
        const epsilon = tf.tensor2d(epsilonValues, [batchSize, config.latentDim], 'float32');
        return tf.variableGrads(() => {
          const terms = vaeLoss({ config, params, values, mask, epsilon, beta });
          holder.terms = tf.keep(tf.stack([terms.total, terms.valueMse, terms.maskBce, terms.kl]) as tf.Tensor1D);
          return terms.total;
        }, variables);
      });
      const [loss, valueMse, maskBce, kl] = Array.from((holder.terms as tf.Tensor1D).dataSync());
      tf.dispose([value, holder.terms as tf.Tensor1D]);
      if (!Number.isFinite(loss)) {
        tf.dispose(grads);
        throw new Error(
          `trainEhrVae: loss became ${loss} at step ${step + 1} (value MSE ${valueMse}, mask BCE ${maskBce}, KL ${kl}); ` +
            `lower the learningRate (${learningRate}) and resume from the last checkpoint`,
        );
      }

      // 3. Adam update.
      adam.applyVariableGrads(params, grads);

      step += 1;
      stepsRun += 1;
      if (step % logEvery === 0 || step === 1) lossHistory.push({ step, loss, valueMse, maskBce, kl });
      const now = Date.now();
      smoothedMs = smoothedMs === 0 ? now - lastTime : 0.9 * smoothedMs + 0.1 * (now - lastTime);
      lastTime = now;
      onProgress?.({ step, total: numSteps, loss, msPerStep: smoothedMs });
      if (checkpointPath && checkpointEvery && step % checkpointEvery === 0) writeCheckpoint(checkpointPath, state(), params, adam);
    }
    if (checkpointPath && stepsRun > 0 && !(checkpointEvery && step % checkpointEvery === 0)) writeCheckpoint(checkpointPath, state(), params, adam);
  } catch (err) {
    disposeParams(params);
    adam.dispose();
    throw err;
  }
  adam.dispose();
  return { config, params, step, lossHistory };
}

/** Loads the config and weights of a checkpoint written by trainEhrVae. The caller disposes the weights. */
export function loadEhrVae(checkpointPath: string): EhrVae {
  if (typeof checkpointPath !== 'string' || checkpointPath === '') {
    throw new Error(`loadEhrVae: checkpointPath must be a file path, got ${String(checkpointPath)}`);
  }
  const checkpoint = readCheckpoint('loadEhrVae', checkpointPath);
  const params = new Map<string, tf.Tensor>();
  for (const spec of vaeParamSpecs(checkpoint.state.config)) {
    const saved = checkpoint.params.get(spec.name) as NamedArray;
    params.set(spec.name, tf.tensor(saved.data, saved.shape, 'float32'));
  }
  return { config: checkpoint.state.config, params };
}

/**
 * Encodes every patient of a normalised grid to its posterior mean, batchSize patients at
 * a time. Returns a Float32Array [patients, latentDim].
 */
export function encodeGrid(vae: EhrVae, grid: HourlyGrid, batchSize = 256): Float32Array {
  validateEhrVae('encodeGrid', vae);
  validateVaeGrid('encodeGrid', grid, vae.config);
  positiveInteger('encodeGrid', 'batchSize', batchSize);
  const { hours, variables, latentDim } = vae.config;
  const patients = grid.shape[0];
  const out = new Float32Array(patients * latentDim);

  for (let start = 0; start < patients; start += batchSize) {
    const size = Math.min(batchSize, patients - start);
    const rows = Int32Array.from({ length: size }, (_, i) => start + i);
    const valuesBuffer = new Float32Array(size * hours * variables);
    const maskBuffer = new Float32Array(size * hours * variables);
    fillBatch(grid, rows, valuesBuffer, maskBuffer);
    const mean = tf.tidy(() => {
      const values = tf.tensor3d(valuesBuffer, [size, hours, variables], 'float32');
      const mask = tf.tensor3d(maskBuffer, [size, hours, variables], 'float32');
      return vaeEncode(vae.config, vae.params, values, mask).mean;
    });
    out.set(mean.dataSync(), start * latentDim);
    mean.dispose();
  }
  return out;
}

/**
 * Decodes `count` latents (a Float32Array [count, latentDim]) batchSize at a time. Returns
 * normalised `values` and the probability that each cell is measured, `maskProbability`,
 * both Float32Array [count, hours, variables]. The caller thresholds the probability.
 */
export function decodeLatents(vae: EhrVae, latents: Float32Array, count: number, batchSize = 256): { values: Float32Array; maskProbability: Float32Array } {
  validateEhrVae('decodeLatents', vae);
  positiveInteger('decodeLatents', 'count', count);
  positiveInteger('decodeLatents', 'batchSize', batchSize);
  const { hours, variables, latentDim } = vae.config;
  if (!(latents instanceof Float32Array) || latents.length !== count * latentDim) {
    throw new Error(
      `decodeLatents: latents must be a Float32Array of count × latentDim = ${count} × ${latentDim} = ${count * latentDim} numbers, ` +
        `got ${latents instanceof Float32Array ? latents.length : String(latents)}`,
    );
  }
  const nonFinite = latents.findIndex((x) => !Number.isFinite(x));
  if (nonFinite >= 0) {
    throw new Error(`decodeLatents: latent ${Math.floor(nonFinite / latentDim)} has the value ${latents[nonFinite]} at dimension ${nonFinite % latentDim}; latents must be finite`);
  }

  const cells = hours * variables;
  const values = new Float32Array(count * cells);
  const maskProbability = new Float32Array(count * cells);
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    const decoded = tf.tidy(() => {
      const z = tf.tensor2d(latents.subarray(start * latentDim, (start + size) * latentDim), [size, latentDim], 'float32');
      const output = vaeDecode(vae.config, vae.params, z);
      return { values: output.values, probability: tf.sigmoid(output.maskLogits) };
    });
    values.set(decoded.values.dataSync(), start * cells);
    maskProbability.set(decoded.probability.dataSync(), start * cells);
    tf.dispose(decoded);
  }
  return { values, maskProbability };
}
