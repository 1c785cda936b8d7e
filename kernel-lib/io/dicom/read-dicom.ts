/**
 * Reader of single-frame grayscale DICOM images in an uncompressed transfer syntax.
 * dcmjs parses the data set. This file checks that the image is one medsynth can use,
 * unpacks the stored values and applies the Modality LUT (RescaleSlope and RescaleIntercept).
 */
import * as fs from 'fs';
import * as path from 'path';
import { data as dcmjsData, DicomElementDict, log as dcmjsLog, LoglevelLogger } from 'dcmjs';
import { log } from '../../util/log';

/** Transfer syntaxes whose pixel data is stored uncompressed, so this reader decodes it. */
export const NATIVE_TRANSFER_SYNTAXES = [
  { uid: '1.2.840.10008.1.2', name: 'Implicit VR Little Endian' },
  { uid: '1.2.840.10008.1.2.1', name: 'Explicit VR Little Endian' },
  { uid: '1.2.840.10008.1.2.1.99', name: 'Deflated Explicit VR Little Endian' },
  { uid: '1.2.840.10008.1.2.2', name: 'Explicit VR Big Endian (retired)' },
] as const;

/**
 * Transfer syntaxes with compressed (encapsulated) pixel data, which this reader rejects by
 * name. `dcmtk` is the DCMTK tool that decompresses the syntax, where DCMTK has one.
 */
export const COMPRESSED_TRANSFER_SYNTAXES = [
  { uid: '1.2.840.10008.1.2.4.50', name: 'JPEG Baseline (Process 1)', dcmtk: 'dcmdjpeg' },
  { uid: '1.2.840.10008.1.2.4.51', name: 'JPEG Extended (Process 2 & 4)', dcmtk: 'dcmdjpeg' },
  { uid: '1.2.840.10008.1.2.4.57', name: 'JPEG Lossless, Non-Hierarchical (Process 14)', dcmtk: 'dcmdjpeg' },
  { uid: '1.2.840.10008.1.2.4.70', name: 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, Selection Value 1)', dcmtk: 'dcmdjpeg' },
  { uid: '1.2.840.10008.1.2.4.80', name: 'JPEG-LS Lossless', dcmtk: 'dcmdjpls' },
  { uid: '1.2.840.10008.1.2.4.81', name: 'JPEG-LS Lossy (Near-Lossless)', dcmtk: 'dcmdjpls' },
  { uid: '1.2.840.10008.1.2.4.90', name: 'JPEG 2000 (Lossless Only)', dcmtk: undefined },
  { uid: '1.2.840.10008.1.2.4.91', name: 'JPEG 2000', dcmtk: undefined },
  { uid: '1.2.840.10008.1.2.4.201', name: 'High-Throughput JPEG 2000 (Lossless Only)', dcmtk: undefined },
  { uid: '1.2.840.10008.1.2.4.202', name: 'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)', dcmtk: undefined },
  { uid: '1.2.840.10008.1.2.4.203', name: 'High-Throughput JPEG 2000', dcmtk: undefined },
  { uid: '1.2.840.10008.1.2.5', name: 'RLE Lossless', dcmtk: 'dcmdrle' },
] as const;

export const PHOTOMETRIC_INTERPRETATIONS = ['MONOCHROME1', 'MONOCHROME2'] as const;
export type PhotometricInterpretation = (typeof PHOTOMETRIC_INTERPRETATIONS)[number];

/** Bits Allocated values this reader unpacks. 32 is read in little-endian syntaxes only. */
export const BITS_ALLOCATED = [8, 16, 32] as const;

const EXPLICIT_VR_BIG_ENDIAN = '1.2.840.10008.1.2.2';

/**
 * A data set keyed by DICOM keyword ('Rows', 'PatientName', …) with values as dcmjs
 * naturalizes them: numbers, strings, arrays for several values, `{ Alphabetic }` for names.
 */
export type DicomDataset = Record<string, unknown>;

/** The file meta group and data set of a DICOM file, whatever its pixel data. */
export interface DicomHeader {
  transferSyntaxUid: string;
  /** Name of the transfer syntax, or undefined for one that neither table lists. */
  transferSyntaxName: string | undefined;
  /** File meta group (0002,xxxx) by DICOM keyword. */
  meta: DicomDataset;
  /** Data set without PixelData. */
  attributes: DicomDataset;
  /** Whether the data set has a Pixel Data (7FE0,0010) element. */
  hasPixelData: boolean;
}

