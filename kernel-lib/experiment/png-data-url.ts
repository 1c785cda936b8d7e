import { encode } from 'fast-png';

/** Largest upscaling factor accepted. A 28×28 image at 16× is 448×448 pixels. */
const MAX_SCALE = 16;

/**
 * Encodes an 8-bit grayscale image as a `data:image/png;base64,...` URL, for `<img>` tags in a
 * self-contained report.
 *
 * `pixels` is `[height, width]` in row-major order, one byte per pixel (0 black, 255 white).
 * With `scale` > 1 each pixel is repeated into a `scale × scale` block, so the PNG is
 * `[height * scale, width * scale]` and small images stay sharp in viewers that smooth them.
 */
export function grayPngDataUrl(pixels: Uint8Array, width: number, height: number, scale = 1): string {
  if (!(pixels instanceof Uint8Array)) {
    throw new Error(`grayPngDataUrl: \`pixels\` must be a Uint8Array, got ${describe(pixels)}; convert 0-255 values first`);
  }
  for (const [name, value] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`grayPngDataUrl: \`${name}\` must be a positive integer, got ${value}`);
    }
  }
  if (pixels.length !== width * height) {
    throw new Error(
      `grayPngDataUrl: \`pixels\` must have width * height = ${width * height} values, got ${pixels.length}; pass one byte per pixel`,
    );
  }
  if (!Number.isInteger(scale) || scale < 1 || scale > MAX_SCALE) {
    throw new Error(`grayPngDataUrl: \`scale\` must be an integer in [1, ${MAX_SCALE}], got ${scale}`);
  }

  const data = scale === 1 ? pixels : upscale(pixels, width, height, scale);
  const png = encode({ width: width * scale, height: height * scale, data, channels: 1, depth: 8 });
  return `data:image/png;base64,${Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString('base64')}`;
}

/** Nearest-neighbour upscaling: `[height, width]` to `[height * scale, width * scale]`. */
function upscale(pixels: Uint8Array, width: number, height: number, scale: number): Uint8Array {
  const outWidth = width * scale;
  const out = new Uint8Array(outWidth * height * scale);
  for (let y = 0; y < height * scale; y++) {
    const sourceRow = Math.floor(y / scale) * width;
    for (let x = 0; x < outWidth; x++) {
      out[y * outWidth + x] = pixels[sourceRow + Math.floor(x / scale)];
    }
  }
  return out;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
