import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ImageSplit } from '../../kernel-lib/data/image-dataset';
import { pairImagesWithReports, PairableReport } from '../../kernel-lib/multimodal/weak-pairs';

const SIZE = 4;

/** Ten 2×2 images whose pixels all equal their row index; classes 0,1,0,1,… */
function split(count = 10): ImageSplit {
  const images = new Uint8Array(count * SIZE);
  for (let i = 0; i < count; i++) images.fill(i, i * SIZE, (i + 1) * SIZE);
  return { images, labels: Int32Array.from({ length: count }, (_, i) => i % 2), count };
}

const REPORTS: PairableReport[] = [
  { id: 'n1', text: 'Clear lungs.', imageClass: 0 },
  { id: 'n2', text: 'No acute disease.', imageClass: 0 },
  { id: 'p1', text: 'Right lower lobe consolidation.', imageClass: 1 },
];
const OPTIONS = { numClasses: 2, classNames: ['normal', 'pneumonia'], seed: 3 };

test('pairs keep class and pixels', () => {
  const pairs = pairImagesWithReports(split(), SIZE, REPORTS, OPTIONS);
  assert.is(pairs.count, 10);
  for (let i = 0; i < pairs.count; i++) {
    assert.is(REPORTS[pairs.reportIndex[i]].imageClass, pairs.labels[i], `pair ${i}`);
    assert.is(pairs.images[i * SIZE], i, `pair ${i} holds image ${i}`);
  }
});

test('reports of a class are used equally often, within one', () => {
  const pairs = pairImagesWithReports(split(10), SIZE, REPORTS, OPTIONS);
  const uses = [0, 0, 0];
  pairs.reportIndex.forEach((r) => uses[r]++);
  // Five normal images over two normal reports: 3 and 2 (in either order); five pneumonia images on one report.
  assert.equal([Math.max(uses[0], uses[1]), Math.min(uses[0], uses[1]), uses[2]], [3, 2, 5]);
});

test('seeded pairs and per-class cap', () => {
  const a = pairImagesWithReports(split(), SIZE, REPORTS, { ...OPTIONS, maxImagesPerClass: 2 });
  const b = pairImagesWithReports(split(), SIZE, REPORTS, { ...OPTIONS, maxImagesPerClass: 2 });
  assert.is(a.count, 4);
  assert.equal(Array.from(a.labels).sort(), [0, 0, 1, 1]);
  assert.equal(Array.from(a.reportIndex), Array.from(b.reportIndex));
  assert.equal(Array.from(a.images), Array.from(b.images));
});

test('a class with images and no report is rejected by name', () => {
  assert.throws(
    () => pairImagesWithReports(split(), SIZE, REPORTS.slice(0, 2), { ...OPTIONS, splitName: 'test' }),
    /class 'pneumonia' has 5 images but no reports in the test split/,
  );
  assert.throws(() => pairImagesWithReports(split(), SIZE, [{ id: 'x', text: 'x', imageClass: 4 }], OPTIONS), /report 'x' has class 4/);
});

test.run();
