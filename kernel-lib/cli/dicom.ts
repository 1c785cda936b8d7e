import * as fs from 'fs';
import * as path from 'path';
import { loadNpz } from '../data/npz';
import { DicomImage, parseDicom, readDicomHeaderFile } from '../io/dicom/read-dicom';
import { SECONDARY_CAPTURE_SOP_CLASS_UID } from '../io/dicom/uid';
import { newSyntheticSeries, SyntheticSeries, writeSyntheticDicom } from '../io/dicom/write-dicom';
import { OptionSpec, formatHelp, parseOptions } from './args';

export const DICOM_BIT_DEPTHS = [8, 16] as const;

export const DICOM_EXPORT_OPTIONS: Record<string, OptionSpec> = {
  out: { type: 'string', required: true, description: 'output folder; images go to <out>/<class>/<seed>_<number>.dcm' },
  seed: { type: 'number', description: "generation seed to export from a run directory (default: every synthetic_seed<N>.npz of the run)" },
  bits: { type: 'number', default: 8, description: `bits per pixel: ${DICOM_BIT_DEPTHS.join(' or ')} (16 scales 0-255 by 257 to 0-65535)` },
  help: { type: 'boolean', description: 'show this help' },
};

export const DICOM_INFO_OPTIONS: Record<string, OptionSpec> = {
  help: { type: 'boolean', description: 'show this help' },
};

const SUBCOMMANDS = ['export', 'info'] as const;

const USAGE = [
  'usage: medsynth dicom <export|info> [options]',
  '',
  'subcommands:',
  "  export <run dir | npz file> --out <dir>   write a run's accepted synthetic images as DICOM Secondary Capture files",
  '  info <file>                               print the main attributes of a DICOM file',
  '',
  "Run 'medsynth dicom <subcommand> --help' for its options.",
].join('\n');

const EXPORT_SUMMARY = [
  "Writes the accepted synthetic images of a run (<run dir>/synthetic/synthetic_seed<N>.npz) or of one .npz file",
  '(arrays images, uint8 [count, height, width], and labels) as DICOM Secondary Capture files in Explicit VR',
  'Little Endian. Every file has new UIDs, PatientName SYNTHETIC^IMAGE, ConversionType SYN and the word',
  'SYNTHETIC burned into its top-left corner. Each .npz file becomes one study, with one series per class.',
].join('\n');

/** Runs `medsynth dicom export …` or `medsynth dicom info <file>`. */
export async function dicomCommand(argv: string[]): Promise<void> {
  const [subcommand, ...rest] = argv;
  if (subcommand === '--help' || subcommand === 'help') {
    console.log(USAGE);
    return;
  }
  if (subcommand === 'export') return exportCommand(rest);
  if (subcommand === 'info') return infoCommand(rest);
  const got = subcommand === undefined ? 'none' : `'${subcommand}'`;
  throw new Error(`dicom: expected a subcommand, one of ${SUBCOMMANDS.join(', ')}, got ${got}\n\n${USAGE}`);
}

function exportCommand(argv: string[]): void {
  if (argv.includes('--help')) {
    console.log(formatHelp('dicom export <run dir | npz file>', EXPORT_SUMMARY, DICOM_EXPORT_OPTIONS));
    return;
  }
  const input = argv[0] !== undefined && !argv[0].startsWith('--') ? argv[0] : undefined;
  if (input === undefined) throw new Error("dicom export: name a run directory or an .npz file, e.g. 'medsynth dicom export experiments/runs/<run id> --out dicom'");
  const o = parseOptions('dicom export', argv.slice(1), DICOM_EXPORT_OPTIONS);
  const bits = o.bits as number;
  if (!(DICOM_BIT_DEPTHS as readonly number[]).includes(bits)) {
    throw new Error(`dicom export: --bits must be ${DICOM_BIT_DEPTHS.join(' or ')}, got ${bits}`);
  }
  const seed = o.seed as number | undefined;
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0)) throw new Error(`dicom export: --seed must be a non-negative integer, got ${seed}`);

  const sources = findSyntheticFiles(path.resolve(input), seed);
  const outDir = path.resolve(o.out as string);
  let total = 0;
  for (const source of sources) {
    const { count, studyInstanceUid } = exportNpz(source, outDir, bits as 8 | 16);
    console.log(`${path.basename(source.file)}: ${count === 0 ? 'no images, nothing written' : `${count} images, StudyInstanceUID ${studyInstanceUid}`}`);
    total += count;
  }
  console.log(`dicom export: ${total} synthetic images written to ${outDir} as ${bits}-bit Secondary Capture (one study per .npz file, one series per class)`);
}

