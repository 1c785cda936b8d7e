/**
 * Reads one image input of the release gate, a `.npz` archive or a PNG folder, into grayscale
 * pixels scaled to [0, 1].
 *
 * `.npz`: the array `images` (the layout of image runs' `synthetic/synthetic_seed<seed>.npz`),
 * or for a real input the MedMNIST array `<split>_images`. Images are `[count, height, width]`
 * or `[count, height, width, 1]`. uint8 is divided by 255, uint16 by 65535, and float32 or
 * float64 must already lie in [0, 1]. An optional `synthetic` array flags each image (1 =
 * synthetic), as image runs write it.
 *
 * PNG folder: class folders (optionally under train/val/test) are read by loadPngFolder as 8-bit
 * grayscale. A flat folder, as `medsynth sample` writes, is read file by file with readGrayPng
 * (8 or 16 bits), and `synthetic_grid_*` tiles are skipped.
 */
import * as fs from 'fs';
import * as path from 'path';
import { listSubfolders } from '../data/class-folders';
import { ImageSplit, SPLIT_NAMES, SplitName } from '../data/image-dataset';
import { NpyArray } from '../data/npy';
import { loadNpz } from '../data/npz';
import { loadPngFolder } from '../data/png-folder';
import { readGrayPng } from '../io/png16';
import { LocatedInput, ROLE_LABELS, ReleaseRole, listPngFiles } from './release-inputs';

export interface ImageInput {
  role: ReleaseRole;
  source: string;
  format: 'npz' | 'png-folder';
  /** Pixels in [0, 1], `[count, height × width]` row-major (NaN passed through for the record checks). */
  pixels: Float64Array;
  count: number;
  height: number;
  width: number;
  /** Mapping from the stored values to [0, 1], in words. */
  scaling: string;
  /** Split read from a multi-split source, or null when the source has one set of images. */
  split: SplitName | null;
}

type ImageLocation = Extract<LocatedInput, { modality: 'images' }>;

/** Scales stored pixel values to [0, 1] and returns them with the rule in words. */
function scaleNpyImages(caller: string, label: string, source: string, array: NpyArray): { pixels: Float64Array; scaling: string } {
  const data = array.data;
  const pixels = new Float64Array(data.length);
  if (array.dtype === 'uint8' || array.dtype === 'uint16') {
    const maximum = array.dtype === 'uint8' ? 255 : 65535;
    for (let i = 0; i < data.length; i++) pixels[i] = data[i] / maximum;
    return { pixels, scaling: `${array.dtype} values / ${maximum}` };
  }
  if (array.dtype === 'float32' || array.dtype === 'float64') {
    for (let i = 0; i < data.length; i++) {
      const value = data[i];
      if (Number.isFinite(value) && !(value >= 0 && value <= 1)) {
        throw new Error(
          `${caller}: ${label} ${source} has ${array.dtype} pixel ${value} at index ${i}, outside [0, 1]; ` +
            'store images as uint8 (0-255) or as floats scaled to [0, 1]',
        );
      }
      pixels[i] = value;
    }
    return { pixels, scaling: `${array.dtype} values already in [0, 1]` };
  }
  throw new Error(`${caller}: ${label} ${source} stores images as ${array.dtype}; store them as uint8, uint16, float32 or float64`);
}

/** Throws unless `synthetic` flags match the role: all 1 for the synthetic input, all 0 for a real one. */
function checkSyntheticArray(caller: string, role: ReleaseRole, source: string, flags: NpyArray | undefined, count: number): void {
  if (flags === undefined) return;
  const label = ROLE_LABELS[role];
  if (flags.data.length !== count) {
    throw new Error(`${caller}: ${label} ${source} has ${flags.data.length} synthetic flags for ${count} images; write one flag per image`);
  }
  const wanted = role === 'synthetic' ? 1 : 0;
  const wrong = Array.from(flags.data).findIndex((flag) => flag !== wanted);
  if (wrong < 0) return;
  throw new Error(
    role === 'synthetic'
      ? `${caller}: ${label} ${source} flags image ${wrong} as not synthetic (synthetic[${wrong}] = ${flags.data[wrong]}); real images must never be released`
      : `${caller}: ${label} ${source} flags image ${wrong} as synthetic (synthetic[${wrong}] = ${flags.data[wrong]}); ${label} must be REAL images`,
  );
}