/** A decoded grayscale image and the attributes that define its values. */
export interface DicomImage extends DicomHeader {
  /**
   * [height, width] row-major modality values: stored values × RescaleSlope +
   * RescaleIntercept (Hounsfield units for CT). MONOCHROME1 images are inverted after
   * rescaling, so higher values are always brighter.
   */
  pixels: Float32Array;
  /** Rows. */
  height: number;
  /** Columns. */
  width: number;
  /**
   * Range of the modality values that BitsStored can hold: the stored range
   * [0, 2^BitsStored − 1] (unsigned) or [−2^(BitsStored−1), 2^(BitsStored−1) − 1] (signed)
   * after rescaling. It depends on the header only, not on the pixels of this image.
   */
  valueRange: { min: number; max: number };
  /** The file's photometric interpretation, before the MONOCHROME1 inversion. */
  photometricInterpretation: PhotometricInterpretation;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 0 for unsigned, 1 for two's complement stored values. */
  pixelRepresentation: 0 | 1;
  rescaleSlope: number;
  rescaleIntercept: number;
  /**
   * First WindowCenter/WindowWidth pair of the file, in the units of `pixels` (mirrored for
   * MONOCHROME1 so it selects the same values), or undefined when the file has none.
   */
  window: { center: number; width: number } | undefined;
}

export interface ReadDicomOptions {
  /** Size the image must have; the reader throws for another size. */
  expectedSize?: { height: number; width: number };
  /** Name of the data in error messages (parseDicom only; readDicomFile uses the path). */
  source?: string;
}

/**
 * Parses the file meta group and data set of a DICOM Part 10 file without decoding its
 * pixels, so it also reads compressed files. Throws for data without the 'DICM' marker at
 * byte 128, for a file meta group without a TransferSyntaxUID, and when dcmjs cannot parse
 * the data set.
 */
export function parseDicomHeader(bytes: Uint8Array, source = 'DICOM data'): DicomHeader {
  if (!(bytes instanceof Uint8Array)) {
    throw new Error(`parseDicomHeader: \`bytes\` must be a Uint8Array, got ${describeValue(bytes)}`);
  }
  return readHeader(bytes, source, 'parseDicomHeader').header;
}

/**
 * Decodes a single-frame grayscale DICOM image into Float32 modality values.
 *
 * Reads Implicit VR Little Endian, Explicit VR Little Endian, Deflated Explicit VR Little
 * Endian and Explicit VR Big Endian. Stored values are unpacked from bits
 * [HighBit − BitsStored + 1, HighBit] of each BitsAllocated-bit word, so bits outside that
 * range (old overlay bits) are ignored. PixelRepresentation 1 sign-extends them from BitsStored
 * bits. The rescale v = stored × RescaleSlope + RescaleIntercept follows, with slope 1 and
 * intercept 0 when absent. A MONOCHROME1 image is then inverted as v′ = min + max − v, where
 * [min, max] is `valueRange`, the rescaled range of BitsStored. That range is a property of
 * the header, so every image of a series is inverted the same way, unlike an inversion over
 * each image's own minimum and maximum.
 *
 * Throws for data that is not DICOM, a compressed or unknown transfer syntax, more than one
 * frame, colour, missing or short pixel data, and float pixel data. It also throws for
 * inconsistent bit fields and a size other than `options.expectedSize`. Each message names
 * the source and the offending value.
 */
export function parseDicom(bytes: Uint8Array, options: ReadDicomOptions = {}): DicomImage {
  if (!(bytes instanceof Uint8Array)) {
    throw new Error(`parseDicom: \`bytes\` must be a Uint8Array, got ${describeValue(bytes)}`);
  }
  return decodeImage(bytes, options.source ?? 'DICOM data', 'parseDicom', options);
}

/** Reads and decodes a DICOM file; see parseDicom. Throws naming the path when it is missing. */
export function readDicomFile(filePath: string, options: Omit<ReadDicomOptions, 'source'> = {}): DicomImage {
  const resolved = resolveFile(filePath, 'readDicomFile');
  return decodeImage(fs.readFileSync(resolved), resolved, 'readDicomFile', options);
}

