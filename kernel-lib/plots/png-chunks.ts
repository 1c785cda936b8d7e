import * as zlib from 'zlib';

/**
 * Reading the size of a PNG and writing its resolution, on the encoded bytes (PNG specification,
 * ISO/IEC 15948: an 8-byte signature, then chunks of length, type, data and CRC-32; IHDR first).
 */

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const METERS_PER_INCH = 0.0254;

/** Returns the pixel size stored in the IHDR chunk of `png`; throws when `png` is not a PNG. */
export function readPngSize(png: Uint8Array): { width: number; height: number } {
  checkSignature('readPngSize', png);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  if (chunkType(png, 8) !== 'IHDR') {
    throw new Error(`readPngSize: the first chunk must be IHDR, got '${chunkType(png, 8)}'; the file is damaged`);
  }
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * Returns a copy of `png` whose pHYs chunk records `dpi` pixels per inch (stored as pixels per
 * metre), so that LaTeX and word processors place the image at its intended size. An existing
 * pHYs chunk is replaced; the image data is not touched.
 */
export function setPngDpi(png: Uint8Array, dpi: number): Uint8Array {
  checkSignature('setPngDpi', png);
  if (!Number.isFinite(dpi) || dpi <= 0) throw new Error(`setPngDpi: \`dpi\` must be a positive number, got ${dpi}`);

  const pixelsPerMeter = Math.round(dpi / METERS_PER_INCH);
  const data = new Uint8Array(9);
  const dataView = new DataView(data.buffer);
  dataView.setUint32(0, pixelsPerMeter); // x
  dataView.setUint32(4, pixelsPerMeter); // y
  data[8] = 1; // unit: metre
  const physChunk = encodeChunk('pHYs', data);

  // Keep every chunk but an old pHYs, and put the new one right after IHDR (it must precede IDAT).
  const parts: Uint8Array[] = [png.subarray(0, 8)];
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let offset = 8;
  while (offset + 12 <= png.length) {
    const length = view.getUint32(offset);
    const end = offset + 12 + length;
    if (end > png.length) throw new Error(`setPngDpi: chunk at byte ${offset} runs past the end of the file; the PNG is truncated`);
    const type = chunkType(png, offset);
    if (type !== 'pHYs') parts.push(png.subarray(offset, end));
    if (type === 'IHDR') parts.push(physChunk);
    offset = end;
  }
  return Buffer.concat(parts);
}

function checkSignature(caller: string, png: Uint8Array): void {
  if (png.length < 33 || SIGNATURE.some((byte, i) => png[i] !== byte)) {
    throw new Error(`${caller}: the bytes are not a PNG image (no PNG signature or shorter than a header)`);
  }
}

function chunkType(png: Uint8Array, offset: number): string {
  return String.fromCharCode(png[offset + 4], png[offset + 5], png[offset + 6], png[offset + 7]);
}

function encodeChunk(type: string, data: Uint8Array): Uint8Array {
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) chunk[4 + i] = type.charCodeAt(i);
  chunk.set(data, 8);
  // The CRC covers the type and the data, not the length.
  view.setUint32(8 + data.length, zlib.crc32(chunk.subarray(4, 8 + data.length)));
  return chunk;
}
