/**
 * The dataset registry (`datasets/registry.json` in the project root) and the one
 * entry point that loads an image dataset by registered name, `.npz` path or PNG folder.
 */
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { makeDemoDataset } from './demo';
import { ImageDataset } from './image-dataset';
import { loadMedMnist } from './medmnist';
import { makeChestPhantomDataset } from './phantom';
import { loadPngFolder } from './png-folder';

/** How a registered dataset is obtained: a MedMNIST `.npz` file, or a built-in generator. */
export const DATASET_KINDS = ['medmnist-npz', 'generated'] as const;

/** The built-in generators of the registered `generated` datasets, by name. */
const GENERATORS: Record<string, (seed: number | undefined) => ImageDataset> = {
  demo: (seed) => makeDemoDataset({ seed }),
  'chest-phantom': (seed) => makeChestPhantomDataset({ seed }),
};

const datasetEntrySchema = z.object({
  title: z.string(),
  kind: z.enum(DATASET_KINDS),
  modality: z.string(),
  classNames: z.array(z.string()).min(1),
  license: z.string().optional(),
  citation: z.string().optional(),
  /** Paths relative to the project root, tried in order. */
  localCandidates: z.array(z.string()),
  download: z.object({ url: z.string(), md5: z.string().regex(/^[0-9a-f]{32}$/), note: z.string().optional() }).optional(),
});

const registrySchema = z.object({
  description: z.string().optional(),
  datasets: z.record(datasetEntrySchema),
});

/** One registry entry and its name. */
export type DatasetInfo = z.infer<typeof datasetEntrySchema> & { name: string };

export interface RegistryOptions {
  /** Folder containing the medsynth package.json; found from this file's location by default. */
  projectRoot?: string;
}

export interface LoadImageDatasetOptions extends RegistryOptions {
  /** Seed of a generated set, `demo` or `chest-phantom` (default 0); unused by other datasets. */
  seed?: number;
  /**
   * File to read for a registered MedMNIST dataset instead of its `localCandidates`; the
   * registry's class names, licence and citation still apply. Not allowed for generated sets.
   */
  path?: string;
}

/** Returns every registered dataset, sorted by name. */
export function listDatasets(options: RegistryOptions = {}): DatasetInfo[] {
  const registry = readRegistry(options.projectRoot ?? findProjectRoot('listDatasets'), 'listDatasets');
  return Object.keys(registry)
    .sort()
    .map((name) => ({ name, ...registry[name] }));
}

/** Returns the registry entry for `name`; throws listing the known names when it is unknown. */
export function getDatasetInfo(name: string, options: RegistryOptions = {}): DatasetInfo {
  const registry = readRegistry(options.projectRoot ?? findProjectRoot('getDatasetInfo'), 'getDatasetInfo');
  if (!Object.prototype.hasOwnProperty.call(registry, name)) {
    throw new Error(
      `getDatasetInfo: unknown dataset ${JSON.stringify(name)}; known datasets: ${Object.keys(registry).sort().join(', ')}. ` +
        'loadImageDataset also accepts a path to a .npz file or to a folder of PNG images.',
    );
  }
  return { name, ...registry[name] };
}

/**
 * Loads an image dataset by registered name, `.npz` path or folder path.
 *
 * - Registered name: `demo` and `chest-phantom` are generated from `seed`. A MedMNIST
 *   set is read from the first of its `localCandidates` that exists. Nothing is
 *   downloaded.
 * - Path ending in `.npz`: a MedMNIST file, with class names '0', '1', ….
 * - Path to a folder: PNG images in one folder per class (see loadPngFolder).
 *
 * Relative paths are resolved against the current working directory.
 */
