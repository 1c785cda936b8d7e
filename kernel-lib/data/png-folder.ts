/**
 * Loader for a folder of PNG images sorted into one folder per class, either
 * `root/<className>/*.png` (everything goes to the train split) or
 * `root/{train,val,test}/<className>/*.png`. Images are converted to 8-bit grayscale.
 */
import * as fs from 'fs';
import * as path from 'path';
import { decode, DecodedPng } from 'fast-png';
import { ImageDataset, ImageSplit, SPLIT_NAMES, SplitName, validateImageDataset } from './image-dataset';
import { findClassFolders, listSubfolders, sortedNames } from './class-folders';

export interface PngFolderOptions {
  /** Dataset name; defaults to the folder's base name. */
  name?: string;
}

/**
 * Loads a PNG folder tree into an ImageDataset. Class names are the sorted names of
 * the class folders (of `train/` in the split layout), and files are read in sorted
 * order, so the result does not depend on the file system. Hidden files and files
 * that do not end in `.png` are ignored.
 *
 * Throws naming the folder for a missing root, no class folders, an empty class
 * folder, or a class in val or test that train lacks. Throws naming the file for a
 * corrupt or unsupported PNG and for an image whose size differs from the first.
 */
export function loadPngFolder(root: string, options: PngFolderOptions = {}): ImageDataset {
  const { rootPath, splitFolders, classNames } = findClassFolders('loadPngFolder', root, 'PNG images', '*.png');

  // 2. Decode every image; the first one fixes the size.
  const firstImage: { file?: string; height: number; width: number } = { height: 0, width: 0 };
  const splits: Partial<Record<SplitName, ImageSplit>> = {};
  for (const splitName of SPLIT_NAMES) {
    const splitFolder = splitFolders[splitName];
    if (splitFolder === undefined) continue;
    const images: Uint8Array[] = [];
    const labels: number[] = [];

    for (const className of listSubfolders(splitFolder)) {
      const label = classNames.indexOf(className);
      const classFolder = path.join(splitFolder, className);
      if (label < 0) {
        throw new Error(`loadPngFolder: ${classFolder} is a class that ${splitFolders.train} lacks; the train classes are ${JSON.stringify(classNames)}`);
      }
      const files = sortedNames(fs.readdirSync(classFolder)).filter(
        (file) => file.toLowerCase().endsWith('.png') && !file.startsWith('.'),
      );
      if (files.length === 0) throw new Error(`loadPngFolder: class folder ${classFolder} contains no .png files`);

      for (const file of files) {
        const filePath = path.join(classFolder, file);
        const png = decodePngFile(filePath);
        if (firstImage.file === undefined) Object.assign(firstImage, { file: filePath, height: png.height, width: png.width });
        if (png.height !== firstImage.height || png.width !== firstImage.width) {
          throw new Error(
            `loadPngFolder: ${filePath} is ${png.width}×${png.height} (width×height) but ${firstImage.file} is ` +
              `${firstImage.width}×${firstImage.height}; all images must have one size, so resize them first`,
          );
        }
        images.push(toGrayscale8(png, filePath));
        labels.push(label);
      }
    }
    splits[splitName] = { images: concatBytes(images), labels: Int32Array.from(labels), count: images.length };
  }

  const dataset: ImageDataset = {
    name: options.name ?? path.basename(rootPath),
    height: firstImage.height,
    width: firstImage.width,
    classNames,
    splits: { train: splits.train!, ...(splits.val && { val: splits.val }), ...(splits.test && { test: splits.test }) },
    source: rootPath,
  };
  validateImageDataset(dataset);
  return dataset;
}

function decodePngFile(filePath: string): DecodedPng {
  try {
    return decode(fs.readFileSync(filePath), { checkCrc: true });
  } catch (err) {
    throw new Error(`loadPngFolder: corrupt or unreadable PNG ${filePath}: ${(err as Error).message}`);
  }
}

/**
 * Converts a decoded PNG to 8-bit grayscale `[height, width]`. Colour uses ITU-R
 * BT.601 luma, Y = 0.299 R + 0.587 G + 0.114 B; 16-bit samples are scaled by 255/65535.
 * NOTE: the alpha channel is dropped rather than composited, so transparent pixels
 * keep their colour.
 */
function toGrayscale8(png: DecodedPng, filePath: string): Uint8Array {
  const pixelCount = png.width * png.height;
  if (png.depth < 8) {
    throw new Error(`loadPngFolder: ${filePath} has bit depth ${png.depth}, which is not supported; re-save it with 8 or 16 bits`);
  }
  const maxValue = png.depth === 16 ? 65535 : 255;
  const out = new Uint8Array(pixelCount);
  const data = png.data;
  const channels = png.channels;

  for (let i = 0; i < pixelCount; i++) {
    let r: number;
    let g: number;
    let b: number;
    if (png.palette !== undefined) {
      [r, g, b] = png.palette[data[i]];
    } else if (channels <= 2) {
      // Grey, or grey + alpha.
      r = g = b = data[i * channels];
    } else {
      // RGB, or RGB + alpha.
      r = data[i * channels];
      g = data[i * channels + 1];
      b = data[i * channels + 2];
    }
    const luma = r === g && g === b ? r : 0.299 * r + 0.587 * g + 0.114 * b;
    out[i] = Math.min(255, Math.round((luma * 255) / maxValue));
  }
  return out;
}

function concatBytes(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
