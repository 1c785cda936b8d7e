import * as fs from 'fs';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AnswersStore, DuplicateAnswerError, readAnswers, validateReviewerName } from '../../kernel-lib/review/answers-store';
import { setLogSink } from '../../kernel-lib/util/log';
import { makeTempDir } from '../experiment/tiny-experiment';

const IMAGE_IDS = new Set(['img-00000000000000a1', 'img-00000000000000b2', 'img-00000000000000c3']);
const [A1, B2, C3] = [...IMAGE_IDS];

function answersFile(): string {
  return path.join(makeTempDir('medsynth-answers-'), 'answers.jsonl');
}

/** Runs `action` and returns the warnings it logged. */
function captureWarnings(action: () => void): string[] {
  const warnings: string[] = [];
  const previous = setLogSink((level, message) => {
    if (level === 'warn') warnings.push(message);
  });
  try {
    action();
  } finally {
    setLogSink(previous);
  }
  return warnings;
}

test('reviewer names accept printable text', () => {
  for (const name of ['Ann', 'Dr. Ünal-Smith', '山田 太郎', 'x'.repeat(64), '<b>&amp;</b>']) {
    assert.is(validateReviewerName('t', name), name);
  }
});

test('reviewer names reject invalid values', () => {
  const cases: [unknown, RegExp][] = [
    ['', /t: `reviewer` must be 1 to 64 characters long, got 0/],
    ['x'.repeat(65), /got 65/],
    ['a\nb', /printable characters only, got "a\\nb"/],
    ['bell\u0007', /printable characters only/],
    ['zero\u200bwidth', /printable characters only/],
    [' Ann', /must not start or end with white space/],
    [42, /`reviewer` must be a string, got number/],
  ];
  for (const [name, message] of cases) assert.throws(() => validateReviewerName('t', name), message);
});

test('appended answers survive reopening', () => {
  const file = answersFile();
  const store = AnswersStore.open(file, IMAGE_IDS);
  store.append({ reviewer: 'Ann', imageId: A1, judgment: 'real', rating: 4, comment: 'sharp edges' }, new Date('2024-05-01T10:00:00Z'));
  store.append({ reviewer: 'Ann', imageId: B2, judgment: 'synthetic' });
  store.append({ reviewer: 'Bob', imageId: A1, judgment: 'synthetic', rating: null, comment: '' });

  const reopened = AnswersStore.open(file, IMAGE_IDS);
  assert.is(reopened.all().length, 3);
  assert.equal(reopened.reviewers(), ['Ann', 'Bob']);
  assert.equal(reopened.answersOf('Ann')[0], {
    reviewer: 'Ann',
    imageId: A1,
    judgment: 'real',
    rating: 4,
    comment: 'sharp edges',
    answeredAt: '2024-05-01T10:00:00.000Z',
  });
  assert.is(reopened.answersOf('Ann')[1].rating, null);
  assert.is(reopened.answersOf('Ann')[1].comment, '');
});

test('answers file has one line per answer', () => {
  const file = answersFile();
  const store = AnswersStore.open(file, IMAGE_IDS);
  store.append({ reviewer: 'Ann', imageId: A1, judgment: 'real', comment: 'line one\nline two' });
  store.append({ reviewer: 'Ann', imageId: B2, judgment: 'real' });
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(text.endsWith('\n'), 'expected the file to end with a line break');
  assert.is(text.split('\n').length, 3);
  assert.is(JSON.parse(text.split('\n')[0]).comment, 'line one\nline two');
});

test('second answer for an image is rejected', () => {
  const store = AnswersStore.open(answersFile(), IMAGE_IDS);
  store.append({ reviewer: 'Ann', imageId: A1, judgment: 'real' });
  assert.throws(() => store.append({ reviewer: 'Ann', imageId: A1, judgment: 'synthetic' }), (err: Error) => err instanceof DuplicateAnswerError);
  assert.throws(() => store.append({ reviewer: 'Ann', imageId: A1, judgment: 'synthetic' }), /"Ann" has already answered image img-00000000000000a1/);
  assert.is(store.all().length, 1);
});

