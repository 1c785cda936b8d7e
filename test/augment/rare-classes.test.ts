import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pickRareClasses } from '../../kernel-lib/augment/rare-classes';

const NAMES = ['no finding', 'effusion', 'nodule'];

test('named classes are picked in order', () => {
  assert.equal(pickRareClasses(NAMES, [500, 30, 20], { rareClasses: ['nodule', 'effusion'] }), [1, 2]);
});

test('count threshold picks small classes', () => {
  assert.equal(pickRareClasses(NAMES, [500, 30, 60], { countThreshold: 50 }), [1]);
});

test('unknown class lists the valid names', () => {
  assert.throws(() => pickRareClasses(NAMES, [500, 30, 20], { rareClasses: ['cancer'] }), /unknown class 'cancer'; the dataset's classes are 'no finding', 'effusion', 'nodule'/);
});

test('rare class without images is rejected', () => {
  assert.throws(() => pickRareClasses(NAMES, [500, 0, 20], { rareClasses: ['effusion'] }), /'effusion' has no training images/);
});

test('threshold that picks nothing is rejected', () => {
  assert.throws(() => pickRareClasses(NAMES, [500, 300, 200], { countThreshold: 50 }), /no class has fewer than 50 training images \(counts 500, 300, 200\)/);
});

test.run();
