import { makeDirectory } from '../util/make-directory';
import * as path from 'path';
import { selectBackend } from '../backend/select';
import { generateImages, loadImageDiffusionModel } from '../pipelines/image-diffusion';
import { syntheticPngText, tileImages, toUint8, writeGrayPng } from '../io/png';
import { writeJsonAtomic } from '../util/atomic-write';
import { OptionSpec, formatHelp, parseOptions } from './args';
import { createProgressBar } from './progress';

export const SAMPLE_OPTIONS: Record<string, OptionSpec> = {
  model: { type: 'string', required: true, description: "model directory written by 'medsynth train-diffusion'" },
  class: { type: 'string', required: true, description: 'class name to generate (see model.json classNames)' },
  n: { type: 'number', default: 16, description: 'number of images' },
  guidance: { type: 'number', default: 3, description: 'classifier-free guidance scale (0 unconditional, 1 conditional)' },
  'guidance-interval': {
    type: 'string',
    description: 'training timesteps first,last where guidance applies, e.g. 82,579; other steps skip the null rows (default every timestep)',
  },
  sampler: { type: 'string', default: 'ddim', description: 'ddim, ddpm or dpmsolver++' },
  steps: { type: 'number', default: 50, description: 'sampling steps' },
  eta: { type: 'number', default: 0, description: 'DDIM eta (0 deterministic)' },
  spacing: { type: 'string', description: 'timestep spacing: leading, trailing or linspace (default leading)' },
  seed: { type: 'number', default: 0, description: 'seed of the initial noise' },
  'batch-size': { type: 'number', default: 32, description: 'images per network call' },
  out: { type: 'string', required: true, description: 'output directory for PNGs, grid and manifest' },
  backend: { type: 'string', description: 'auto, node-gpu, node, wasm or cpu (default: MEDSYNTH_BACKEND or auto)' },
  help: { type: 'boolean', description: 'show this help' },
};

const SUMMARY = 'Generates synthetic images of one class; every file is marked as synthetic in its name and PNG metadata.';

export async function sampleCommand(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log(formatHelp('sample', SUMMARY, SAMPLE_OPTIONS));
    return;
  }
  const o = parseOptions('sample', argv, SAMPLE_OPTIONS);
  if ((o.guidance as number) < 0) throw new Error(`sample: --guidance must be >= 0, got ${o.guidance}`);
  const guidanceInterval = parseGuidanceInterval(o['guidance-interval'] as string | undefined);
  const backend = await selectBackend({ backend: o.backend as string | undefined });
  const modelDir = path.resolve(o.model as string);
  const loaded = loadImageDiffusionModel(modelDir);
  try {
    const { classNames, image } = loaded.model;
    const className = o.class as string;
    const classIndex = classNames.indexOf(className);
    if (classIndex < 0) throw new Error(`sample: unknown class '${className}'; this model has ${classNames.map((c) => `'${c}'`).join(', ')}`);
    const count = o.n as number;
    const steps = o.steps as number;
    const batchSize = o['batch-size'] as number;
    // Progress counts image-steps: a batch of n images at step k has done n·k of them.
    const bar = createProgressBar('sample', count * steps, 'image-steps');
    const started = Date.now();
    const pixels = generateImages(loaded, {
      classIndex,
      count,
      guidanceScale: o.guidance as number,
      guidanceInterval,
      sampler: o.sampler as string,
      numInferenceSteps: steps,
      seed: o.seed as number,
      eta: o.eta as number,
      timestepSpacing: o.spacing as string | undefined,
      batchSize,
      onProgress: (p) => {
        const inBatch = Math.min(batchSize, count - p.done);
        bar.update(p.done * steps + p.step * inBatch, `${Math.round(p.msPerStep)} ms/step`);
      },
    });
    bar.update(count * steps, 'done');
    bar.stop();
    const seconds = (Date.now() - started) / 1000;

    const outDir = path.resolve(o.out as string);
    makeDirectory(outDir);
    const bytes = toUint8(pixels);
    const safeClass = className.replace(/[^A-Za-z0-9_-]+/g, '-');
    const details = {
      Class: className,
      Model: modelDir,
      Sampler: `${o.sampler} ${steps} steps, guidance ${o.guidance}, eta ${o.eta}`,
      Seed: String(o.seed),
    };
    const files: string[] = [];
    const size = image.height * image.width;
    for (let i = 0; i < count; i++) {
      const name = `synthetic_${safeClass}_seed${o.seed}_${String(i).padStart(4, '0')}.png`;
      writeGrayPng(path.join(outDir, name), bytes.subarray(i * size, (i + 1) * size), image.width, image.height, syntheticPngText({ ...details, Index: String(i) }));
      files.push(name);
    }
    const columns = Math.ceil(Math.sqrt(count));
    const grid = tileImages(bytes, count, image.height, image.width, columns);
    const gridName = `synthetic_grid_${safeClass}_seed${o.seed}.png`;
    writeGrayPng(path.join(outDir, gridName), grid.pixels, grid.width, grid.height, syntheticPngText(details));
    writeJsonAtomic(path.join(outDir, `synthetic_manifest_${safeClass}_seed${o.seed}.json`), {
      synthetic: true,
      note: 'Synthetic images generated by a diffusion model; not real patient data.',
      model: modelDir,
      dataset: loaded.model.dataset,
      class: className,
      count,
      guidanceScale: o.guidance,
      guidanceInterval: guidanceInterval ?? null,
      sampler: o.sampler,
      numInferenceSteps: steps,
      eta: o.eta,
      seed: o.seed,
      backend: backend.name,
      seconds,
      files,
      grid: gridName,
    });
    console.log(`wrote ${count} synthetic '${className}' images and ${gridName} to ${outDir} in ${seconds.toFixed(1)} s (${((1000 * seconds) / count).toFixed(0)} ms/image)`);
  } finally {
    loaded.dispose();
  }
}

/** Parses `--guidance-interval first,last` into training timesteps; undefined when the option is absent. */
function parseGuidanceInterval(text: string | undefined): [number, number] | undefined {
  if (text === undefined) return undefined;
  const bounds = text.split(',').map((part) => Number(part.trim()));
  if (bounds.length !== 2 || !bounds.every((t) => Number.isInteger(t) && t >= 0) || bounds[0] > bounds[1]) {
    throw new Error(`sample: --guidance-interval must be two training timesteps first,last with 0 <= first <= last, e.g. 82,579, got '${text}'`);
  }
  return [bounds[0], bounds[1]];
}
