import * as fs from 'fs';
import * as path from 'path';
import { decode } from 'fast-png';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { prepareExperimentData } from '../../kernel-lib/experiment/prepare-data';
import { openOrCreateReviewSession, readReviewKey, reviewerImageOrder, ReviewKey, ReviewSession, reviewSessionDir } from '../../kernel-lib/review/session';
import { LogSink, setLogSink } from '../../kernel-lib/util/log';
import { tinyExperimentConfig } from '../experiment/tiny-experiment';
import { FAKE_RUN_SIZE, fakeSyntheticPixels, makeFakeRun } from './fake-run';

let runDir: string;
let session: ReviewSession;
let key: ReviewKey;
let imagesDir: string;
let previousSink: LogSink;

test.before(() => {
  // Session creation logs at info level; keep the test output to uvu's report.
  previousSink = setLogSink(() => undefined);
  runDir = makeFakeRun();
  session = openOrCreateReviewSession(runDir, { sessionName: 'main', imageCount: 12, seed: 3 }).session;
  key = readReviewKey(session);
  imagesDir = path.join(reviewSessionDir(runDir, 'main'), 'images');
});

test.after(() => {
  setLogSink(previousSink);
});

test('session mixes real and synthetic halves', () => {
  assert.is(session.imageIds.length, 12);
  assert.is(key.entries.filter((entry) => entry.source === 'real').length, 6);
  assert.is(key.entries.filter((entry) => entry.source === 'synthetic').length, 6);
});

test('real images match the synthetic class mix', () => {
  // The fake run's synthetic images are all of class 1, 'effusion'.
  for (const entry of key.entries) {
    assert.is(entry.classIndex, 1, `class of ${entry.imageId} (${entry.source})`);
    assert.is(entry.className, 'effusion');
  }
});

test('image files have opaque names', () => {
  const files = fs.readdirSync(imagesDir).sort();
  assert.equal(files, session.imageIds.map((id) => `${id}.png`));
  for (const file of files) assert.match(file, /^img-[0-9a-f]{16}\.png$/);
  assert.equal(session.imageIds, [...session.imageIds].sort());
});

