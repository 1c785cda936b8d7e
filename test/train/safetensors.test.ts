import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeSafetensors, encodeSafetensors, loadSafetensors, saveSafetensors } from '../../kernel-lib/train/safetensors';

test('round trip keeps names, shapes, values and metadata', () => {
  const tensors = new Map([
    ['a.weight', { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6.5]) }],
    ['b', { shape: [1], data: new Float32Array([-0.25]) }],
  ]);
  const bytes = encodeSafetensors(tensors, { note: 'x' });
  const { tensors: back, metadata } = decodeSafetensors(bytes, 'memory');
  assert.equal(back.get('a.weight')?.shape, [2, 3]);
  assert.equal(Array.from(back.get('a.weight')?.data ?? []), [1, 2, 3, 4, 5, 6.5]);
  assert.equal(Array.from(back.get('b')?.data ?? []), [-0.25]);
  assert.is(metadata.note, 'x');
});

test('header follows the safetensors layout', () => {
  const bytes = encodeSafetensors(new Map([['w', { shape: [2], data: new Float32Array([1, 2]) }]]));
  const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.is((8 + headerLength) % 8, 0, 'data section is 8-byte aligned');
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLength)).toString('utf8'));
  assert.equal(header.w, { dtype: 'F32', shape: [2], data_offsets: [0, 8] });
  assert.is(bytes.length, 8 + headerLength + 8);
});

test('truncated file is rejected', () => {
  const bytes = encodeSafetensors(new Map([['w', { shape: [4], data: new Float32Array(4) }]]));
  assert.throws(() => decodeSafetensors(bytes.subarray(0, bytes.length - 4), 'cut.safetensors'), /corrupt checkpoint cut.safetensors: tensor 'w' data is truncated/);
});

test('missing file names the path', () => {
  assert.throws(() => loadSafetensors('/nonexistent/dir/checkpoint.safetensors'), /checkpoint not found: \/nonexistent\/dir\/checkpoint.safetensors/);
});

test('save writes atomically and loads back', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-st-'));
  const file = path.join(dir, 'c.safetensors');
  saveSafetensors(file, new Map([['w', { shape: [1], data: new Float32Array([3]) }]]));
  saveSafetensors(file, new Map([['w', { shape: [1], data: new Float32Array([4]) }]]));
  assert.equal(Array.from(loadSafetensors(file).tensors.get('w')?.data ?? []), [4]);
  assert.equal(fs.readdirSync(dir), ['c.safetensors'], 'no temporary files left');
  fs.rmSync(dir, { recursive: true });
});

test.run();
