import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FINDINGS, isNormalReport, labelFindings, splitSentences } from '../../kernel-lib/text/finding-labeller';
import { buildSentenceBank, generateReportVariation, longestOverlap, SENTENCE_TOPICS } from '../../kernel-lib/text/report-variation';

// Invented reports, written for this test.
const REPORTS = [
  { id: 'r1', text: 'The heart size is normal. The lungs are clear. No pleural effusion or pneumothorax. No acute cardiopulmonary disease.' },
  { id: 'r2', text: 'Cardiac silhouette is within normal limits. Mediastinal contours are unremarkable. Small right pleural effusion. Bony structures are intact.' },
  { id: 'r3', text: 'The heart is enlarged. No focal consolidation. No pneumothorax. Degenerative changes of the thoracic spine.' },
  { id: 'r4', text: 'Normal heart size. Patchy consolidation in the left lower lobe. No effusion. Osseous structures are unremarkable.' },
  { id: 'r5', text: 'Hilar contours are normal. Moderate left pleural effusion with adjacent atelectasis. No acute bony abnormality.' },
  { id: 'r6', text: 'Mild cardiomegaly. Pulmonary vascularity is normal. No pulmonary edema. The visualized bones are intact.' },
  { id: 'r7', text: 'Heart and mediastinum are stable. There is no pneumothorax. Layering left effusion is present. No rib fracture.' },
  { id: 'r8', text: 'The cardiomediastinal silhouette is normal. Lungs are well expanded and clear. No pleural abnormality. Normal chest radiograph.' },
];

const BANK = buildSentenceBank(REPORTS);
const BANK_SENTENCES = new Set(BANK.sentences.map((sentence) => sentence.text));

test('bank labels each distinct sentence', () => {
  const total = REPORTS.reduce((count, report) => count + splitSentences(report.text).length, 0);
  assert.is(BANK.sentences.length, total);
  assert.is(BANK.reports.length, REPORTS.length);
  const effusion = BANK.sentences.find((sentence) => sentence.text === 'Small right pleural effusion.');
  assert.is(effusion?.labels['pleural effusion'], 'positive');
  assert.is(effusion?.topic, 'pleura');
  assert.is(effusion?.reportId, 'r2');
  const repeated = buildSentenceBank([...REPORTS, { id: 'r9', text: 'no pneumothorax.  The heart is enlarged.' }]);
  assert.is(repeated.sentences.length, total);
});

test('effusion variations state only effusion', () => {
  const variations = generateReportVariation('pleural effusion', { n: 4, seed: 1, bank: BANK });
  assert.is(variations.length, 4);
  for (const variation of variations) {
    assert.is(variation.labels['pleural effusion'], 'positive', variation.text);
    for (const finding of FINDINGS.filter((f) => f !== 'pleural effusion')) {
      assert.is.not(variation.labels[finding], 'positive', `${finding} in "${variation.text}"`);
    }
    assert.equal(variation.labels, labelFindings(variation.text));
    for (const sentence of splitSentences(variation.text)) assert.ok(BANK_SENTENCES.has(sentence), `"${sentence}" is not a bank sentence`);
    // Contradictions: a sentence denying effusion, a normal pleura, or a summary line.
    assert.not.ok(/No pleural effusion|No effusion|No pleural abnormality|No acute cardiopulmonary/.test(variation.text), variation.text);
  }
});

test('cardiomegaly never beside a normal heart', () => {
  for (const variation of generateReportVariation('cardiomegaly', { n: 3, seed: 2, bank: BANK })) {
    assert.is(variation.labels.cardiomegaly, 'positive');
    assert.not.ok(/heart size is normal|Normal heart size|within normal limits|cardiomediastinal silhouette is normal/i.test(variation.text), variation.text);
  }
});

test('normal variations have no finding', () => {
  const variations = generateReportVariation('normal', { n: 5, seed: 3, bank: BANK, maxSentences: 4 });
  for (const variation of variations) {
    assert.ok(isNormalReport(variation.labels), variation.text);
    const count = splitSentences(variation.text).length;
    assert.ok(count >= 2, `expected at least 2 sentences, got ${count}: ${variation.text}`);
    assert.ok(count <= 4, `expected at most 4 sentences, got ${count}: ${variation.text}`);
  }
});

