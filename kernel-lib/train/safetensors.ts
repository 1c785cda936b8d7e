import * as fs from 'fs';
import { writeFileAtomic } from '../util/atomic-write';

/**
 * Reads and writes the safetensors format (used by Hugging Face and PyTorch tooling):
 * an 8-byte little-endian header length, a JSON header mapping each tensor name to
 * { dtype, shape, data_offsets: [begin, end] } (offsets relative to the data section),
 * an optional "__metadata__" map of strings, then the raw little-endian data.
 * Only F32 tensors are written or read here.
 */
export interface NamedArray {
  shape: number[];
  data: Float32Array;
}

export function encodeSafetensors(tensors: Map<string, NamedArray>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, { shape, data }] of tensors) {
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let headerText = JSON.stringify(header);
  // Pad with spaces so the data section starts 8-byte aligned.
  headerText += ' '.repeat((8 - ((8 + Buffer.byteLength(headerText)) % 8)) % 8);
  const headerBytes = Buffer.from(headerText, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const { data } of tensors.values()) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), position);
    position += data.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array, source: string): { tensors: Map<string, NamedArray>; metadata: Record<string, string> } {
  const corrupt = (why: string) =>
    new Error(`corrupt checkpoint ${source}: ${why}; restore it from a copy or train again`);
  if (bytes.length < 8) throw corrupt(`only ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) throw corrupt(`header length ${headerLength} exceeds the file`);
  let header: Record<string, any>;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLength)).toString('utf8'));
  } catch (err) {
    throw corrupt(`header is not JSON (${(err as Error).message})`);
  }
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, NamedArray>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (entry.dtype !== 'F32') throw corrupt(`tensor '${name}' has dtype ${entry.dtype}; only F32 is supported`);
    const [begin, end] = entry.data_offsets as [number, number];
    const size = (entry.shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== size * 4 || dataStart + end > bytes.length) throw corrupt(`tensor '${name}' data is truncated`);
    // Copy so the result does not depend on the alignment of the file buffer.
    const data = new Float32Array(size);
    new Uint8Array(data.buffer).set(bytes.subarray(dataStart + begin, dataStart + end));
    tensors.set(name, { shape: entry.shape, data });
  }
  return { tensors, metadata: header.__metadata__ ?? {} };
}

export function saveSafetensors(filePath: string, tensors: Map<string, NamedArray>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(filePath, encodeSafetensors(tensors, metadata));
}

export function loadSafetensors(filePath: string): { tensors: Map<string, NamedArray>; metadata: Record<string, string> } {
  if (!fs.existsSync(filePath)) throw new Error(`checkpoint not found: ${filePath}; check the model directory or train a model first`);
  return decodeSafetensors(fs.readFileSync(filePath), filePath);
}
