import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { Params, disposeParams } from '../nets/params';
import { NamedArray, loadSafetensors, saveSafetensors } from '../train/safetensors';
import { writeFileAtomic } from '../util/atomic-write';
import { l2NormalizeRows } from './clip-loss';
import { ImageEncoderConfig, ResolvedImageEncoderConfig, imageEncoderForward, imageEncoderParamSpecs, validateImageEncoderConfig } from './image-encoder';
import { ResolvedTextEncoderConfig, TextEncoderConfig, textEncoderForward, textEncoderParamSpecs, validateTextEncoderConfig } from './text-encoder';
import { Tokenizer, TokenizerJson, tokenizeTexts } from './tokenizer';

/** A trained image–text model: both encoders, the learned temperature and the tokenizer. */
export interface ClipModel {
  textConfig: ResolvedTextEncoderConfig;
  imageConfig: ResolvedImageEncoderConfig;
  /** Image size the model was trained on, in pixels. */
  height: number;
  width: number;
  textParams: Params;
  imageParams: Params;
  /** ln of the logit scale, the inverse temperature of the similarity logits. */
  logitScale: number;
  /** Needed by `embedTexts`; null when the model was trained on token ids alone. */
  tokenizer: Tokenizer | null;
}

/** Rows per forward pass in `embedImages` and `embedTexts`. */
export const EMBEDDING_BATCH_SIZE = 64;

const WEIGHTS_FILE = 'clip-model.safetensors';
const TOKENIZER_FILE = 'tokenizer.json';
const TEXT_PREFIX = 'text.';
const IMAGE_PREFIX = 'image.';

/** Scales 8-bit pixels to [−1, 1], the input range of the image encoder. */
export function pixelsToUnitRange(pixels: Uint8Array, offset: number, length: number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = pixels[offset + i] / 127.5 - 1;
  return out;
}

/**
 * Embeds `count` images, pixels uint8 [count, height, width] at the model's size, into
 * L2-normalised rows [count, outputDim], EMBEDDING_BATCH_SIZE images per forward pass.
 */
export function embedImages(model: ClipModel, images: Uint8Array, count: number): Float32Array {
  const { height, width } = model;
  const pixels = height * width;
  if (!Number.isInteger(count) || count < 0 || images.length !== count * pixels) {
    throw new Error(`embedImages: expected ${count} images of ${height}×${width} (${count * pixels} bytes), got ${images.length} bytes; resize the images to the model's size`);
  }
  const dim = model.imageConfig.outputDim;
  const out = new Float32Array(count * dim);
  for (let start = 0; start < count; start += EMBEDDING_BATCH_SIZE) {
    const size = Math.min(EMBEDDING_BATCH_SIZE, count - start);
    const values = tf.tidy(() => {
      const x = tf.tensor4d(pixelsToUnitRange(images, start * pixels, size * pixels), [size, height, width, 1]);
      return l2NormalizeRows(imageEncoderForward(model.imageConfig, model.imageParams, x)).dataSync();
    });
    out.set(values, start * dim);
  }
  return out;
}

/** Embeds token ids int32 [count, maxLength] into L2-normalised rows [count, outputDim]. */
export function embedTokenIds(model: ClipModel, ids: Int32Array, count: number): Float32Array {
  const { maxLength, outputDim: dim } = model.textConfig;
  if (ids.length !== count * maxLength) {
    throw new Error(`embedTokenIds: expected ${count} rows of ${maxLength} token ids (${count * maxLength}), got ${ids.length}; encode with the model's maxLength`);
  }
  const out = new Float32Array(count * dim);
  for (let start = 0; start < count; start += EMBEDDING_BATCH_SIZE) {
    const size = Math.min(EMBEDDING_BATCH_SIZE, count - start);
    const values = tf.tidy(() => {
      const batch = tf.tensor2d(ids.subarray(start * maxLength, (start + size) * maxLength), [size, maxLength], 'int32');
      return l2NormalizeRows(textEncoderForward(model.textConfig, model.textParams, batch)).dataSync();
    });
    out.set(values, start * dim);
  }
  return out;
}

/**
 * Tokenizes `texts` with the model's tokenizer and embeds them into L2-normalised rows
 * [texts.length, outputDim]. Throws for an empty text and warns once per call about
 * truncated texts or unknown characters.
 */