/** Reads a DICOM file's header; see parseDicomHeader. */
export function readDicomHeaderFile(filePath: string): DicomHeader {
  const resolved = resolveFile(filePath, 'readDicomHeaderFile');
  return readHeader(fs.readFileSync(resolved), resolved, 'readDicomHeaderFile').header;
}

/** Returns the name of a transfer syntax that this module lists, or undefined. */
export function transferSyntaxName(uid: string): string | undefined {
  const known = [...NATIVE_TRANSFER_SYNTAXES, ...COMPRESSED_TRANSFER_SYNTAXES].find((syntax) => syntax.uid === uid);
  return known?.name;
}

let dcmjsLogRouted = false;

/**
 * Sends the messages of dcmjs's loggers to medsynth's `log` instead of the console, because
 * library code must not print. dcmjs logs 'Invalid vr type ox' for the Pixel Data of every
 * Implicit VR file, whose VR the dictionary leaves open, so that message goes to debug and
 * the others to warn. The routing is process-wide and applies once.
 */
export function routeDcmjsLogging(): void {
  if (dcmjsLogRouted) return;
  const loggers: LoglevelLogger[] = [dcmjsLog, dcmjsLog.getLogger('validation.dcmjs')];
  for (const logger of loggers) {
    logger.methodFactory = () => (...message: unknown[]) => {
      const text = message.map((part) => (part instanceof Error ? part.message : String(part))).join(' ');
      if (/^Invalid vr type ox\b/.test(text)) log.debug(`dcmjs: ${text}`);
      else log.warn(`dcmjs: ${text}`);
    };
  }
  for (const logger of loggers) logger.rebuild();
  dcmjsLogRouted = true;
}

function resolveFile(filePath: string, caller: string): string {
  if (typeof filePath !== 'string' || filePath === '') {
    throw new Error(`${caller}: \`filePath\` must be a non-empty string, got ${describeValue(filePath)}`);
  }
  const resolved = path.resolve(filePath);
  if (!fs.existsSync(resolved)) throw new Error(`${caller}: file not found: ${resolved}`);
  if (!fs.statSync(resolved).isFile()) throw new Error(`${caller}: ${resolved} is not a file; expected a DICOM file`);
  return resolved;
}

/** Pixel Data as dcmjs read it: its VR and the bytes of all its fragments joined. */
interface RawPixelData {
  vr: string;
  bytes: Uint8Array;
}

function readHeader(bytes: Uint8Array, source: string, caller: string): { header: DicomHeader; pixelData: RawPixelData | undefined } {
  const fail = (detail: string): never => {
    throw new Error(`${caller}: ${source}: ${detail}`);
  };

  // 1. A Part 10 file has a 128-byte preamble followed by 'DICM' (PS3.10 section 7.1).
  if (bytes.length < 132 || String.fromCharCode(bytes[128], bytes[129], bytes[130], bytes[131]) !== 'DICM') {
    fail(
      "not a DICOM file: no 'DICM' marker at byte 128. If it is a bare data set without a file meta " +
        'header (an old ACR-NEMA or raw file), convert it with `dcmconv` (DCMTK) or `gdcmconv` (GDCM) first',
    );
  }

  // 2. The transfer syntax, from the file meta group, which is always Explicit VR Little Endian.
  const transferSyntaxUid = readTransferSyntaxUid(bytes, fail);

  // 3. The data set; dcmjs inflates a deflated one and reads compressed pixel data as fragments.
  routeDcmjsLogging();
  let parsed: InstanceType<typeof dcmjsData.DicomDict>;
  try {
    parsed = dcmjsData.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  } catch (err) {
    return fail(`dcmjs could not parse the data set (${err instanceof Error ? err.message : String(err)}); the file may be truncated or corrupt`);
  }
  const meta = dcmjsData.DicomMetaDictionary.naturalizeDataset(parsed.meta);
  const attributes = dcmjsData.DicomMetaDictionary.naturalizeDataset(parsed.dict);
  const hasPixelData = attributes.PixelData !== undefined;
  delete attributes.PixelData;
  return {
    header: { transferSyntaxUid, transferSyntaxName: transferSyntaxName(transferSyntaxUid), meta, attributes, hasPixelData },
    pixelData: joinPixelData(parsed.dict),
  };
}

