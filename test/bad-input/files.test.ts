import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encode } from 'fast-png';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadMedMnist } from '../../kernel-lib/data/medmnist';
import { parseNpy } from '../../kernel-lib/data/npy';
import { loadNpz } from '../../kernel-lib/data/npz';
import { loadPngFolder } from '../../kernel-lib/data/png-folder';
import { parsePhysionetOutcomes, parsePhysionetRecord, readPhysionetRecord } from '../../kernel-lib/ehr';
import { parseDicom, readDicomFile } from '../../kernel-lib/io/dicom';
import { decodeGrayPng, readGrayPng } from '../../kernel-lib/io/png16';
import { Random } from '../../kernel-lib/util/random';
import { grayDataset, makeDicom } from '../io/dicom/make-dicom';
import { npy, writeNpz } from '../helpers/npz-writer';

// Corrupt, truncated and inconsistent input files: every loader rejects them with a message
// that names the loader, the file and what to do, and leaves the file byte-identical.

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-bad-files-'));
test.after(() => fs.rmSync(work, { recursive: true, force: true }));

function randomBytes(seed: number, length: number): Uint8Array {
  const random = new Random(seed);
  return Uint8Array.from({ length }, () => random.int(256));
}

/** Writes `bytes` to `name` under the work folder and returns the path. */
function writeInput(name: string, bytes: Uint8Array): string {
  const filePath = path.join(work, name);
  fs.mkdirSync(path.dirname(filePath), { recursive: true });
  fs.writeFileSync(filePath, bytes);
  return filePath;
}

/** Runs `call`, expects an Error, and returns its message; the file at `filePath` must not change. */
function rejectKeepingFile(filePath: string, call: () => unknown): string {
  const before = fs.readFileSync(filePath);
  let message: string | undefined;
  try {
    call();
  } catch (err) {
    assert.instance(err, Error);
    message = (err as Error).message;
  }
  assert.ok(message !== undefined, `expected the call on ${filePath} to throw`);
  assert.equal(fs.readFileSync(filePath), before, `${filePath} changed although the call failed`);
  return message as string;
}

const TINY_IMAGES = npy('|u1', [2, 2, 2], Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7]));
const TINY_LABELS = npy('|u1', [2, 1], Uint8Array.from([0, 1]));
const validNpz = writeNpz(path.join(work, 'valid.npz'), { 'train_images.npy': TINY_IMAGES, 'train_labels.npy': TINY_LABELS });

test('npz truncated mid-archive', () => {
  const full = fs.readFileSync(validNpz);
  const filePath = writeInput('truncated.npz', full.subarray(0, Math.floor(full.length / 2)));
  const message = rejectKeepingFile(filePath, () => loadNpz(filePath));
  // NOTE: the message starts with loadNpz's helper readZipEntries, not with loadNpz itself.
  assert.match(message, /^(loadNpz|readZipEntries): /);
  assert.ok(message.includes(filePath), message);
});

test('npz of random bytes', () => {
  const filePath = writeInput('random.npz', randomBytes(1, 300));
  const message = rejectKeepingFile(filePath, () => loadNpz(filePath));
  // NOTE: the message starts with loadNpz's helper readZipEntries, not with loadNpz itself.
  assert.match(message, /^(loadNpz|readZipEntries): /);
  assert.ok(message.includes(filePath), message);
});

test('npz path that does not exist', () => {
  const filePath = path.join(work, 'no-such.npz');
  assert.throws(() => loadNpz(filePath), (err: Error) => err.message.startsWith('loadNpz: file not found: ') && err.message.includes(filePath) && /check the path/.test(err.message));
});

test('npy truncated inside the data', () => {
  const bytes = npy('<f4', [4], Float32Array.from([1, 2, 3, 4]));
  assert.throws(() => parseNpy(bytes.subarray(0, bytes.length - 3), 'short.npy'), /^parseNpy: short\.npy: /);
});

test('npy of random bytes', () => {
  assert.throws(() => parseNpy(randomBytes(2, 200), 'noise.npy'), /^parseNpy: noise\.npy: /);
});

test('npz with more images than labels', () => {
  const filePath = writeNpz(path.join(work, 'counts.npz'), {
    'train_images.npy': npy('|u1', [3, 2, 2], new Uint8Array(12)),
    'train_labels.npy': npy('|u1', [2, 1], Uint8Array.from([0, 1])),
  });
  const message = rejectKeepingFile(filePath, () => loadMedMnist(filePath));
  assert.match(message, /^loadMedMnist: /);
  assert.ok(message.includes(filePath), message);
  assert.match(message, /\b3\b/);
  assert.match(message, /\b2\b/);
});

test('npz without train arrays', () => {
  const filePath = writeNpz(path.join(work, 'nokeys.npz'), { 'images.npy': TINY_IMAGES });
  const message = rejectKeepingFile(filePath, () => loadMedMnist(filePath));
  assert.match(message, /^loadMedMnist: .*missing 'train_images' or 'train_labels'/);
  assert.match(message, /"images"/);
});