interface SyntheticSource {
  file: string;
  /** File name prefix of the exported images: `seed<N>`, or the .npz base name. */
  stem: string;
  classNames: string[] | undefined;
  runId: string | undefined;
}

/** Lists the .npz files to export: one file, or the synthetic_seed<N>.npz files of a run. */
function findSyntheticFiles(input: string, seed: number | undefined): SyntheticSource[] {
  if (!fs.existsSync(input)) throw new Error(`dicom export: not found: ${input}; pass a run directory or an .npz file`);

  if (fs.statSync(input).isFile()) {
    if (seed !== undefined) throw new Error(`dicom export: --seed selects a file of a run directory, but ${input} is a file; drop --seed`);
    // A run's file sits in <run>/synthetic/, so the run's data.json is one folder up.
    const runDir = path.dirname(path.dirname(input));
    const match = /^synthetic_seed(\d+)\.npz$/.exec(path.basename(input));
    return [{ file: input, stem: match ? `seed${match[1]}` : path.basename(input, '.npz'), ...readRunInfo(runDir) }];
  }

  const folder = path.join(input, 'synthetic');
  const files = fs.existsSync(folder) ? fs.readdirSync(folder).filter((name) => /^synthetic_seed\d+\.npz$/.test(name)) : [];
  const seeds = files.map((name) => Number(/\d+/.exec(name)![0])).sort((a, b) => a - b);
  if (seeds.length === 0) {
    throw new Error(`dicom export: ${folder} contains no synthetic_seed<N>.npz; run the experiment's generation stage first, or pass an .npz file`);
  }
  const selected = seed === undefined ? seeds : seeds.filter((s) => s === seed);
  if (selected.length === 0) throw new Error(`dicom export: the run has no synthetic images for seed ${seed}; its seeds are ${seeds.join(', ')}`);
  const info = readRunInfo(input);
  return selected.map((s) => ({ file: path.join(folder, `synthetic_seed${s}.npz`), stem: `seed${s}`, ...info }));
}

/** Class names from <run>/data.json and the run id from <run>/manifest.json, where present. */
function readRunInfo(runDir: string): { classNames: string[] | undefined; runId: string | undefined } {
  const readJson = (file: string): Record<string, unknown> | undefined => {
    const filePath = path.join(runDir, file);
    return fs.existsSync(filePath) ? (JSON.parse(fs.readFileSync(filePath, 'utf8')) as Record<string, unknown>) : undefined;
  };
  const classNames = readJson('data.json')?.classNames;
  const runId = readJson('manifest.json')?.runId;
  return {
    classNames: Array.isArray(classNames) && classNames.every((name) => typeof name === 'string') ? classNames : undefined,
    runId: typeof runId === 'string' ? runId : undefined,
  };
}

/** Writes the images of one .npz file as one study; returns the number written and the study's UID. */
function exportNpz(source: SyntheticSource, outDir: string, bits: 8 | 16): { count: number; studyInstanceUid: string } {
  const arrays = loadNpz(source.file);
  const images = arrays.get('images');
  const labels = arrays.get('labels');
  if (images === undefined || labels === undefined) {
    throw new Error(`dicom export: ${source.file} lacks the arrays 'images' and 'labels'; it has ${[...arrays.keys()].join(', ') || 'none'}`);
  }
  if (images.dtype !== 'uint8' || images.shape.length !== 3) {
    throw new Error(`dicom export: ${source.file}: 'images' must be uint8 [count, height, width], got ${images.dtype} [${images.shape.join(', ')}]`);
  }
  const [count, height, width] = images.shape;
  if (labels.shape.length !== 1 || labels.shape[0] !== count) {
    throw new Error(`dicom export: ${source.file}: 'labels' must have shape [${count}], got [${labels.shape.join(', ')}]`);
  }
  const size = height * width;

  // One study per file and one series per class, numbered in order of first appearance.
  const firstSeries = newSyntheticSeries();
  const seriesByLabel = new Map<number, SyntheticSeries>();
  const instancesByLabel = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const label = labels.data[i];
    const numClasses = source.classNames?.length ?? Infinity;
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new Error(`dicom export: ${source.file}: label ${label} at index ${i} is not a class index in [0, ${numClasses}) of the run's data.json`);
    }
    const className = source.classNames?.[label] ?? `class${label}`;
    let series = seriesByLabel.get(label);
    if (series === undefined) {
      series =
        seriesByLabel.size === 0 ? firstSeries : newSyntheticSeries({ studyInstanceUid: firstSeries.studyInstanceUid, seriesNumber: seriesByLabel.size + 1 });
      seriesByLabel.set(label, series);
    }
    const instanceNumber = (instancesByLabel.get(label) ?? 0) + 1;
    instancesByLabel.set(label, instanceNumber);

    const pixels8 = (images.data as Uint8Array).subarray(i * size, (i + 1) * size);
    // 0-255 × 257 fills 0-65535 exactly (255 × 257 = 65535).
    const pixels = bits === 8 ? pixels8 : Uint16Array.from(pixels8, (value) => value * 257);
    const details: Record<string, string> = { Class: toDicomText(className), Source: toDicomText(`${path.basename(source.file)} index ${i}`) };
    if (source.runId !== undefined) details.Run = toDicomText(source.runId);
    const folder = path.join(outDir, className.replace(/[^A-Za-z0-9_-]+/g, '-'));
    writeSyntheticDicom(path.join(folder, `${source.stem}_${String(instanceNumber).padStart(5, '0')}.dcm`), {
      pixels,
      height,
      width,
      series,
      instanceNumber,
      details,
    });
  }
  return { count, studyInstanceUid: firstSeries.studyInstanceUid };
}

