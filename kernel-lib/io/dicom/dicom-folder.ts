/**
 * Loader for a folder of DICOM images sorted into one folder per class, either
 * `root/<className>/*.dcm` (everything goes to the train split) or
 * `root/{train,val,test}/<className>/*.dcm`, the layout that loadPngFolder reads for PNG.
 * Each image is decoded by readDicomFile and converted to 8-bit grayscale.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ImageDataset, ImageSplit, SPLIT_NAMES, SplitName, validateImageDataset } from '../../data/image-dataset';
import { findClassFolders, listSubfolders, sortedNames } from '../../data/class-folders';
import { DisplayWindow, toDisplayUint8 } from '../png16';
import { DicomImage, readDicomFile } from './read-dicom';

/**
 * Mappings of modality values to 0-255:
 * - 'stored-range': the rescaled range that BitsStored can hold (DicomImage.valueRange) maps
 *   to [0, 255], the same mapping for every image of a kind, so intensities stay comparable
 *   across images. An 8-bit file without rescaling keeps its stored values.
 * - 'image-min-max': each image's own minimum and maximum map to 0 and 255.
 * - 'file-window': the first WindowCenter/WindowWidth of each file; a file without one is an error.
 */
export const DICOM_INTENSITY_SCALINGS = ['stored-range', 'image-min-max', 'file-window'] as const;
export type DicomIntensityScaling = (typeof DICOM_INTENSITY_SCALINGS)[number];

export interface DicomFolderOptions {
  /** Dataset name; defaults to the folder's base name. */
  name?: string;
  /** Default 'stored-range'. */
  scaling?: DicomIntensityScaling;
  /** One window for every image, in modality units (for example { center: 40, width: 400 } for CT); overrides `scaling`. */
  window?: DisplayWindow;
  /** Size every image must have; by default the first image fixes it. */
  expectedSize?: { height: number; width: number };
}

/**
 * Loads a DICOM folder tree into an ImageDataset. Class names are the sorted names of the
 * class folders (of `train/` in the split layout), and files are read in sorted order.
 * A file is read when its name ends in `.dcm` or `.dicom` (any case), or when it has no
 * extension and starts like a DICOM file ('DICM' at byte 128). Hidden files, DICOMDIR
 * files and other names are ignored.
 *
 * Throws naming the folder for a missing root, no class folders, a class folder without
 * DICOM files, or a class in val or test that train lacks. Throws naming the file for
 * anything readDicomFile rejects and for an image whose size differs from the first.
 */
export function loadDicomFolder(root: string, options: DicomFolderOptions = {}): ImageDataset {
  if (typeof root !== 'string' || root === '') {
    throw new Error(`loadDicomFolder: \`root\` must be a non-empty folder path, got ${JSON.stringify(root)}`);
  }
  const scaling = options.scaling ?? 'stored-range';
  if (!(DICOM_INTENSITY_SCALINGS as readonly string[]).includes(scaling)) {
    throw new Error(`loadDicomFolder: \`scaling\` must be one of ${DICOM_INTENSITY_SCALINGS.join(', ')}, got ${JSON.stringify(scaling)}`);
  }
  const window = options.window;
  if (window !== undefined && (!Number.isFinite(window.center) || !Number.isFinite(window.width) || window.width < 1)) {
    throw new Error(`loadDicomFolder: \`window\` needs a finite center and a width of at least 1, got ${JSON.stringify(window)}`);
  }
  const { rootPath, splitFolders, classNames } = findClassFolders('loadDicomFolder', root, 'DICOM files', '*.dcm');

  // 2. Decode every image; the first one fixes the size unless `expectedSize` does.
  const expectedSize = options.expectedSize;
  const first: { file?: string; height: number; width: number } = { height: 0, width: 0 };
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
        throw new Error(`loadDicomFolder: ${classFolder} is a class that ${splitFolders.train} lacks; the train classes are ${JSON.stringify(classNames)}`);
      }
      const files = listDicomFiles(classFolder);
      if (files.length === 0) throw new Error(`loadDicomFolder: class folder ${classFolder} contains no DICOM files (.dcm, .dicom or no extension)`);

      for (const filePath of files) {
        const image = readDicomFile(filePath, expectedSize === undefined ? {} : { expectedSize });
        if (first.file === undefined) Object.assign(first, { file: filePath, height: image.height, width: image.width });
        if (image.height !== first.height || image.width !== first.width) {
          throw new Error(
            `loadDicomFolder: ${filePath} is ${image.height} rows × ${image.width} columns but ${first.file} is ` +
              `${first.height} × ${first.width}; all images must have one size, so resample them first`,
          );
        }
        images.push(toGray8(image, scaling, window, filePath));
        labels.push(label);
      }
    }
    splits[splitName] = { images: concatBytes(images), labels: Int32Array.from(labels), count: images.length };
  }

  const dataset: ImageDataset = {
    name: options.name ?? path.basename(rootPath),
    height: first.height,
    width: first.width,
    classNames,
    splits: { train: splits.train!, ...(splits.val && { val: splits.val }), ...(splits.test && { test: splits.test }) },
    source: rootPath,
  };
  validateImageDataset(dataset);
  return dataset;
}

/** Converts one decoded image to 8 bits by the chosen scaling. */
function toGray8(image: DicomImage, scaling: DicomIntensityScaling, window: DisplayWindow | undefined, filePath: string): Uint8Array {
  if (window !== undefined) return toDisplayUint8(image.pixels, { window });
  if (scaling === 'image-min-max') return toDisplayUint8(image.pixels);
  if (scaling === 'file-window') {
    if (image.window === undefined) {
      throw new Error(`loadDicomFolder: ${filePath} has no WindowCenter/WindowWidth for scaling 'file-window'; pass a \`window\` or another scaling`);
    }
    return toDisplayUint8(image.pixels, { window: image.window });
  }
  // The window whose linear function maps [min, max] exactly to [0, 255] (see toDisplayUint8).
  const { min, max } = image.valueRange;
  return toDisplayUint8(image.pixels, { window: { center: (min + max + 1) / 2, width: max - min + 1 } });
}

/** Lists the DICOM files of a folder, sorted by code point, as full paths. */
function listDicomFiles(folder: string): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const name = entry.name;
    if (!entry.isFile() || name.startsWith('.') || name.toUpperCase() === 'DICOMDIR') continue;
    const filePath = path.join(folder, name);
    if (/\.(dcm|dicom)$/i.test(name)) files.push(filePath);
    else if (!name.includes('.') && hasDicmMarker(filePath)) files.push(filePath);
  }
  return sortedNames(files);
}

function hasDicmMarker(filePath: string): boolean {
  const fd = fs.openSync(filePath, 'r');
  try {
    const marker = Buffer.alloc(4);
    return fs.readSync(fd, marker, 0, 4, 128) === 4 && marker.toString('latin1') === 'DICM';
  } finally {
    fs.closeSync(fd);
  }
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