test('invalid answers are rejected', () => {
  const store = AnswersStore.open(answersFile(), IMAGE_IDS);
  const cases: [unknown, RegExp][] = [
    [{ reviewer: 'Ann', imageId: 'img-ffffffffffffffff', judgment: 'real' }, /`imageId` "img-ffffffffffffffff" is not an image of this session/],
    [{ reviewer: 'Ann', imageId: A1, judgment: 'fake' }, /`judgment` must be one of real, synthetic, got "fake"/],
    [{ reviewer: 'Ann', imageId: A1, judgment: 'real', rating: 6 }, /`rating` must be an integer from 1 to 5 or null, got 6/],
    [{ reviewer: 'Ann', imageId: A1, judgment: 'real', rating: 2.5 }, /got 2.5/],
    [{ reviewer: 'Ann', imageId: A1, judgment: 'real', rating: '3' }, /got "3"/],
    [{ reviewer: 'Ann', imageId: A1, judgment: 'real', comment: 'x'.repeat(2001) }, /`comment` must be at most 2000 characters long, got 2001/],
    [{ reviewer: 'Ann', imageId: A1, judgment: 'real', comment: 'nul\u0000' }, /`comment` must contain printable characters/],
    [{ reviewer: 'Ann', imageId: A1, judgment: 'real', admin: true }, /unknown answer field "admin"/],
    [{ reviewer: '', imageId: A1, judgment: 'real' }, /`reviewer` must be 1 to 64 characters long/],
    [['Ann', A1, 'real'], /an answer must be a JSON object, got an array/],
    [null, /an answer must be a JSON object, got null/],
  ];
  for (const [value, message] of cases) assert.throws(() => store.append(value), message);
  assert.is(store.all().length, 0);
});

test('torn last line is ignored when reading', () => {
  const file = answersFile();
  const store = AnswersStore.open(file, IMAGE_IDS);
  store.append({ reviewer: 'Ann', imageId: A1, judgment: 'real' });
  store.append({ reviewer: 'Ann', imageId: B2, judgment: 'synthetic' });
  const fragment = '{"reviewer":"Ann","imageId":"img-00000000000000c3","judg';
  fs.appendFileSync(file, fragment);

  let result: ReturnType<typeof readAnswers> | undefined;
  const warnings = captureWarnings(() => {
    result = readAnswers(file, IMAGE_IDS);
  });
  assert.is(result?.answers.length, 2);
  assert.is(result?.tornBytes, fragment.length);
  assert.is(warnings.length, 1);
  assert.match(warnings[0], /ignoring the torn last line of .*answers\.jsonl \(56 bytes without a line break\)/);
  assert.is(fs.readFileSync(file, 'utf8').endsWith(fragment), true, 'expected reading to leave the file unchanged');
});

test('torn last line is moved aside on open', () => {
  const file = answersFile();
  AnswersStore.open(file, IMAGE_IDS).append({ reviewer: 'Ann', imageId: A1, judgment: 'real' });
  const fragment = '{"reviewer":"Ann","imageId":"img-00000000000000b2","judgment":"re';
  fs.appendFileSync(file, fragment);

  let store: AnswersStore | undefined;
  const warnings = captureWarnings(() => {
    store = AnswersStore.open(file, IMAGE_IDS);
  });
  assert.is(store?.all().length, 1);
  assert.ok(warnings.some((w) => /moved the torn last line of .*answers\.jsonl \(\d+ bytes\) to .*answers\.jsonl\.torn/.test(w)), warnings.join('\n'));
  assert.is(fs.readFileSync(`${file}.torn`, 'utf8'), `${fragment}\n`);

  // The next answer starts on a line of its own, so the file reads back whole.
  store?.append({ reviewer: 'Ann', imageId: B2, judgment: 'synthetic' });
  const reread = readAnswers(file, IMAGE_IDS);
  assert.is(reread.tornBytes, 0);
  assert.equal(reread.answers.map((a) => a.imageId), [A1, B2]);
});

test('invalid complete line is an error', () => {
  const file = answersFile();
  const store = AnswersStore.open(file, IMAGE_IDS);
  store.append({ reviewer: 'Ann', imageId: A1, judgment: 'real' });
  fs.appendFileSync(file, 'not json\n');
  store.append({ reviewer: 'Ann', imageId: C3, judgment: 'real' });
  assert.throws(() => readAnswers(file, IMAGE_IDS), /readAnswers: line 2 of .*answers\.jsonl is not a valid answer \(.*\); the file was changed by something other than the review server/);
});

test('duplicate line keeps the first answer', () => {
  const file = answersFile();
  const store = AnswersStore.open(file, IMAGE_IDS);
  store.append({ reviewer: 'Ann', imageId: A1, judgment: 'real' });
  const line = fs.readFileSync(file, 'utf8').replace('"real"', '"synthetic"');
  fs.appendFileSync(file, line);
  let result: ReturnType<typeof readAnswers> | undefined;
  const warnings = captureWarnings(() => {
    result = readAnswers(file, IMAGE_IDS);
  });
  assert.is(result?.answers.length, 1);
  assert.is(result?.answers[0].judgment, 'real');
  assert.match(warnings.join('\n'), /line 2 of .* answers image img-00000000000000a1 a second time for reviewer "Ann"; keeping the first answer/);
});

test('missing file holds no answers', () => {
  const result = readAnswers(answersFile(), IMAGE_IDS);
  assert.is(result.answers.length, 0);
  assert.is(result.tornBytes, 0);
});

test.run();
