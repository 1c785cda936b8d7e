/**
 * 16-bit grayscale PNG at full depth (fast-png 6.3), and the conversion of any grayscale
 * values to 8 bits for display. PNG stores 16-bit samples big-endian (PNG specification,
 * section 7.1), and fast-png converts them to and from Uint16Array values.
 */
import * as fs from 'fs';
import * as path from 'path';
import { decode, encode } from 'fast-png';
import { writeFileAtomic } from '../util/atomic-write';

/** A decoded grayscale PNG. */
export interface GrayPng {
  /** [height, width] row-major samples at the file's depth: 0-255 for 8 bits, 0-65535 for 16. */
  pixels: Uint16Array;
  width: number;
  height: number;
  /** Bit depth of the file: 8 or 16. */
  depth: 8 | 16;
  /** tEXt, zTXt and iTXt chunks by keyword. */
  text: Record<string, string>;
}

/** A display window as DICOM defines it: centre and width, width at least 1. */
export interface DisplayWindow {
  center: number;
  width: number;
}

/**
 * Encodes a 16-bit grayscale PNG (colour type 0, bit depth 16). pixels: [height, width]
 * row-major, 0-65535. `text` becomes tEXt chunks; pass syntheticPngText(…) from io/png.ts
 * for a synthetic image. No creation time (tIME chunk) is written.
 */
export function encodeGray16Png(pixels: Uint16Array, width: number, height: number, text?: Record<string, string>): Uint8Array {
  validateImage('encodeGray16Png', pixels, width, height);
  return encode({ width, height, data: pixels, depth: 16, channels: 1, text });
}

/** Writes a 16-bit grayscale PNG atomically; see encodeGray16Png. */
export function writeGray16Png(filePath: string, pixels: Uint16Array, width: number, height: number, text?: Record<string, string>): void {
  validateImage('writeGray16Png', pixels, width, height);
  writeFileAtomic(filePath, encode({ width, height, data: pixels, depth: 16, channels: 1, text }));
}

/**
 * Decodes a grayscale PNG of bit depth 8 or 16 without reducing its depth: a 16-bit
 * sample keeps both bytes. Throws naming `source` for a corrupt PNG, colour, an alpha
 * channel or a palette, and bit depths below 8.
 */
export function decodeGrayPng(bytes: Uint8Array, source = 'PNG data'): GrayPng {
  if (!(bytes instanceof Uint8Array)) {
    throw new Error(`decodeGrayPng: \`bytes\` must be a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  }
  return decodeGray('decodeGrayPng', bytes, source);
}

/** Reads a grayscale PNG file of bit depth 8 or 16; see decodeGrayPng. */
export function readGrayPng(filePath: string): GrayPng {
  const resolved = path.resolve(filePath);
  if (!fs.existsSync(resolved) || !fs.statSync(resolved).isFile()) throw new Error(`readGrayPng: file not found: ${resolved}`);
  return decodeGray('readGrayPng', fs.readFileSync(resolved), resolved);
}

/**
 * Converts grayscale values of any range to 8 bits for display, linearly over a range
 * [low, high]: y = round(255 × (x − low) / (high − low)), clipped to [0, 255], with
 * Math.round (halves round up). The range is the image's own minimum and maximum unless
 * `options.window` gives a DICOM window. For that window, PS3.3 section C.11.2.1.2 sets
 * low = c − 0.5 − (w − 1)/2 and high = c − 0.5 + (w − 1)/2. A constant image (high = low)
 * maps to 0. Non-finite values are rejected.
 *
 * Example: [1000, 2000, 3000] maps to [0, 128, 255], since 2000 gives 127.5, which rounds up.
 */
export function toDisplayUint8(values: ArrayLike<number>, options: { window?: DisplayWindow } = {}): Uint8Array {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new Error(`toDisplayUint8: \`values\` must be an array or typed array of numbers, got ${values === null ? 'null' : typeof values}`);
  }
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (!Number.isFinite(value)) throw new Error(`toDisplayUint8: value ${value} at index ${i} is not finite; replace NaN and infinite values first`);
    if (value < low) low = value;
    if (value > high) high = value;
  }

  const window = options.window;
  if (window !== undefined) {
    if (!Number.isFinite(window.center) || !Number.isFinite(window.width) || window.width < 1) {
      throw new Error(`toDisplayUint8: \`window\` needs a finite center and a width of at least 1, got ${JSON.stringify(window)}`);
    }
    low = window.center - 0.5 - (window.width - 1) / 2;
    high = window.center - 0.5 + (window.width - 1) / 2;
  }

  const out = new Uint8Array(values.length);
  if (!(high > low)) {
    // A constant image, or a window of width 1: a threshold at `low`.
    for (let i = 0; i < values.length; i++) out[i] = values[i] > low ? 255 : 0;
    return out;
  }
  const scale = 255 / (high - low);
  for (let i = 0; i < values.length; i++) {
    out[i] = Math.min(255, Math.max(0, Math.round((values[i] - low) * scale)));
  }
  return out;
}

function validateImage(caller: string, pixels: Uint16Array, width: number, height: number): void {
  if (!(pixels instanceof Uint16Array)) {
    throw new Error(`${caller}: \`pixels\` must be a Uint16Array of 0-65535 samples, got ${pixels === null ? 'null' : (pixels as object).constructor?.name ?? typeof pixels}`);
  }
  for (const [name, value] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`${caller}: \`${name}\` must be a positive integer, got ${value}`);
  }
  if (pixels.length !== width * height) {
    throw new Error(`${caller}: ${pixels.length} pixels do not fill ${width}×${height} (width×height); pass height × width samples`);
  }
}

function decodeGray(caller: string, bytes: Uint8Array, source: string): GrayPng {
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes, { checkCrc: true });
  } catch (err) {
    throw new Error(`${caller}: ${source}: corrupt or unreadable PNG: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (png.palette !== undefined || png.channels !== 1) {
    const kind = png.palette !== undefined ? 'a palette (colour type 3)' : `${png.channels} channels`;
    throw new Error(`${caller}: ${source} has ${kind}; expected grayscale without alpha (1 channel), so convert it to grayscale first`);
  }
  if (png.depth !== 8 && png.depth !== 16) {
    throw new Error(`${caller}: ${source} has bit depth ${png.depth}; expected 8 or 16, so re-save it with one of them`);
  }
  return { pixels: Uint16Array.from(png.data), width: png.width, height: png.height, depth: png.depth, text: png.text };
}
