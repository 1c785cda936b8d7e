import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CLS_ID,
  END_OF_WORD,
  PAD_ID,
  SEP_ID,
  Tokenizer,
  UNK_ID,
  preTokenize,
  tokenizeTexts,
  trainTokenizer,
} from '../../kernel-lib/text/tokenizer';
import { LogSink, setLogSink } from '../../kernel-lib/util/log';

// Sentences written for these tests; no report text from any data set.
const CORPUS = [
  'The heart is normal in size.',
  'No pleural effusion. No pneumothorax.',
  'A vertical bar crosses the image, and a horizontal bar lies below it.',
  'The lungs are clear; the heart is normal.',
  'Mild effusion on the left, XXXX on the right.',
  'Normal heart size and clear lungs.',
];

/** Runs `work` with the log sink replaced; returns the warnings it logged. */
function captureWarnings(work: () => void): string[] {
  const warnings: string[] = [];
  const sink: LogSink = (level, message) => {
    if (level === 'warn') warnings.push(message);
  };
  const previous = setLogSink(sink);
  try {
    work();
  } finally {
    setLogSink(previous);
  }
  return warnings;
}

test('preTokenize lowers case and splits punctuation', () => {
  assert.equal(preTokenize('No  effusion, XXXX seen.'), ['no', 'effusion', ',', 'xxxx', 'seen', '.']);
  assert.equal(preTokenize('T2-weighted'), ['t2', '-', 'weighted']);
  assert.equal(preTokenize('   '), []);
});

test('merges on toy corpus follow counts and ties', () => {
  // Words lo ×3 and la ×1: pairs (l,o)=3, (o,</w>)=3, (l,a)=1, (a,</w>)=1. The tie at 3 goes to
  // 'lo' because it sorts before 'o</w>'; then (lo,</w>)=3; the pairs at 1 are below minFrequency 2.
  const tokenizer = trainTokenizer(['lo lo', 'lo la'], { vocabSize: 50 });
  assert.equal(tokenizer.merges, [
    ['l', 'o'],
    ['lo', END_OF_WORD],
  ]);
  // 4 special tokens, xxxx, </w>, the alphabet a, l, o, then two merges.
  assert.is(tokenizer.vocabSize, 11);
  assert.equal(tokenizer.vocab.slice(6, 9), ['a', 'l', 'o']);
  const ids = Array.from(tokenizer.encode('lo la', { maxLength: 8 }).ids);
  const id = (token: string) => tokenizer.vocab.indexOf(token);
  assert.equal(ids, [CLS_ID, id('lo</w>'), id('l'), id('a'), id(END_OF_WORD), SEP_ID, PAD_ID, PAD_ID]);
});

test('tie between count-1 pairs goes to smallest string', () => {
  // Pairs a+b, b+</w>, b+a, a+</w> all occur once. '<' (0x3C) sorts before 'b', so 'a</w>' is first.
  const tokenizer = trainTokenizer(['ab ba'], { vocabSize: 10, minFrequency: 1 });
  assert.equal(tokenizer.merges[0], ['a', END_OF_WORD]);
  assert.is(tokenizer.vocabSize, 10);
});

test('training is deterministic and order-independent', () => {
  const first = trainTokenizer(CORPUS, { vocabSize: 80 });
  const second = trainTokenizer(CORPUS, { vocabSize: 80 });
  const reversed = trainTokenizer(CORPUS.slice().reverse(), { vocabSize: 80 });
  assert.equal(second.toJSON(), first.toJSON());
  assert.equal(reversed.toJSON(), first.toJSON());
  assert.ok(first.merges.length > 0, 'the corpus has repeated pairs, so merges are learnt');
});

test('stops at vocabSize', () => {
  const tokenizer = trainTokenizer(CORPUS, { vocabSize: 60, minFrequency: 1 });
  assert.is(tokenizer.vocabSize, 60);
});

test('rejects vocabSize below the alphabet', () => {
  assert.throws(() => trainTokenizer(['abcdef'], { vocabSize: 8 }), /vocabSize must be an integer >= 12/);
});