/**
 * Walks the file meta group from byte 132 and returns its (0002,0010) TransferSyntaxUID.
 * Each element is tag (2 × uint16), VR (2 ASCII letters) and a length. The length is a
 * uint16 after the VR, or for OB, OW, SQ, UN, UT and the other long VRs two reserved
 * bytes and a uint32 (PS3.5 section 7.1.2).
 */
function readTransferSyntaxUid(bytes: Uint8Array, fail: (detail: string) => never): string {
  const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 132;
  while (offset + 8 <= bytes.length && view.getUint16(offset, true) === 0x0002) {
    const element = view.getUint16(offset + 2, true);
    const vr = String.fromCharCode(bytes[offset + 4], bytes[offset + 5]);
    if (!/^[A-Z]{2}$/.test(vr)) fail(`the file meta group is not in Explicit VR (element (0002,${hex4(element)}) has no VR)`);
    const long = LONG_VRS.has(vr);
    if (long && offset + 12 > bytes.length) break;
    const length = long ? view.getUint32(offset + 8, true) : view.getUint16(offset + 6, true);
    const valueStart = offset + (long ? 12 : 8);
    if (valueStart + length > bytes.length) fail(`the file meta group is truncated at element (0002,${hex4(element)})`);
    if (element === 0x0010) {
      // UI values are padded to even length with a NUL byte (PS3.5 section 9.1).
      return String.fromCharCode(...bytes.subarray(valueStart, valueStart + length)).replace(/[\0 ]+$/, '');
    }
    offset = valueStart + length;
  }
  return fail('the file meta group has no TransferSyntaxUID (0002,0010)');
}

function joinPixelData(dict: DicomElementDict): RawPixelData | undefined {
  const element = dict['7FE00010'];
  if (element === undefined || element.Value === undefined) return undefined;
  const fragments = element.Value.filter((part): part is ArrayBuffer => part instanceof ArrayBuffer);
  const total = fragments.reduce((sum, fragment) => sum + fragment.byteLength, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const fragment of fragments) {
    joined.set(new Uint8Array(fragment), offset);
    offset += fragment.byteLength;
  }
  return { vr: element.vr, bytes: joined };
}

