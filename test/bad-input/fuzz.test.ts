import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encode } from 'fast-png';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseNpy } from '../../kernel-lib/data/npy';
import { parseNpz } from '../../kernel-lib/data/npz';
import { loadPngFolder } from '../../kernel-lib/data/png-folder';
import { parsePhysionetRecord } from '../../kernel-lib/ehr';
import { parseDicom } from '../../kernel-lib/io/dicom';
import { decodeGrayPng } from '../../kernel-lib/io/png16';
import { parseNotebook } from '../../kernel-lib/notebook';
import { setLogSink } from '../../kernel-lib/util/log';
import { Random } from '../../kernel-lib/util/random';
import { grayDataset, makeDicom } from '../io/dicom/make-dicom';
import { makeZip, npy } from '../helpers/npz-writer';

// Seeded fuzzing of every file loader: 50 random byte strings and 50 mutations of a small valid
// file each. A loader may accept an input or throw a plain Error whose message starts with a
// function or command name ("parseNpy: ..."). A TypeError, a RangeError or a message that names
// no function fails the test. Inputs stay under 1 kB so that no case runs long.

const CASES_PER_KIND = 50;
/** A message that starts with an identifier, optionally dotted, and a colon: `parseNpy: ...`. */
const NAMED_MESSAGE = /^[A-Za-z_$][\w$.]*(?: [a-z]+)?: /;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-fuzz-'));
let previousSink: ReturnType<typeof setLogSink>;
// dcmjs warnings about broken elements are expected for these inputs, so they are not printed.
test.before(() => {
  previousSink = setLogSink(() => undefined);
});
test.after(() => {
  setLogSink(previousSink);
  fs.rmSync(work, { recursive: true, force: true });
});

function randomBytes(random: Random, maxLength: number): Uint8Array {
  const length = random.int(maxLength) + 1;
  return Uint8Array.from({ length }, () => random.int(256));
}

/** Returns a copy of `valid` with 1 to 8 bytes overwritten, or cut short, or both. */
function mutate(random: Random, valid: Uint8Array): Uint8Array {
  let bytes = valid.slice();
  const edits = random.int(8) + 1;
  for (let i = 0; i < edits; i++) bytes[random.int(bytes.length)] = random.int(256);
  if (random.int(3) === 0) bytes = bytes.slice(0, random.int(bytes.length) + 1);
  return bytes;
}

/** Runs `load` on one input; returns a description of a disallowed failure, or null. */
function checkOne(label: string, load: () => unknown): string | null {
  try {
    load();
    return null;
  } catch (err) {
    if (!(err instanceof Error)) return `${label}: threw a non-Error ${String(err)}`;
    if (err.constructor !== Error) return `${label}: threw ${err.constructor.name}: ${err.message}`;
    if (!NAMED_MESSAGE.test(err.message)) return `${label}: message names no function: ${err.message}`;
    return null;
  }
}

const TEXT_RECORD = 'Time,Parameter,Value\n00:00,RecordID,132539\n00:00,Age,54\n00:00,Gender,0\n00:07,HR,73\n00:37,Temp,36.9\n';
const NOTEBOOK = JSON.stringify({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: [{ cell_type: 'code', source: ['let seed = 0;\n'], metadata: { tags: ['parameters'] }, outputs: [], execution_count: null }],
});

const pngFolder = path.join(work, 'png', 'only-class');
fs.mkdirSync(pngFolder, { recursive: true });

/** Writes `bytes` as the single image of a one-class PNG folder and loads the folder. */
function loadSinglePng(bytes: Uint8Array): unknown {
  fs.writeFileSync(path.join(pngFolder, 'a.png'), bytes);
  return loadPngFolder(path.dirname(pngFolder));
}

const LOADERS: [string, Uint8Array, (bytes: Uint8Array) => unknown][] = [
  ['npy', npy('<f4', [2, 3], Float32Array.from([1, 2, 3, 4, 5, 6])), (bytes) => parseNpy(bytes, 'fuzz.npy')],
  [
    'npz',
    makeZip([['train_images.npy', npy('|u1', [1, 2, 2], Uint8Array.from([1, 2, 3, 4]))], ['train_labels.npy', npy('|u1', [1, 1], Uint8Array.from([0]))]]),
    (bytes) => parseNpz(bytes, 'fuzz.npz'),
  ],
  ['png', encode({ width: 3, height: 3, data: new Uint8Array(9).fill(7), channels: 1, depth: 8 }), loadSinglePng],
  ['png16', encode({ width: 3, height: 3, data: new Uint16Array(9).fill(30000), channels: 1, depth: 16 }), (bytes) => decodeGrayPng(bytes, 'fuzz.png')],
  ['dicom', makeDicom(grayDataset(2, 2, new Uint8Array(8).fill(5))), (bytes) => parseDicom(bytes, { source: 'fuzz.dcm' })],
  ['physionet record', new Uint8Array(Buffer.from(TEXT_RECORD, 'latin1')), (bytes) => parsePhysionetRecord(Buffer.from(bytes).toString('latin1'), '132539.txt')],
  ['notebook', new Uint8Array(Buffer.from(NOTEBOOK, 'utf8')), (bytes) => parseNotebook(Buffer.from(bytes).toString('utf8'), 'fuzz.ipynb')],
];

for (const [name, valid, load] of LOADERS) {
  test(`${name} loader accepts its valid file`, () => {
    assert.not.throws(() => load(valid));
  });

  test(`${name} loader on random bytes`, () => {
    const random = new Random(2024);
    const failures: string[] = [];
    for (let i = 0; i < CASES_PER_KIND; i++) {
      const failure = checkOne(`random case ${i}`, () => load(randomBytes(random, 512)));
      if (failure !== null) failures.push(failure);
    }
    assert.equal(failures, []);
  });

  test(`${name} loader on mutated files`, () => {
    const random = new Random(7);
    const failures: string[] = [];
    for (let i = 0; i < CASES_PER_KIND; i++) {
      const failure = checkOne(`mutation ${i}`, () => load(mutate(random, valid)));
      if (failure !== null) failures.push(failure);
    }
    assert.equal(failures, []);
  });
}

test.run();