/** Replaces characters that DICOM default-repertoire text cannot hold (non-ASCII, control, backslash) with '?'. */
function toDicomText(text: string): string {
  return text.replace(/[^\x20-\x5b\x5d-\x7e]/g, '?');
}

function infoCommand(argv: string[]): void {
  if (argv.includes('--help')) {
    console.log(formatHelp('dicom info <file>', 'Prints the main attributes of a DICOM file and the range of its decoded pixel values.', DICOM_INFO_OPTIONS));
    return;
  }
  const file = argv[0] !== undefined && !argv[0].startsWith('--') ? argv[0] : undefined;
  if (file === undefined) throw new Error("dicom info: name a DICOM file, e.g. 'medsynth dicom info image.dcm'");
  parseOptions('dicom info', argv.slice(1), DICOM_INFO_OPTIONS);

  const header = readDicomHeaderFile(file);
  const ds = header.attributes;
  const text = (keyword: string): string => formatValue(ds[keyword]);
  const sopClass = text('SOPClassUID');
  const synthetic = ds.ConversionType === 'SYN' || /SYNTHETIC/.test(text('ImageComments'));
  const rows: [string, string][] = [
    ['file', path.resolve(file)],
    ['transfer syntax', `${header.transferSyntaxUid} (${header.transferSyntaxName ?? 'unknown'})`],
    ['SOP class', sopClass === SECONDARY_CAPTURE_SOP_CLASS_UID ? `${sopClass} (Secondary Capture Image Storage)` : sopClass],
    ['synthetic', synthetic ? 'yes (ConversionType SYN or SYNTHETIC in ImageComments)' : 'no marker found'],
  ];
  for (const keyword of [
    'SOPInstanceUID', 'StudyInstanceUID', 'SeriesInstanceUID', 'Modality', 'ImageType', 'ConversionType',
    'PatientName', 'PatientID', 'PatientIdentityRemoved', 'BurnedInAnnotation', 'StudyDescription', 'SeriesDescription', 'ImageComments',
    'Rows', 'Columns', 'NumberOfFrames', 'SamplesPerPixel', 'PhotometricInterpretation', 'BitsAllocated', 'BitsStored', 'HighBit',
    'PixelRepresentation', 'RescaleSlope', 'RescaleIntercept', 'WindowCenter', 'WindowWidth',
  ]) {
    if (ds[keyword] !== undefined) rows.push([keyword, text(keyword)]);
  }

  let image: DicomImage | undefined;
  try {
    image = parseDicom(fs.readFileSync(file), { source: path.resolve(file) });
  } catch (err) {
    rows.push(['pixels', `not decoded: ${err instanceof Error ? err.message : String(err)}`]);
  }
  if (image !== undefined) {
    let min = Infinity;
    let max = -Infinity;
    for (const value of image.pixels) {
      if (value < min) min = value;
      if (value > max) max = value;
    }
    rows.push(['pixel values', `${min} to ${max} after rescale${image.photometricInterpretation === 'MONOCHROME1' ? ' and MONOCHROME1 inversion' : ''}`]);
    rows.push(['value range', `${image.valueRange.min} to ${image.valueRange.max} (BitsStored range after rescale)`]);
  }
  const width = Math.max(...rows.map(([name]) => name.length));
  for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
}

/** Formats a naturalized value: person names by their alphabetic form, arrays joined by a backslash. */
function formatValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(formatValue).join('\\');
  if (value !== null && typeof value === 'object' && 'Alphabetic' in value) return String((value as { Alphabetic: unknown }).Alphabetic);
  if (value === undefined || value === null) return '';
  return String(value);
}
