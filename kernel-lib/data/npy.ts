/**
 * Reader for NumPy `.npy` arrays (format versions 1.0, 2.0 and 3.0, as described in
 * `numpy.lib.format`). A file starts with the magic `\x93NUMPY`, a major and a minor
 * version byte, and a little-endian header length (uint16 for 1.0, uint32 for 2.0
 * and 3.0). The header is a Python dict literal such as
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`, padded with spaces
 * and a newline. The raw element bytes follow it.
 */

export type NpyData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** A decoded array: `data` is in row-major (C) order and native (little-endian) byte order. */
export interface NpyArray {
  /** NumPy dtype name of the file ('uint8', 'float32', …); int64 and uint64 arrive as Float64Array. */
  dtype: string;
  shape: number[];
  data: NpyData;
}

interface DtypeSpec {
  name: string;
  itemSize: number;
  /** Wraps little-endian element bytes (a fresh, aligned copy) as a typed array. */
  view?: (buffer: ArrayBuffer, length: number) => NpyData;
  /** Reads 64-bit integers, which have no exact typed array here. */
  bigInt?: 'signed' | 'unsigned';
}

/** Supported dtypes, keyed by the kind letter and item size of the `descr` string. */
const DTYPES: Record<string, DtypeSpec> = {
  b1: { name: 'bool', itemSize: 1, view: (b, n) => new Uint8Array(b, 0, n) },
  u1: { name: 'uint8', itemSize: 1, view: (b, n) => new Uint8Array(b, 0, n) },
  i1: { name: 'int8', itemSize: 1, view: (b, n) => new Int8Array(b, 0, n) },
  u2: { name: 'uint16', itemSize: 2, view: (b, n) => new Uint16Array(b, 0, n) },
  i2: { name: 'int16', itemSize: 2, view: (b, n) => new Int16Array(b, 0, n) },
  u4: { name: 'uint32', itemSize: 4, view: (b, n) => new Uint32Array(b, 0, n) },
  i4: { name: 'int32', itemSize: 4, view: (b, n) => new Int32Array(b, 0, n) },
  f4: { name: 'float32', itemSize: 4, view: (b, n) => new Float32Array(b, 0, n) },
  f8: { name: 'float64', itemSize: 8, view: (b, n) => new Float64Array(b, 0, n) },
  i8: { name: 'int64', itemSize: 8, bigInt: 'signed' },
  u8: { name: 'uint64', itemSize: 8, bigInt: 'unsigned' },
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/**
 * Parses the bytes of one `.npy` file. `source` names the file in error messages.
 * Throws for a bad magic, an unknown version, a structured, object or unsupported
 * dtype, an int64 value that a float64 cannot hold exactly, and data shorter than
 * the shape needs. Bytes after the data are ignored, as `numpy.load` ignores them.
 */
export function parseNpy(bytes: Uint8Array, source = '.npy data'): NpyArray {
  const fail = (detail: string): never => {
    throw new Error(`parseNpy: ${source}: ${detail}`);
  };

  // 1. Magic and version.
  if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) {
    const start = Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(' ');
    fail(`bad magic: expected 93 4e 55 4d 50 59 ("\\x93NUMPY"), got ${start || 'an empty file'}; this is not a .npy file`);
  }
  if (bytes.length < 8) fail(`file is truncated after the magic (${bytes.length} bytes)`);
  const major = bytes[6];
  const minor = bytes[7];
  if (![1, 2, 3].includes(major) || minor !== 0) {
    fail(`unsupported .npy format version ${major}.${minor}; versions 1.0, 2.0 and 3.0 are supported`);
  }

  // 2. Header length: uint16 LE for 1.0, uint32 LE for 2.0 and 3.0.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefixLength = major === 1 ? 10 : 12;
  if (bytes.length < prefixLength) fail(`file is truncated inside the header length field (${bytes.length} bytes)`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = prefixLength + headerLength;
  if (bytes.length < dataOffset) {
    fail(`file is truncated: the header needs ${dataOffset} bytes, the file has ${bytes.length}`);
  }

  // 3. Header dict: latin-1 text for 1.0 and 2.0, UTF-8 for 3.0.
  const headerBytes = Buffer.from(bytes.buffer, bytes.byteOffset + prefixLength, headerLength);
  const headerText = headerBytes.toString(major === 3 ? 'utf8' : 'latin1');
  let header: PyValue;
  try {
    header = parsePythonLiteral(headerText);
  } catch (err) {
    return fail(`invalid header ${JSON.stringify(headerText.trim())}: ${(err as Error).message}`);
  }
  if (!(header instanceof Map)) return fail(`header is not a dict: ${JSON.stringify(headerText.trim())}`);
  const descr = header.get('descr');
  const fortranOrder = header.get('fortran_order');
  const shape = header.get('shape');

  if (Array.isArray(descr)) {
    fail(`structured dtype ${formatPython(descr)} is not supported; save each field as its own array`);
  }
  if (typeof descr !== 'string') return fail(`header 'descr' must be a dtype string, got ${formatPython(descr)}`);
  if (typeof fortranOrder !== 'boolean') {
    return fail(`header 'fortran_order' must be True or False, got ${formatPython(fortranOrder)}`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    return fail(`header 'shape' must be a tuple of non-negative integers, got ${formatPython(shape)}`);
  }
  const dims = shape as number[];

  // 4. Dtype from descr: byte order ('<' little, '>' big, '|' not applicable, '=' native), kind, item size.
  const match = /^([<>|=]?)([a-zA-Z])(\d*)$/.exec(descr);
  if (match !== null && match[2] === 'O') {
    fail(`object dtype '${descr}' is not supported: it holds pickled Python objects, not numbers`);
  }
  const spec = match === null ? undefined : DTYPES[match[2] + match[3]];
  if (match === null || spec === undefined) {
    return fail(`unsupported dtype '${descr}'; supported: ${Object.keys(DTYPES).join(', ')} with byte order '<', '>' or '|'`);
  }
  if (match[1] === '|' && spec.itemSize > 1) {
    fail(`dtype '${descr}' has no byte order ('|') although its items are ${spec.itemSize} bytes`);
  }
  const bigEndian = match[1] === '>';

  // 5. Element bytes.
  const count = dims.reduce((product, d) => product * d, 1);
  const byteLength = count * spec.itemSize;
  const available = bytes.length - dataOffset;
  if (available < byteLength) {
    fail(
      `data is truncated: shape (${dims.join(', ')}) of ${spec.name} needs ${byteLength} bytes, ` +
        `the file has ${available} after the header`,
    );
  }
  const raw = bytes.subarray(dataOffset, dataOffset + byteLength);
  const data = spec.bigInt ? readInt64(raw, count, bigEndian, spec.bigInt, fail) : readElements(raw, count, spec, bigEndian);

  // 6. Column-major files list the first axis fastest; reorder to row-major.
  return { dtype: spec.name, shape: dims, data: fortranOrder ? fortranToRowMajor(data, dims) : data };
}

/** Copies the element bytes into an aligned buffer, swapping each item to little-endian if needed. */
function readElements(raw: Uint8Array, count: number, spec: DtypeSpec, bigEndian: boolean): NpyData {
  // A fresh buffer at offset 0 keeps every typed array aligned. (Buffer#slice would not copy.)
  const copy = new Uint8Array(raw);
  if (bigEndian && spec.itemSize > 1) {
    for (let offset = 0; offset < copy.length; offset += spec.itemSize) {
      copy.subarray(offset, offset + spec.itemSize).reverse();
    }
  }
  return spec.view!(copy.buffer, count);
}

/** Converts 64-bit integers to float64, rejecting any value that would be rounded (some beyond 2^53). */
function readInt64(
  raw: Uint8Array,
  count: number,
  bigEndian: boolean,
  signedness: 'signed' | 'unsigned',
  fail: (detail: string) => never,
): Float64Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const value =
      signedness === 'signed' ? view.getBigInt64(i * 8, !bigEndian) : view.getBigUint64(i * 8, !bigEndian);
    const asNumber = Number(value);
    if (BigInt(asNumber) !== value) {
      fail(`${signedness === 'signed' ? 'int64' : 'uint64'} value ${value} at flat index ${i} cannot be held exactly in a float64`);
    }
    out[i] = asNumber;
  }
  return out;
}