test('sentences follow report order', () => {
  const topicOf = new Map(BANK.sentences.map((sentence) => [sentence.text, sentence.topic]));
  for (const finding of ['normal', 'pleural effusion', 'cardiomegaly', 'consolidation'] as const) {
    for (const variation of generateReportVariation(finding, { n: 3, seed: 4, bank: BANK })) {
      const ranks = splitSentences(variation.text).map((sentence) => SENTENCE_TOPICS.indexOf(topicOf.get(sentence)!));
      for (let i = 1; i < ranks.length; i++) assert.ok(ranks[i - 1] < ranks[i], `topics out of order in "${variation.text}"`);
    }
  }
});

test('same seed gives same texts', () => {
  const texts = (seed: number) => generateReportVariation('normal', { n: 3, seed, bank: BANK }).map((v) => v.text);
  assert.equal(texts(7), texts(7));
  assert.not.equal(texts(7), texts(8));
});

test('variations are distinct and never a bank report', () => {
  // The only pair available is exactly the bank's single report, so nothing may be returned.
  const single = buildSentenceBank([{ id: 'only', text: 'Small left pleural effusion. The osseous structures are intact.' }]);
  assert.throws(
    () => generateReportVariation('pleural effusion', { n: 1, seed: 1, bank: single, maxSentences: 2 }),
    /found 0 distinct variations for 'pleural effusion' of the 1 requested after 200 attempts/,
  );
  const texts = generateReportVariation('normal', { n: 6, seed: 5, bank: BANK }).map((v) => v.text.toLowerCase());
  assert.is(new Set(texts).size, 6);
  const reports = new Set(REPORTS.map((report) => report.text.toLowerCase()));
  assert.ok(texts.every((text) => !reports.has(text)));
});

test('overlap names the longest shared run', () => {
  const reports = [
    { id: 'a', words: ['no', 'acute', 'disease'] },
    { id: 'b', words: ['the', 'heart', 'is', 'enlarged', 'today'] },
  ];
  assert.equal(longestOverlap(['heart', 'is', 'enlarged', 'no', 'acute'], reports), { longestOverlapWords: 3, longestOverlapSource: 'b' });
  assert.equal(longestOverlap(['pleural', 'effusion'], reports), { longestOverlapWords: 0, longestOverlapSource: null });
  for (const variation of generateReportVariation('cardiomegaly', { n: 2, seed: 6, bank: BANK })) {
    // Each variation copies at least one whole bank sentence of two or more words.
    assert.ok(variation.longestOverlapWords >= 2, `expected an overlap of 2+ words, got ${variation.longestOverlapWords}`);
    assert.ok(REPORTS.some((report) => report.id === variation.longestOverlapSource));
  }
});

test('invalid requests are rejected', () => {
  assert.throws(
    () => generateReportVariation('tumour' as 'normal', { n: 1, seed: 1, bank: BANK }),
    /generateReportVariation: unknown finding 'tumour'; expected one of normal, pneumonia, consolidation, pneumothorax, pleural effusion, cardiomegaly, atelectasis, edema, nodule, opacity, fracture/,
  );
  assert.throws(() => generateReportVariation('fracture', { n: 1, seed: 1, bank: BANK }), /no sentence positive for 'fracture'.*choose another finding or build the bank from a larger corpus/);
  assert.throws(() => generateReportVariation('normal', { n: 0, seed: 1, bank: BANK }), /`n` must be an integer of at least 1, got 0/);
  assert.throws(() => generateReportVariation('normal', { n: 1, seed: 1.5, bank: BANK }), /`seed` must be an integer, got 1.5/);
  assert.throws(() => generateReportVariation('normal', { n: 1, seed: 1, bank: BANK, maxSentences: 0 }), /`maxSentences` must be an integer of at least 1, got 0/);
  assert.throws(() => buildSentenceBank([{ id: 'x', text: 'A.' }, { id: 'x', text: 'B.' }]), /report id 'x' appears twice/);
});

test('generation never calls Math.random', () => {
  const original = Math.random;
  Math.random = () => {
    throw new Error('Math.random called');
  };
  try {
    generateReportVariation('pleural effusion', { n: 2, seed: 9, bank: BANK });
  } finally {
    Math.random = original;
  }
});

test.run();