function decodeImage(bytes: Uint8Array, source: string, caller: string, options: ReadDicomOptions): DicomImage {
  const expectedSize = options.expectedSize;
  if (expectedSize !== undefined && !(isPositiveInteger(expectedSize.height) && isPositiveInteger(expectedSize.width))) {
    throw new Error(`${caller}: \`expectedSize\` must have positive integer height and width, got ${JSON.stringify(expectedSize)}`);
  }
  const fail = (detail: string): never => {
    throw new Error(`${caller}: ${source}: ${detail}`);
  };

  // 1. Header and transfer syntax: only uncompressed pixel data is decoded.
  const { header, pixelData } = readHeader(bytes, source, caller);
  const syntax = header.transferSyntaxUid;
  const compressed = COMPRESSED_TRANSFER_SYNTAXES.find((entry) => entry.uid === syntax);
  if (compressed !== undefined) {
    const dcmtk = compressed.dcmtk === undefined ? '' : ` or \`${compressed.dcmtk} in.dcm out.dcm\` (DCMTK)`;
    fail(
      `transfer syntax ${syntax} (${compressed.name}) is compressed, which is not supported; ` +
        `decompress the file first with \`gdcmconv --raw in.dcm out.dcm\` (GDCM)${dcmtk}`,
    );
  }
  if (!NATIVE_TRANSFER_SYNTAXES.some((entry) => entry.uid === syntax)) {
    fail(
      `transfer syntax ${JSON.stringify(syntax)} is not supported; supported: ` +
        `${NATIVE_TRANSFER_SYNTAXES.map((entry) => `${entry.uid} (${entry.name})`).join(', ')}. ` +
        'Convert the file with `gdcmconv --raw in.dcm out.dcm` (GDCM)',
    );
  }

  // 2. One grayscale frame.
  const ds = header.attributes;
  const frames = numberOf(ds.NumberOfFrames);
  if (frames !== undefined && frames > 1) {
    fail(`NumberOfFrames is ${frames}; multi-frame images are not supported, so split the frames into single-frame files first`);
  }
  const samplesPerPixel = numberOf(ds.SamplesPerPixel);
  const photometric = typeof ds.PhotometricInterpretation === 'string' ? ds.PhotometricInterpretation.trim() : undefined;
  if (samplesPerPixel === undefined) fail('missing SamplesPerPixel, which an image requires');
  if (samplesPerPixel !== 1) {
    fail(
      `SamplesPerPixel is ${samplesPerPixel} (PhotometricInterpretation ${photometric ?? 'missing'}); ` +
        'colour images are not supported, only grayscale (SamplesPerPixel 1), so convert the image to grayscale first',
    );
  }
  if (!(PHOTOMETRIC_INTERPRETATIONS as readonly (string | undefined)[]).includes(photometric)) {
    fail(`PhotometricInterpretation ${JSON.stringify(photometric ?? null)} is not supported; expected one of ${PHOTOMETRIC_INTERPRETATIONS.join(', ')}`);
  }

  // 3. Pixel data present, and not the float variants.
  if (ds.FloatPixelData !== undefined || ds.DoubleFloatPixelData !== undefined) {
    fail('the image stores Float Pixel Data or Double Float Pixel Data, which is not supported; only integer Pixel Data (7FE0,0010) is');
  }
  if (pixelData === undefined) {
    return fail('missing Pixel Data (7FE0,0010); the file contains no image (it may be a report, a presentation state or a DICOMDIR)');
  }
  const pixelBytes = pixelData.bytes;

  // 4. Size and bit layout (PS3.3 section C.7.6.3).
  const height = requireInteger(ds, 'Rows', 1, 65535, fail);
  const width = requireInteger(ds, 'Columns', 1, 65535, fail);
  if (expectedSize !== undefined && (height !== expectedSize.height || width !== expectedSize.width)) {
    fail(
      `the image is ${height} rows × ${width} columns, expected ${expectedSize.height} × ${expectedSize.width}; ` +
        'resample it to the expected size, or pass the size it has',
    );
  }
  const bitsAllocated = requireInteger(ds, 'BitsAllocated', 1, 64, fail);
  if (!(BITS_ALLOCATED as readonly number[]).includes(bitsAllocated)) {
    fail(`BitsAllocated ${bitsAllocated} is not supported; expected one of ${BITS_ALLOCATED.join(', ')}`);
  }
  const bigEndian = syntax === EXPLICIT_VR_BIG_ENDIAN;
  if (bigEndian && bitsAllocated === 32) {
    fail('BitsAllocated 32 in Explicit VR Big Endian is not supported; convert the file to Explicit VR Little Endian first');
  }
  const bitsStored = requireInteger(ds, 'BitsStored', 1, bitsAllocated, fail);
  const highBit = requireInteger(ds, 'HighBit', bitsStored - 1, bitsAllocated - 1, fail);
  const pixelRepresentation = requireInteger(ds, 'PixelRepresentation', 0, 1, fail) as 0 | 1;

  // 5. Modality LUT: v = stored × slope + intercept (PS3.3 section C.11.1).
  if (ds.ModalityLUTSequence !== undefined) {
    fail('the image has a Modality LUT Sequence, which is not supported; only RescaleSlope and RescaleIntercept are applied');
  }
  const rescaleSlope = numberOf(ds.RescaleSlope) ?? 1;
  const rescaleIntercept = numberOf(ds.RescaleIntercept) ?? 0;
  if (!Number.isFinite(rescaleSlope) || rescaleSlope === 0) fail(`RescaleSlope must be a non-zero number, got ${JSON.stringify(ds.RescaleSlope)}`);
  if (!Number.isFinite(rescaleIntercept)) fail(`RescaleIntercept must be a number, got ${JSON.stringify(ds.RescaleIntercept)}`);

  // 6. Unpack the stored values, rescale, and invert MONOCHROME1.
  const count = height * width;
  const bytesPerPixel = bitsAllocated / 8;
  // 8-bit pixels in an OW element of a big-endian file sit in byte-swapped 16-bit words.
  const swapWordBytes = bigEndian && bitsAllocated === 8 && pixelData.vr === 'OW';
  const neededBytes = swapWordBytes ? count + (count % 2) : count * bytesPerPixel;
  if (pixelBytes.length < neededBytes) {
    fail(`Pixel Data has ${pixelBytes.length} bytes, but ${height} × ${width} pixels of ${bitsAllocated} bits need ${neededBytes}; the file is truncated`);
  }
  const layout = { bitsAllocated, bitsStored, highBit, signed: pixelRepresentation === 1, bigEndian, swapWordBytes };
  const valueRange = rescaledStoredRange(bitsStored, layout.signed, rescaleSlope, rescaleIntercept);
  const invert = photometric === 'MONOCHROME1';
  const pixels = new Float32Array(count);
  const view = new DataView(pixelBytes.buffer, pixelBytes.byteOffset, pixelBytes.byteLength);
  for (let i = 0; i < count; i++) {
    const value = readStoredValue(pixelBytes, view, i, layout) * rescaleSlope + rescaleIntercept;
    pixels[i] = invert ? valueRange.min + valueRange.max - value : value;
  }

  return {
    ...header,
    pixels,
    height,
    width,
    valueRange,
    photometricInterpretation: photometric as PhotometricInterpretation,
    bitsAllocated,
    bitsStored,
    highBit,
    pixelRepresentation,
    rescaleSlope,
    rescaleIntercept,
    window: windowOf(ds, invert ? valueRange : undefined),
  };
}