/**
 * Reorders column-major elements to row-major. In column-major order the element at
 * index (i0, i1, …) sits at i0 + shape[0] * (i1 + shape[1] * (i2 + …)).
 */
function fortranToRowMajor<T extends NpyData>(data: T, shape: number[]): T {
  const rank = shape.length;
  if (rank < 2) return data;
  const columnStrides = new Array<number>(rank);
  columnStrides[0] = 1;
  for (let axis = 1; axis < rank; axis++) columnStrides[axis] = columnStrides[axis - 1] * shape[axis - 1];

  const out = new (data.constructor as new (length: number) => T)(data.length);
  const index = new Array<number>(rank).fill(0);
  let source = 0;
  for (let target = 0; target < data.length; target++) {
    out[target] = data[source];
    // Advance the row-major index (last axis fastest) and keep `source` in step.
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]++;
      source += columnStrides[axis];
      if (index[axis] < shape[axis]) break;
      source -= columnStrides[axis] * shape[axis];
      index[axis] = 0;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------
// The header dict: a small parser for the Python literals that `repr` writes there.
// Dicts become Map, tuples and lists become arrays, True/False booleans, None null.

type PyValue = string | number | boolean | null | PyValue[] | Map<string, PyValue>;

/** Arrays parsed from tuples, so error messages can print them as Python did. */
const tuples = new WeakSet<PyValue[]>();

/** Parses a Python literal (dict, tuple, list, string, integer, True, False, None). */
function parsePythonLiteral(text: string): PyValue {
  let pos = 0;

  const skipSpace = () => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const expect = (char: string) => {
    skipSpace();
    if (text[pos] !== char) throw new Error(`expected '${char}' at position ${pos}, found ${describeChar(text[pos])}`);
    pos++;
  };

  // Items separated by commas, an optional trailing comma, up to `close`.
  const parseItems = (close: string, parseItem: () => void) => {
    skipSpace();
    while (text[pos] !== close) {
      parseItem();
      skipSpace();
      if (text[pos] === ',') pos++;
      else if (text[pos] !== close) throw new Error(`expected ',' or '${close}' at position ${pos}, found ${describeChar(text[pos])}`);
      skipSpace();
    }
    pos++;
  };

  const parseValue = (): PyValue => {
    skipSpace();
    const char = text[pos];
    if (char === '{') {
      pos++;
      const dict = new Map<string, PyValue>();
      parseItems('}', () => {
        const key = parseValue();
        if (typeof key !== 'string') throw new Error(`dict key must be a string, got ${formatPython(key)}`);
        expect(':');
        dict.set(key, parseValue());
      });
      return dict;
    }
    if (char === '(' || char === '[') {
      pos++;
      const items: PyValue[] = [];
      parseItems(char === '(' ? ')' : ']', () => items.push(parseValue()));
      if (char === '(') tuples.add(items);
      return items;
    }
    if (char === "'" || char === '"') return parseString(char);
    const word = /^[-+]?\d+L?|^[A-Za-z_]\w*/.exec(text.slice(pos));
    if (word === null) throw new Error(`unexpected ${describeChar(char)} at position ${pos}`);
    pos += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    if (/^[-+]?\d/.test(word[0])) return Number(word[0].replace('L', '')); // Python 2 wrote longs as 3L
    throw new Error(`unknown name '${word[0]}' at position ${pos - word[0].length}`);
  };

  const parseString = (quote: string): string => {
    pos++;
    let value = '';
    while (pos < text.length && text[pos] !== quote) {
      if (text[pos] === '\\') pos++; // keep the escaped character itself
      value += text[pos++];
    }
    if (pos >= text.length) throw new Error('unterminated string');
    pos++;
    return value;
  };

  const value = parseValue();
  skipSpace();
  if (pos < text.length) throw new Error(`unexpected ${describeChar(text[pos])} at position ${pos} after the literal`);
  return value;
}

function describeChar(char: string | undefined): string {
  return char === undefined ? 'the end of the header' : `'${char}'`;
}

/** Formats a parsed value back as Python would print it, for error messages. */
function formatPython(value: PyValue | undefined): string {
  if (value === undefined) return 'nothing (key missing)';
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) {
    const items = value.map(formatPython);
    if (!tuples.has(value)) return `[${items.join(', ')}]`;
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
  }
  return `{${Array.from(value, ([k, v]) => `'${k}': ${formatPython(v)}`).join(', ')}}`;
}