export function embedTexts(model: ClipModel, texts: string[]): Float32Array {
  if (!model.tokenizer) throw new Error('embedTexts: this model has no tokenizer; train it with one or use embedTokenIds');
  const batch = tokenizeTexts(model.tokenizer, texts, model.textConfig.maxLength, 'embedTexts');
  return embedTokenIds(model, batch.ids, batch.count);
}

/** Frees the model's weights. */
export function disposeClipModel(model: ClipModel): void {
  disposeParams(model.textParams);
  disposeParams(model.imageParams);
}

/**
 * Writes the model to `dir`: the weights and configurations as one safetensors file and the
 * tokenizer as JSON. A tokenizer trained on licensed reports carries their vocabulary, so
 * save such models in a run directory outside the repository.
 */
export function saveClipModel(dir: string, model: ClipModel): void {
  const tensors = new Map<string, NamedArray>();
  for (const [prefix, params] of [[TEXT_PREFIX, model.textParams], [IMAGE_PREFIX, model.imageParams]] as const) {
    for (const [name, value] of params) tensors.set(prefix + name, { shape: value.shape.slice(), data: value.dataSync() as Float32Array });
  }
  const state = {
    format: 'medsynth-clip-model',
    version: 1,
    textConfig: model.textConfig,
    imageConfig: model.imageConfig,
    height: model.height,
    width: model.width,
    logitScale: model.logitScale,
  };
  saveSafetensors(path.join(dir, WEIGHTS_FILE), tensors, { medsynth: JSON.stringify(state) });
  const tokenizerPath = path.join(dir, TOKENIZER_FILE);
  if (model.tokenizer) writeFileAtomic(tokenizerPath, JSON.stringify(model.tokenizer.toJSON()));
  else if (fs.existsSync(tokenizerPath)) fs.unlinkSync(tokenizerPath);
}

/** Reads a model written by `saveClipModel`; its weights are new tensors that the caller disposes. */
export function loadClipModel(dir: string): ClipModel {
  const weightsPath = path.join(dir, WEIGHTS_FILE);
  const { tensors, metadata } = loadSafetensors(weightsPath);
  const state = metadata.medsynth ? JSON.parse(metadata.medsynth) : null;
  if (state?.format !== 'medsynth-clip-model') {
    throw new Error(`loadClipModel: ${weightsPath} is not a medsynth CLIP model (no 'medsynth-clip-model' metadata); save it with saveClipModel`);
  }
  const textConfig = validateTextEncoderConfig(state.textConfig as TextEncoderConfig);
  const imageConfig = validateImageEncoderConfig(state.imageConfig as ImageEncoderConfig);
  const textParams = readParams(tensors, TEXT_PREFIX, textEncoderParamSpecs(textConfig), weightsPath);
  const imageParams = readParams(tensors, IMAGE_PREFIX, imageEncoderParamSpecs(imageConfig), weightsPath);
  const tokenizerPath = path.join(dir, TOKENIZER_FILE);
  const tokenizer = fs.existsSync(tokenizerPath) ? Tokenizer.fromJSON(JSON.parse(fs.readFileSync(tokenizerPath, 'utf8')) as TokenizerJson) : null;
  return { textConfig, imageConfig, height: state.height, width: state.width, textParams, imageParams, logitScale: state.logitScale, tokenizer };
}

/** Creates a tensor for each spec from `tensors[prefix + name]`, checking every shape. */
function readParams(tensors: Map<string, NamedArray>, prefix: string, specs: { name: string; shape: number[] }[], source: string): Params {
  const params: Params = new Map();
  for (const spec of specs) {
    const saved = tensors.get(prefix + spec.name);
    if (!saved || saved.shape.join() !== spec.shape.join()) {
      disposeParams(params);
      throw new Error(
        `loadClipModel: ${source} does not match its configuration (parameter '${prefix + spec.name}' ` +
          `${saved ? `has shape [${saved.shape}], expected [${spec.shape}]` : 'is missing'}); the file is damaged or was edited`,
      );
    }
    params.set(spec.name, tf.tensor(saved.data, saved.shape, 'float32'));
  }
  return params;
}
