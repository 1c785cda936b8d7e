import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { evaluateBinary } from '../../kernel-lib/eval/report';
import { formatBinaryReport } from '../../kernel-lib/eval/format-report';

const labels = [1, 1, 1, 0, 0, 0, 0, 0];
const scores = [0.9, 0.8, 0.3, 0.6, 0.2, 0.1, 0.15, 0.05];

test('formatBinaryReport lists every metric with its interval and the settings', () => {
  const report = evaluateBinary({ labels, scores, threshold: 0.5, positiveClass: 'effusion', resamples: 50, seed: 3 });
  const text = formatBinaryReport(report);
  // At threshold 0.5: tp 2, fn 1, fp 1, tn 4, so sensitivity 2/3 and specificity 4/5.
  assert.match(text, '| Sensitivity | 0.667 |');
  assert.match(text, '| Specificity | 0.800 |');
  assert.match(text, '| True positives | 2 |');
  assert.match(text, '| Sensitivity at 90% specificity |');
  assert.match(text, '(positive class: effusion)');
  assert.match(text, 'Test split: 8 images (3 positive, 5 negative); threshold 0.5000');
  assert.match(text, '50 bootstrap resamples');
});

test('formatBinaryReport escapes a class name that holds HTML', () => {
  const report = evaluateBinary({ labels, scores, threshold: 0.5, positiveClass: '<b>x</b>', resamples: 20, seed: 1 });
  const text = formatBinaryReport(report);
  assert.not.match(text, '<b>');
  assert.match(text, '&lt;b&gt;x&lt;/b&gt;');
});

test.run();
