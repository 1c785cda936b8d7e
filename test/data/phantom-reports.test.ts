import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chestPhantomReports, phantomReport } from '../../kernel-lib/data/phantom-reports';
import { CHEST_PHANTOM_CLASS_NAMES, ChestPhantomClassName, makeChestPhantomDataset } from '../../kernel-lib/data/phantom';
import { Finding, FINDINGS, isNormalReport, labelFindings } from '../../kernel-lib/text/finding-labeller';
import { Random } from '../../kernel-lib/util/random';

const CLASS_FINDING: Record<Exclude<ChestPhantomClassName, 'no finding'>, Finding> = {
  effusion: 'pleural effusion',
  cardiomegaly: 'cardiomegaly',
  nodule: 'nodule',
};

test('reports label as their class for many seeds', () => {
  for (let seed = 0; seed < 200; seed++) {
    const random = new Random(seed);
    for (const className of CHEST_PHANTOM_CLASS_NAMES) {
      const report = phantomReport(className, random);
      const labels = labelFindings(report);
      if (className === 'no finding') {
        assert.ok(isNormalReport(labels), `seed ${seed}: expected a normal report, got "${report}"`);
        continue;
      }
      const finding = CLASS_FINDING[className];
      assert.is(labels[finding], 'positive', `seed ${seed}: expected ${finding} positive in "${report}"`);
      for (const other of FINDINGS.filter((f) => f !== finding)) {
        assert.is.not(labels[other], 'positive', `seed ${seed}: ${other} positive in "${report}"`);
        assert.is.not(labels[other], 'uncertain', `seed ${seed}: ${other} uncertain in "${report}"`);
      }
    }
  }
});

test('each class has several variants', () => {
  for (const className of CHEST_PHANTOM_CLASS_NAMES) {
    const random = new Random(11);
    const variants = new Set(Array.from({ length: 60 }, () => phantomReport(className, random)));
    assert.ok(variants.size >= 4, `${className}: expected 4+ distinct reports in 60 draws, got ${variants.size}`);
  }
});

test('one report per phantom, seeded', () => {
  const dataset = makeChestPhantomDataset({ seed: 2, counts: { train: [6, 2, 2, 2], val: [0, 0, 0, 0], test: [0, 0, 0, 0] } });
  const { labels } = dataset.splits.train;
  const reports = chestPhantomReports(labels, dataset.classNames, 5);
  assert.is(reports.length, labels.length);
  assert.equal(chestPhantomReports(labels, dataset.classNames, 5), reports);
  assert.not.equal(chestPhantomReports(labels, dataset.classNames, 6), reports);
  reports.forEach((report, i) => {
    const className = dataset.classNames[labels[i]] as ChestPhantomClassName;
    const labelled = labelFindings(report);
    if (className === 'no finding') assert.ok(isNormalReport(labelled), report);
    else assert.is(labelled[CLASS_FINDING[className]], 'positive', report);
  });
});

test('invalid classes and labels are rejected', () => {
  const names = [...CHEST_PHANTOM_CLASS_NAMES];
  assert.throws(() => phantomReport('pneumonia' as ChestPhantomClassName, new Random(1)), /phantomReport: unknown class 'pneumonia'; expected one of no finding, effusion, cardiomegaly, nodule/);
  assert.throws(() => chestPhantomReports(Int32Array.from([0, 4]), names, 1), /label 4 at index 1 is outside \[0, 4\)/);
  assert.throws(() => chestPhantomReports(Int32Array.from([0]), ['normal', 'lesion'], 1), /class 'normal' has no report template/);
  assert.throws(() => chestPhantomReports(Int32Array.from([0]), names, 0.5), /`seed` must be an integer, got 0.5/);
});

test.run();