function readNpzImages(caller: string, location: ImageLocation & { format: 'npz' }, split: SplitName): ImageInput {
  const label = ROLE_LABELS[location.role];
  const source = location.file;
  const arrays = loadNpz(source);
  let array = arrays.get('images');
  let usedSplit: SplitName | null = null;
  if (array === undefined && location.role !== 'synthetic') {
    array = arrays.get(`${split}_images`);
    usedSplit = split;
  }
  if (array === undefined) {
    const expectedArrays = location.role === 'synthetic' ? "'images'" : `'images' or '${split}_images'`;
    throw new Error(`${caller}: ${label} ${source} has no array ${expectedArrays}; its arrays are [${[...arrays.keys()].join(', ')}]`);
  }
  const shape = array.shape;
  const grayscale = shape.length === 3 || (shape.length === 4 && shape[3] === 1);
  if (!grayscale) {
    throw new Error(
      `${caller}: ${label} ${source} images have shape [${shape.join(', ')}]; expected [count, height, width] or ` +
        '[count, height, width, 1] grayscale images',
    );
  }
  const [count, height, width] = shape;
  checkSyntheticArray(caller, location.role, source, arrays.get('synthetic'), count);
  const { pixels, scaling } = scaleNpyImages(caller, label, source, array);
  return { role: location.role, source, format: 'npz', pixels, count, height, width, scaling, split: usedSplit };
}

function readFlatPngFolder(caller: string, location: ImageLocation & { format: 'png-folder' }): ImageInput {
  const label = ROLE_LABELS[location.role];
  const files = listPngFiles(location.folder);
  let height = 0;
  let width = 0;
  const depths = new Set<number>();
  const parts: Float64Array[] = [];
  for (const file of files) {
    const png = readGrayPng(file);
    if (parts.length === 0) {
      height = png.height;
      width = png.width;
    } else if (png.height !== height || png.width !== width) {
      throw new Error(
        `${caller}: ${label} ${file} is ${png.width}×${png.height} (width×height) but ${files[0]} is ${width}×${height}; ` +
          'all images of one input must have one size',
      );
    }
    const maximum = png.depth === 16 ? 65535 : 255;
    depths.add(png.depth);
    parts.push(Float64Array.from(png.pixels, (value) => value / maximum));
  }
  const pixels = new Float64Array(parts.length * height * width);
  parts.forEach((part, i) => pixels.set(part, i * height * width));
  const scaling = [...depths].sort().map((depth) => `${depth}-bit values / ${depth === 16 ? 65535 : 255}`).join(', ');
  return { role: location.role, source: location.folder, format: 'png-folder', pixels, count: parts.length, height, width, scaling, split: null };
}

function readClassPngFolder(caller: string, location: ImageLocation & { format: 'png-folder' }, split: SplitName): ImageInput {
  const label = ROLE_LABELS[location.role];
  const dataset = loadPngFolder(location.folder);
  const hasSplits = fs.existsSync(path.join(location.folder, 'train')) && fs.statSync(path.join(location.folder, 'train')).isDirectory();

  let chosen = [dataset.splits.train];
  let usedSplit: SplitName | null = null;
  if (hasSplits && location.role === 'synthetic') {
    chosen = SPLIT_NAMES.map((name) => dataset.splits[name]).filter((part): part is ImageSplit => part !== undefined);
  } else if (hasSplits) {
    const part = dataset.splits[split];
    if (part === undefined) {
      const present = SPLIT_NAMES.filter((name) => dataset.splits[name] !== undefined);
      throw new Error(
        `${caller}: ${label} ${location.folder} has no '${split}' split folder (it has ${present.join(', ')}); ` +
          `choose one with --${location.role}-split`,
      );
    }
    chosen = [part];
    usedSplit = split;
  }

  const size = dataset.height * dataset.width;
  const count = chosen.reduce((total, part) => total + part.count, 0);
  const pixels = new Float64Array(count * size);
  let offset = 0;
  for (const part of chosen) {
    for (let i = 0; i < part.images.length; i++) pixels[offset + i] = part.images[i] / 255;
    offset += part.images.length;
  }
  return {
    role: location.role,
    source: location.folder,
    format: 'png-folder',
    pixels,
    count,
    height: dataset.height,
    width: dataset.width,
    scaling: '8-bit grayscale values / 255 (colour converted to luma by loadPngFolder)',
    split: usedSplit,
  };
}

/**
 * Reads the images of `location`. `split` selects the split of a multi-split real source (a
 * MedMNIST archive or a PNG folder with train/val/test folders); single-set sources ignore it.
 */
export function readImageInput(caller: string, location: ImageLocation, split: SplitName): ImageInput {
  if (!(SPLIT_NAMES as readonly string[]).includes(split)) {
    throw new Error(`${caller}: split '${split}' is not one of ${SPLIT_NAMES.join(', ')}`);
  }
  if (location.format === 'npz') return readNpzImages(caller, location, split);
  return listSubfolders(location.folder).length > 0 ? readClassPngFolder(caller, location, split) : readFlatPngFolder(caller, location);
}
