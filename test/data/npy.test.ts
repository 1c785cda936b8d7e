import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseNpy } from '../../kernel-lib/data/npy';
import { bytesOf, npyBytes } from '../helpers/npz-writer';

const FLOAT_2X3_DICT = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
const FLOAT_2X3 = [1.5, -2, 3.25, 4, 5, -6.5];

test('float32 2x3 loads from header versions 1.0, 2.0 and 3.0', () => {
  const data = bytesOf(new Float32Array(FLOAT_2X3));
  for (const version of [1, 2, 3]) {
    const array = parseNpy(npyBytes(FLOAT_2X3_DICT, data, version));
    assert.is(array.dtype, 'float32', `version ${version}.0`);
    assert.equal(array.shape, [2, 3], `version ${version}.0`);
    assert.instance(array.data, Float32Array);
    assert.equal(Array.from(array.data), FLOAT_2X3, `version ${version}.0`);
  }
});

test('version 1.0 header of 310 bytes uses both length bytes', () => {
  const bytes = npyBytes(FLOAT_2X3_DICT, bytesOf(new Float32Array(FLOAT_2X3)), 1, 310);
  // Header length 300 = 0x012c, stored little-endian.
  assert.is(bytes[8], 0x2c);
  assert.is(bytes[9], 0x01);
  const array = parseNpy(bytes);
  assert.equal(array.shape, [2, 3]);
  assert.equal(Array.from(array.data), FLOAT_2X3);
});

test('fortran_order int64 2x3 loads in row-major order', () => {
  // [[1, 2, 3], [4, 5, 6]] stored column by column: 1, 4, 2, 5, 3, 6.
  const data = bytesOf(new BigInt64Array([1n, 4n, 2n, 5n, 3n, 6n]));
  const array = parseNpy(npyBytes("{'descr': '<i8', 'fortran_order': True, 'shape': (2, 3), }", data));
  assert.is(array.dtype, 'int64');
  assert.equal(array.shape, [2, 3]);
  assert.instance(array.data, Float64Array);
  assert.equal(Array.from(array.data), [1, 2, 3, 4, 5, 6]);
});

test('fortran_order 3-D array loads in row-major order', () => {
  // Element (i, j, k) of shape (2, 3, 4) holds its row-major flat index 12i + 4j + k;
  // column-major order lists i fastest, then j, then k.
  const columnMajor: number[] = [];
  for (let k = 0; k < 4; k++) for (let j = 0; j < 3; j++) for (let i = 0; i < 2; i++) columnMajor.push(12 * i + 4 * j + k);
  const array = parseNpy(npyBytes("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3, 4), }", Uint8Array.from(columnMajor)));
  assert.equal(Array.from(array.data), Array.from({ length: 24 }, (_, n) => n));
});

test('big-endian float32 loads to native values', () => {
  const data = new Uint8Array(12);
  const view = new DataView(data.buffer);
  [1.5, -2, 3.25].forEach((value, i) => view.setFloat32(4 * i, value, false));
  const array = parseNpy(npyBytes("{'descr': '>f4', 'fortran_order': False, 'shape': (3,), }", data));
  assert.equal(Array.from(array.data), [1.5, -2, 3.25]);
});

test('each supported dtype loads its values', () => {
  const cases: [string, string, ArrayBufferView, number[]][] = [
    ['|b1', 'bool', Uint8Array.from([1, 0, 1]), [1, 0, 1]],
    ['|u1', 'uint8', Uint8Array.from([0, 128, 255]), [0, 128, 255]],
    ['|i1', 'int8', Int8Array.from([-128, 0, 127]), [-128, 0, 127]],
    ['<u2', 'uint16', Uint16Array.from([0, 300, 65535]), [0, 300, 65535]],
    ['<i2', 'int16', Int16Array.from([-32768, -1, 32767]), [-32768, -1, 32767]],
    ['<u4', 'uint32', Uint32Array.from([0, 70000, 4294967295]), [0, 70000, 4294967295]],
    ['<i4', 'int32', Int32Array.from([-2147483648, -5, 2147483647]), [-2147483648, -5, 2147483647]],
    ['<f8', 'float64', Float64Array.from([0.1, -1e300, 2.5]), [0.1, -1e300, 2.5]],
    ['<u8', 'uint64', BigUint64Array.from([0n, 2n ** 53n, 7n]), [0, 2 ** 53, 7]],
  ];
  for (const [descr, dtype, typed, expected] of cases) {
    const array = parseNpy(npyBytes(`{'descr': '${descr}', 'fortran_order': False, 'shape': (3,), }`, bytesOf(typed)));
    assert.is(array.dtype, dtype, descr);
    assert.equal(Array.from(array.data), expected, descr);
  }
});