test('answer key stays outside the images folder', () => {
  const sessionDir = reviewSessionDir(runDir, 'main');
  assert.ok(fs.existsSync(path.join(sessionDir, 'key.json')), 'expected key.json in the session folder');
  assert.not.ok(fs.readdirSync(imagesDir).some((file) => !file.endsWith('.png')), 'expected only PNG files in the images folder');
  const publicText = fs.readFileSync(path.join(sessionDir, 'session.json'), 'utf8');
  assert.not.match(publicText, /synthetic"|"real"|"source"/);
});

test('PNG copies carry no text chunks', () => {
  for (const id of session.imageIds) {
    const bytes = fs.readFileSync(path.join(imagesDir, `${id}.png`));
    const png = decode(bytes);
    assert.equal(png.text, {}, `text chunks of ${id}`);
    const raw = bytes.toString('latin1');
    for (const chunk of ['tEXt', 'iTXt', 'zTXt', 'Synthetic', 'medsynth']) assert.not.ok(raw.includes(chunk), `${id} contains ${chunk}`);
  }
});

test('each image holds the pixels its key names', () => {
  const test = prepareExperimentData(tinyExperimentConfig()).dataset.splits.test;
  const size = FAKE_RUN_SIZE * FAKE_RUN_SIZE;
  if (test === undefined) throw new Error('expected the tiny config to have a test split');
  for (const entry of key.entries) {
    const png = decode(fs.readFileSync(path.join(imagesDir, `${entry.imageId}.png`)));
    assert.is(png.width, FAKE_RUN_SIZE);
    assert.is(png.channels, 1);
    let expected: Uint8Array;
    if ('split' in entry.origin) {
      expected = test.images.subarray(entry.origin.index * size, (entry.origin.index + 1) * size);
      assert.is(test.labels[entry.origin.index], entry.classIndex);
    } else {
      const seed = Number(/synthetic_seed(\d+)\.npz$/.exec(entry.origin.file)?.[1]);
      expected = fakeSyntheticPixels(seed, entry.origin.index);
    }
    assert.equal(Array.from(png.data), Array.from(expected), `pixels of ${entry.imageId} (${entry.source})`);
  }
});

test('same seed gives the same session', () => {
  const again = openOrCreateReviewSession(runDir, { sessionName: 'same-seed', imageCount: 12, seed: 3 }).session;
  assert.equal(again.imageIds, session.imageIds);
  assert.equal(readReviewKey(again).entries, key.entries);
});

test('another seed gives other names', () => {
  const other = openOrCreateReviewSession(runDir, { sessionName: 'other-seed', imageCount: 12, seed: 4 }).session;
  const shared = other.imageIds.filter((id) => session.imageIds.includes(id));
  assert.is(shared.length, 0);
});

test('existing session is reused', () => {
  const warnings: string[] = [];
  const previous = setLogSink((level, message) => level === 'warn' && warnings.push(message));
  let reopened;
  try {
    reopened = openOrCreateReviewSession(runDir, { sessionName: 'main', imageCount: 20, seed: 3 });
  } finally {
    setLogSink(previous);
  }
  assert.is(reopened.created, false);
  assert.equal(reopened.session.imageIds, session.imageIds);
  assert.is(warnings.length, 1);
  assert.match(warnings[0], /review session 'main' already exists with imageCount 12; the requested 20 is ignored/);
});

test('reviewer order is seeded by the name', () => {
  const ann = reviewerImageOrder(session, 'Ann');
  assert.equal([...ann].sort(), session.imageIds);
  assert.equal(reviewerImageOrder(session, 'Ann'), ann);
  assert.not.equal(reviewerImageOrder(session, 'Bob'), ann);
  assert.not.equal(reviewerImageOrder({ ...session, seed: 4 }, 'Ann'), ann);
});

test('all real classes draw from the whole test split', () => {
  const mixed = openOrCreateReviewSession(runDir, { sessionName: 'all-classes', imageCount: 40, seed: 0, realClasses: 'all', realFraction: 0.75 }).session;
  const entries = readReviewKey(mixed).entries;
  assert.is(entries.filter((entry) => entry.source === 'real').length, 30);
  // The tiny test split has 300 'no finding' and 25 'effusion' images, so 30 draws include 'no finding'.
  assert.ok(entries.some((entry) => entry.source === 'real' && entry.className === 'no finding'));
});

test('session rejects invalid options', () => {
  const cases: [Parameters<typeof openOrCreateReviewSession>[1], RegExp][] = [
    [{ sessionName: '../escape' }, /openOrCreateReviewSession: `sessionName` must be 1 to 64 letters, digits, '.', '_' or '-', not starting with '.', got "..\/escape"/],
    [{ sessionName: '.hidden' }, /not starting with '.'/],
    [{ imageCount: 1 }, /`imageCount` must be an integer in \[2, 10000\], got 1/],
    [{ seed: 0.5 }, /`seed` must be an integer, got 0.5/],
    [{ realFraction: 1 }, /`realFraction` must be a number in \(0, 1\), got 1/],
    [{ realClasses: 'some' as never }, /`realClasses` must be one of synthetic-mix, all, got "some"/],
  ];
  for (const [options, message] of cases) assert.throws(() => openOrCreateReviewSession(runDir, options), message);
});

test('session needs enough synthetic images', () => {
  // The fake run has 16 synthetic images; 40 images need 20.
  assert.throws(
    () => openOrCreateReviewSession(runDir, { sessionName: 'too-many', imageCount: 40 }),
    /the run has 16 accepted synthetic images, fewer than the 20 that 40 images need; lower `imageCount` to at most 32/,
  );
  assert.not.ok(fs.existsSync(reviewSessionDir(runDir, 'too-many')), 'expected no session folder after a failed creation');
});

test('session needs enough real images of the class', () => {
  // 25 'effusion' test images cannot match 26 real images of that class.
  const big = makeFakeRun(20);
  assert.throws(() => openOrCreateReviewSession(big, { imageCount: 52 }), /the test split has 25 images of 'effusion', fewer than the 26 real images of that class/);
});

test('session needs a finished generation stage', () => {
  const unfinished = makeFakeRun(2);
  fs.writeFileSync(path.join(unfinished, 'state.json'), JSON.stringify({ finished: ['data', 'diffusion'] }));
  assert.throws(() => openOrCreateReviewSession(unfinished), /has not finished its generation stage.*medsynth run --resume/);
});

test('session needs a run directory', () => {
  assert.throws(() => openOrCreateReviewSession(path.join(runDir, 'missing')), /run directory .*missing not found/);
  assert.throws(() => openOrCreateReviewSession(path.join(runDir, 'synthetic')), /is not an experiment run directory \(no manifest\.json\)/);
});

test.run();
