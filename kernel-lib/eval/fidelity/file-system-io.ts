/**
 * TensorFlow.js model IO from the local file system, for `tf.loadLayersModel`,
 * `tf.loadGraphModel` and `model.save`. @tensorflow/tfjs-node, which registers `file://` URLs
 * itself, is not a dependency of medsynth, so this handler reads and writes with `fs`.
 *
 * A model is a `model.json` (topology and a weights manifest) plus the binary weight files that
 * its manifest lists, with paths relative to the JSON file.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../../util/atomic-write';

/**
 * Resolves a model location: a `file://` URL or a path, to a JSON file or to a folder that
 * contains `model.json`.
 */
export function resolveModelJsonPath(location: string): string {
  if (typeof location !== 'string' || location.trim() === '') {
    throw new Error(`resolveModelJsonPath: \`location\` must be a path or file:// URL of a model.json, got ${JSON.stringify(location)}`);
  }
  const filePath = path.resolve(location.startsWith('file://') ? location.slice('file://'.length) : location);
  if (fs.existsSync(filePath) && fs.statSync(filePath).isDirectory()) return path.join(filePath, 'model.json');
  return filePath;
}

function readJson(filePath: string): tf.io.ModelJSON {
  if (!fs.existsSync(filePath)) {
    throw new Error(`fileSystemIOHandler: model file not found: ${filePath}; pass the model.json of a TF.js layers or graph model`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(filePath, 'utf8'));
  } catch (err) {
    throw new Error(`fileSystemIOHandler: ${filePath} is not valid JSON (${(err as Error).message}); pass the model.json of a TF.js model`);
  }
  const json = parsed as Partial<tf.io.ModelJSON> | null;
  if (json === null || typeof json !== 'object' || json.modelTopology === undefined) {
    throw new Error(`fileSystemIOHandler: ${filePath} has no \`modelTopology\`; it is not a TF.js model.json (convert the model with tensorflowjs_converter)`);
  }
  return json as tf.io.ModelJSON;
}

/** Reads every weight file that `manifest` lists, relative to `folder`, into one buffer. */
function readWeights(folder: string, manifest: tf.io.WeightsManifestConfig): [tf.io.WeightsManifestEntry[], ArrayBuffer] {
  const buffers: ArrayBuffer[] = [];
  for (const group of manifest) {
    for (const relativePath of group.paths) {
      const weightPath = path.join(folder, relativePath);
      if (!fs.existsSync(weightPath)) {
        throw new Error(`fileSystemIOHandler: weight file ${weightPath} listed in the model's weightsManifest is missing; copy it beside model.json`);
      }
      const bytes = fs.readFileSync(weightPath);
      buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    }
  }
  return [tf.io.getWeightSpecs(manifest), tf.io.CompositeArrayBuffer.join(buffers)];
}

/**
 * Returns an IO handler that loads a model from, or saves one to, `location` (a path or
 * `file://` URL of a model.json, or a folder containing model.json). Saving writes the JSON and
 * one weight file `<name>.weights.bin` beside it, each atomically.
 */
export function fileSystemIOHandler(location: string): tf.io.IOHandler {
  const jsonPath = resolveModelJsonPath(location);
  const folder = path.dirname(jsonPath);
  return {
    load: async () => {
      const modelJson = readJson(jsonPath);
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => readWeights(folder, manifest));
    },
    save: async (artifacts) => {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error('fileSystemIOHandler: saving a binary (protobuf) topology is not supported; save a layers model or a JSON graph');
      }
      const weightsFile = `${path.basename(jsonPath, '.json')}.weights.bin`;
      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson: Record<string, unknown> = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [weightsFile], weights: artifacts.weightSpecs ?? [] }],
      };
      for (const key of ['trainingConfig', 'signature', 'userDefinedMetadata', 'modelInitializer'] as const) {
        if (artifacts[key] !== undefined) modelJson[key] = artifacts[key];
      }
      writeFileAtomic(path.join(folder, weightsFile), new Uint8Array(weightData));
      writeFileAtomic(jsonPath, JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}