export function loadImageDataset(nameOrPath: string, options: LoadImageDatasetOptions = {}): ImageDataset {
  if (typeof nameOrPath !== 'string' || nameOrPath.trim() === '') {
    throw new Error(`loadImageDataset: \`nameOrPath\` must be a dataset name or a path, got ${JSON.stringify(nameOrPath)}`);
  }
  const projectRoot = options.projectRoot ?? findProjectRoot('loadImageDataset');
  const registry = readRegistry(projectRoot, 'loadImageDataset');

  if (Object.prototype.hasOwnProperty.call(registry, nameOrPath)) {
    return loadRegistered({ name: nameOrPath, ...registry[nameOrPath] }, projectRoot, options.seed, options.path);
  }
  if (options.path !== undefined) {
    throw new Error(`loadImageDataset: \`path\` applies to a registered dataset name, but ${JSON.stringify(nameOrPath)} is not one; pass the file as the dataset itself`);
  }
  if (/\.npz$/i.test(nameOrPath)) return loadMedMnist(nameOrPath);
  if (fs.existsSync(nameOrPath) && fs.statSync(nameOrPath).isDirectory()) return loadPngFolder(nameOrPath);

  throw new Error(
    `loadImageDataset: ${JSON.stringify(nameOrPath)} is not a registered dataset (${Object.keys(registry).sort().join(', ')}), ` +
      `a path ending in .npz, or an existing folder (resolved: ${path.resolve(nameOrPath)}); check the name or the path`,
  );
}

function loadRegistered(info: DatasetInfo, projectRoot: string, seed: number | undefined, filePath: string | undefined): ImageDataset {
  if (info.kind === 'generated' && filePath !== undefined) {
    throw new Error(`loadImageDataset: '${info.name}' is generated at run time, so \`path\` (${filePath}) does not apply; remove it`);
  }
  if (info.kind === 'generated') {
    if (!Object.prototype.hasOwnProperty.call(GENERATORS, info.name)) {
      throw new Error(
        `loadImageDataset: no generator for registered dataset '${info.name}'; generators exist for ${Object.keys(GENERATORS).join(', ')}`,
      );
    }
    return GENERATORS[info.name](seed);
  }

  if (filePath !== undefined && !fs.existsSync(filePath)) {
    throw new Error(`loadImageDataset: the file given for '${info.name}', ${path.resolve(filePath)}, does not exist; check the path`);
  }
  const candidates = info.localCandidates.map((candidate) => path.resolve(projectRoot, candidate));
  const found = filePath !== undefined ? path.resolve(filePath) : candidates.find((candidate) => fs.existsSync(candidate));
  if (found === undefined) {
    const download = info.download
      ? `; download ${info.download.url} by hand (md5 ${info.download.md5}) and save it as ${candidates[candidates.length - 1]}`
      : '';
    throw new Error(
      `loadImageDataset: no local copy of '${info.name}'; looked for ${candidates.join(', ')}${download}`,
    );
  }

  const dataset = loadMedMnist(found, { name: info.name, classNames: info.classNames });
  return { ...dataset, license: info.license, citation: info.citation };
}

/** Reads and checks `datasets/registry.json`; returns its entries by name. `caller` starts error messages. */
function readRegistry(projectRoot: string, caller: string): Record<string, z.infer<typeof datasetEntrySchema>> {
  const registryPath = path.join(projectRoot, 'datasets', 'registry.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(registryPath, 'utf8'));
  } catch (err) {
    throw new Error(`${caller}: dataset registry ${registryPath} cannot be read: ${(err as Error).message}`);
  }
  const result = registrySchema.safeParse(parsed);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`${caller}: dataset registry ${registryPath} is invalid: ${issues}`);
  }
  return result.data.datasets;
}

/**
 * Finds the project root: the nearest folder at or above this file whose package.json
 * is named "medsynth". This works from kernel-lib/data (ts-node, tslab) and from the
 * compiled dist/kernel-lib/data alike.
 */
export function findProjectRoot(caller: string): string {
  let folder = __dirname;
  for (;;) {
    const packagePath = path.join(folder, 'package.json');
    if (fs.existsSync(packagePath)) {
      try {
        if (JSON.parse(fs.readFileSync(packagePath, 'utf8')).name === 'medsynth') return folder;
      } catch {
        // An unreadable package.json belongs to some other package; keep walking up.
      }
    }
    const parent = path.dirname(folder);
    if (parent === folder) {
      throw new Error(`${caller}: no medsynth package.json found above ${__dirname}; pass \`projectRoot\``);
    }
    folder = parent;
  }
}