test('round trip restores normalised text', () => {
  const tokenizer = trainTokenizer(CORPUS, { vocabSize: 90 });
  for (const text of ['The heart is normal.', 'No effusion; clear lungs, XXXX.', 'bar heart lungs effusion']) {
    const encoded = tokenizer.encode(text, { maxLength: 64 });
    assert.is(encoded.truncated, false);
    assert.is(encoded.unknownCount, 0);
    assert.is(tokenizer.decode(encoded.ids), preTokenize(text).join(' '), text);
  }
});

test('redaction mark is one token', () => {
  const tokenizer = trainTokenizer(CORPUS, { vocabSize: 90 });
  const encoded = tokenizer.encode('XXXX seen', { maxLength: 16 });
  assert.is(tokenizer.vocab[encoded.ids[1]], 'xxxx');
  // A redaction in a corpus without one still encodes whole.
  const plain = trainTokenizer(['no mark here'], { vocabSize: 30 });
  assert.is(plain.vocab[plain.encode('xxxx', { maxLength: 4 }).ids[1]], 'xxxx');
});

test('encode pads and truncates', () => {
  const tokenizer = trainTokenizer(CORPUS, { vocabSize: 90 });
  const full = tokenizer.tokenize('the heart is normal in size').ids;
  assert.ok(full.length > 4, 'six words give more than four tokens');

  const padded = tokenizer.encode('the heart is normal in size', { maxLength: full.length + 5 });
  assert.is(padded.length, full.length + 2);
  assert.is(padded.truncated, false);
  assert.equal(Array.from(padded.ids.slice(padded.length)), [PAD_ID, PAD_ID, PAD_ID]);

  const short = tokenizer.encode('the heart is normal in size', { maxLength: 6 });
  assert.is(short.truncated, true);
  assert.is(short.length, 6);
  assert.equal(Array.from(short.ids), [CLS_ID, ...full.slice(0, 4), SEP_ID]);
});

test('unknown characters become UNK and are counted', () => {
  const tokenizer = trainTokenizer(CORPUS, { vocabSize: 90 });
  const encoded = tokenizer.encode('heart ζζ', { maxLength: 16 });
  assert.is(encoded.unknownCount, 2);
  assert.is(Array.from(encoded.ids).filter((id) => id === UNK_ID).length, 2);
});

test('encodeBatch lists truncated rows', () => {
  const tokenizer = trainTokenizer(CORPUS, { vocabSize: 90 });
  const batch = tokenizer.encodeBatch(['heart', 'the lungs are clear and the heart is normal', 'bar'], 6);
  assert.is(batch.ids.length, 18);
  assert.equal(batch.truncated, [1]);
  assert.is(batch.ids[6], CLS_ID);
  assert.is(batch.ids[11], SEP_ID);
});

test('tokenizeTexts warns once per call', () => {
  const tokenizer = trainTokenizer(CORPUS, { vocabSize: 90 });
  const long = 'the lungs are clear and the heart is normal in size';
  const warnings = captureWarnings(() => tokenizeTexts(tokenizer, [long, long, 'heart ζ'], 8));
  assert.is(warnings.length, 2);
  assert.match(warnings[0], /2 of 3 texts .* maxLength 8/);
  assert.match(warnings[1], /1 of 3 texts contain 1 characters/);
  const none = captureWarnings(() => tokenizeTexts(tokenizer, ['heart'], 8));
  assert.is(none.length, 0);
});

test('tokenizeTexts rejects empty text by index', () => {
  const tokenizer = trainTokenizer(CORPUS, { vocabSize: 90 });
  assert.throws(() => tokenizeTexts(tokenizer, ['heart', ' \n\t'], 8), /text 1 is empty or only whitespace/);
  assert.throws(() => tokenizeTexts(tokenizer, [''], 8), /text 0 is empty/);
});

test('JSON round trip encodes identically', () => {
  const tokenizer = trainTokenizer(CORPUS, { vocabSize: 90 });
  const restored = Tokenizer.fromJSON(JSON.parse(JSON.stringify(tokenizer.toJSON())));
  assert.equal(restored.vocab, tokenizer.vocab);
  for (const text of CORPUS) {
    assert.equal(Array.from(restored.encode(text, { maxLength: 32 }).ids), Array.from(tokenizer.encode(text, { maxLength: 32 }).ids));
  }
  assert.throws(() => Tokenizer.fromJSON({ format: 'other' } as never), /expected format 'medsynth-bpe-tokenizer'/);
});

test.run();