test('big-endian int16 and float64 are byte-swapped', () => {
  const data = new Uint8Array(10);
  const view = new DataView(data.buffer);
  view.setInt16(0, -300, false);
  view.setFloat64(2, -0.125, false);
  assert.equal(Array.from(parseNpy(npyBytes("{'descr': '>i2', 'fortran_order': False, 'shape': (1,), }", data.subarray(0, 2))).data), [-300]);
  assert.equal(Array.from(parseNpy(npyBytes("{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", data.subarray(2))).data), [-0.125]);
});

test('header dict parses despite quoting and spacing variants', () => {
  const data = bytesOf(new Float32Array(FLOAT_2X3));
  const dicts = [
    '{"descr": "<f4", "fortran_order": False, "shape": (2, 3)}',
    "{ 'shape' : ( 2 , 3 , ) ,'fortran_order':False,'descr':'<f4' , }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }",
  ];
  for (const dict of dicts) {
    assert.equal(parseNpy(npyBytes(dict, data)).shape, [2, 3], dict);
  }
});

test('scalar and empty shapes load', () => {
  const scalar = parseNpy(npyBytes("{'descr': '<i2', 'fortran_order': False, 'shape': (), }", bytesOf(Int16Array.from([5]))));
  assert.equal(scalar.shape, []);
  assert.equal(Array.from(scalar.data), [5]);
  const empty = parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 28), }", new Uint8Array(0)));
  assert.equal(empty.shape, [0, 28]);
  assert.is(empty.data.length, 0);
});

test('data of a Buffer slice is copied, not aliased', () => {
  const file = Buffer.from(npyBytes("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", bytesOf(Int32Array.from([7, -7]))));
  const inner = Buffer.concat([Buffer.from([1, 2, 3]), file]).subarray(3);
  const array = parseNpy(inner);
  assert.equal(Array.from(array.data), [7, -7]);
  assert.is(array.data.byteOffset, 0);
});

test('rejects structured dtype naming it', () => {
  const dict = "{'descr': [('a', '<i4'), ('b', '<f4')], 'fortran_order': False, 'shape': (2,), }";
  assert.throws(() => parseNpy(npyBytes(dict, new Uint8Array(16)), 'pairs.npy'), (err: Error) => {
    assert.match(err.message, /^parseNpy: pairs\.npy: structured dtype/);
    assert.match(err.message, "[('a', '<i4'), ('b', '<f4')]");
    return true;
  });
});

test('rejects major version 4', () => {
  const bytes = npyBytes(FLOAT_2X3_DICT, new Uint8Array(24), 2);
  bytes[6] = 4;
  assert.throws(() => parseNpy(bytes), /unsupported \.npy format version 4\.0/);
});

test('rejects bad magic showing the bytes', () => {
  assert.throws(() => parseNpy(Buffer.from('PK\x03\x04 not an npy file'), 'x.npy'), /x\.npy: bad magic: .*got 50 4b 03 04 20 6e/);
});

test('rejects object dtype', () => {
  const bytes = npyBytes("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8));
  assert.throws(() => parseNpy(bytes), /object dtype '\|O' is not supported/);
});

test('rejects unsupported dtype naming it', () => {
  const bytes = npyBytes("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8));
  assert.throws(() => parseNpy(bytes), /unsupported dtype '<c8'/);
});

test('rejects data shorter than the shape needs', () => {
  const bytes = npyBytes(FLOAT_2X3_DICT, bytesOf(new Float32Array(5)));
  assert.throws(() => parseNpy(bytes), /shape \(2, 3\) of float32 needs 24 bytes, the file has 20/);
});

test('rejects a header cut off by the end of the file', () => {
  const bytes = npyBytes(FLOAT_2X3_DICT, new Uint8Array(0));
  assert.throws(() => parseNpy(bytes.subarray(0, 40)), /header needs 128 bytes, the file has 40/);
});

test('rejects int64 that float64 rounds', () => {
  const data = bytesOf(BigInt64Array.from([1n, 2n ** 53n + 1n]));
  const bytes = npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", data);
  assert.throws(() => parseNpy(bytes), /int64 value 9007199254740993 at flat index 1/);
});

test('rejects a header with a missing key', () => {
  const bytes = npyBytes("{'descr': '<f4', 'shape': (2, 3), }", new Uint8Array(24));
  assert.throws(() => parseNpy(bytes), /'fortran_order' must be True or False, got nothing \(key missing\)/);
});

test('rejects an unparseable header', () => {
  const bytes = npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3) ", new Uint8Array(24));
  assert.throws(() => parseNpy(bytes), /invalid header .*expected ',' or '}'/);
});

test.run();