interface StoredLayout {
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  signed: boolean;
  bigEndian: boolean;
  swapWordBytes: boolean;
}

/**
 * Reads pixel `index` as a stored value: the BitsStored bits ending at HighBit of its
 * BitsAllocated-bit word, sign-extended when `signed`. Division and modulo stand in for
 * shifts and masks because JavaScript shifts are signed 32-bit.
 */
function readStoredValue(bytes: Uint8Array, view: DataView, index: number, layout: StoredLayout): number {
  let word: number;
  if (layout.bitsAllocated === 8) word = bytes[layout.swapWordBytes ? index ^ 1 : index];
  else if (layout.bitsAllocated === 16) word = view.getUint16(2 * index, !layout.bigEndian);
  else word = view.getUint32(4 * index, true);

  const lowBit = layout.highBit + 1 - layout.bitsStored;
  const storedRange = 2 ** layout.bitsStored;
  const stored = Math.floor(word / 2 ** lowBit) % storedRange;
  return layout.signed && stored >= storedRange / 2 ? stored - storedRange : stored;
}

/** Rescaled range of the values BitsStored can hold; a negative slope swaps the ends. */
function rescaledStoredRange(bitsStored: number, signed: boolean, slope: number, intercept: number): { min: number; max: number } {
  const storedMin = signed ? -(2 ** (bitsStored - 1)) : 0;
  const storedMax = signed ? 2 ** (bitsStored - 1) - 1 : 2 ** bitsStored - 1;
  const a = storedMin * slope + intercept;
  const b = storedMax * slope + intercept;
  return { min: Math.min(a, b), max: Math.max(a, b) };
}

/**
 * Returns the first WindowCenter/WindowWidth pair, or undefined when absent or when the
 * width is below 1, which PS3.3 section C.11.2.1.2 forbids. With `mirror` (MONOCHROME1) the window
 * is mirrored like the pixels. The linear VOI function selects [c − 0.5 − (w − 1)/2,
 * c − 0.5 + (w − 1)/2], so the mirrored centre is min + max − c + 1.
 */
function windowOf(ds: DicomDataset, mirror: { min: number; max: number } | undefined): { center: number; width: number } | undefined {
  const center = numberOf(ds.WindowCenter);
  const width = numberOf(ds.WindowWidth);
  if (center === undefined || width === undefined || !Number.isFinite(center) || !Number.isFinite(width)) return undefined;
  if (width < 1) {
    log.warnOnce(`dicom-window-width:${width}`, `readDicom: ignoring WindowWidth ${width}, which must be at least 1`);
    return undefined;
  }
  return { center: mirror === undefined ? center : mirror.min + mirror.max - center + 1, width };
}

function requireInteger(ds: DicomDataset, keyword: string, min: number, max: number, fail: (detail: string) => never): number {
  const value = numberOf(ds[keyword]);
  if (value === undefined) return fail(`missing ${keyword}, which an image requires`);
  if (!Number.isInteger(value) || value < min || value > max) fail(`${keyword} must be an integer in [${min}, ${max}], got ${value}`);
  return value;
}

/** First value of a naturalized element as a number: dcmjs gives numbers, numeric strings or arrays of them. */
function numberOf(value: unknown): number | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'number') return first;
  if (typeof first === 'string' && first.trim() !== '') return Number(first);
  return undefined;
}

function isPositiveInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function hex4(value: number): string {
  return value.toString(16).toUpperCase().padStart(4, '0');
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return JSON.stringify(value);
}