test('png folder with a random-byte image', () => {
  const root = path.join(work, 'png-random');
  writeInput('png-random/normal/a.png', encode({ width: 2, height: 2, data: new Uint8Array(4), channels: 1, depth: 8 }));
  const bad = writeInput('png-random/lesion/b.png', randomBytes(3, 64));
  const message = rejectKeepingFile(bad, () => loadPngFolder(root));
  assert.match(message, /^loadPngFolder: corrupt or unreadable PNG /);
  assert.ok(message.includes(bad), message);
});

test('png folder with a truncated image', () => {
  const root = path.join(work, 'png-truncated');
  const good = encode({ width: 4, height: 4, data: new Uint8Array(16), channels: 1, depth: 8 });
  writeInput('png-truncated/normal/a.png', good);
  const bad = writeInput('png-truncated/lesion/b.png', good.subarray(0, good.length - 20));
  const message = rejectKeepingFile(bad, () => loadPngFolder(root));
  assert.match(message, /^loadPngFolder: /);
  assert.ok(message.includes(bad), message);
});

test('png folder with an empty class folder', () => {
  const root = path.join(work, 'png-empty-class');
  writeInput('png-empty-class/normal/a.png', encode({ width: 2, height: 2, data: new Uint8Array(4), channels: 1, depth: 8 }));
  fs.mkdirSync(path.join(root, 'lesion'), { recursive: true });
  assert.throws(
    () => loadPngFolder(root),
    (err: Error) => err.message === `loadPngFolder: class folder ${path.join(root, 'lesion')} contains no .png files`,
  );
});

test('png folder with no class folders', () => {
  const root = path.join(work, 'png-none');
  fs.mkdirSync(root, { recursive: true });
  assert.throws(() => loadPngFolder(root), (err: Error) => err.message.startsWith('loadPngFolder: ') && err.message.includes(root));
});

test('16-bit png truncated', () => {
  const bytes = encode({ width: 3, height: 3, data: new Uint16Array(9).fill(40000), channels: 1, depth: 16 });
  const filePath = writeInput('short16.png', bytes.subarray(0, bytes.length - 16));
  const message = rejectKeepingFile(filePath, () => readGrayPng(filePath));
  assert.match(message, /^readGrayPng: /);
  assert.ok(message.includes(filePath), message);
  assert.match(message, /corrupt or unreadable PNG/);
});

test('16-bit png of random bytes', () => {
  assert.throws(() => decodeGrayPng(randomBytes(4, 100), 'noise.png'), /^decodeGrayPng: noise\.png: corrupt or unreadable PNG/);
});

test('16-bit png with colour channels', () => {
  const bytes = encode({ width: 2, height: 2, data: new Uint16Array(12), channels: 3, depth: 16 });
  assert.throws(() => decodeGrayPng(bytes, 'rgb.png'), /^decodeGrayPng: rgb\.png has .*convert it to grayscale first/);
});

test('dicom truncated inside pixel data', () => {
  const bytes = makeDicom(grayDataset(4, 4, new Uint8Array(32).fill(9)));
  const filePath = writeInput('short.dcm', bytes.subarray(0, bytes.length - 8));
  const message = rejectKeepingFile(filePath, () => readDicomFile(filePath));
  assert.match(message, /^readDicomFile: /);
  assert.ok(message.includes(filePath), message);
});

test('dicom of random bytes', () => {
  assert.throws(() => parseDicom(randomBytes(5, 400), { source: 'noise.dcm' }), /^parseDicom: noise\.dcm: /);
});

test('physionet record of random bytes', () => {
  const filePath = writeInput('132539.txt', randomBytes(6, 120));
  const message = rejectKeepingFile(filePath, () => readPhysionetRecord(filePath));
  assert.match(message, /^(readPhysionetRecord|parsePhysionetRecord): /);
  assert.match(message, /expected the header 'Time,Parameter,Value'/);
});

test('physionet record truncated mid-row in strict mode', () => {
  const text = 'Time,Parameter,Value\n00:00,RecordID,132539\n00:00,Age,54\n00:07,HR,7';
  const truncated = text.slice(0, text.length - 4);
  assert.throws(
    () => parsePhysionetRecord(truncated, '132539.txt', { strict: true }),
    /^parsePhysionetRecord: 132539\.txt:4: .*strict mode; pass strict: false/,
  );
});

test('physionet record id that disagrees with the file name', () => {
  const text = 'Time,Parameter,Value\n00:00,RecordID,132540\n';
  assert.throws(() => parsePhysionetRecord(text, '132539.txt'), /^parsePhysionetRecord: 132539\.txt:2: RecordID 132540 disagrees with the file name; rename the file to 132540\.txt/);
});

test('physionet outcomes with a wrong header', () => {
  assert.throws(() => parsePhysionetOutcomes('RecordID,Death\n1,0\n', 'Outcomes-a.txt'), /^parsePhysionetOutcomes: Outcomes-a\.txt:1: expected the header /);
});

test.run();
