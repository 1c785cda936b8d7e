import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  brierScore,
  calibrationBinIndex,
  DEFAULT_CALIBRATION_BINS,
  expectedCalibrationError,
  reliabilityDiagram,
} from '../../kernel-lib/eval/calibration';

function assertClose(actual: number, expected: number, tolerance: number, name: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${name}: expected ${expected} ± ${tolerance}, but got ${actual}`);
}

// Hand case with 10 bins: 0.15, 0.85, 0.62 and 1.0 fall alone in bins 1, 8, 6 and 9, so
//   ECE   = (|0.15 - 1| + |0.85 - 1| + |0.62 - 0| + |1 - 1|) / 4 = 1.62 / 4 = 0.405
//   Brier = (0.85^2 + 0.15^2 + 0.62^2 + 0^2) / 4 = 1.1294 / 4 = 0.28235
const probabilities = [0.15, 0.85, 0.62, 1.0];
const labels = [1, 1, 0, 1];

test('ece of the hand case', () => {
  assertClose(expectedCalibrationError(labels, probabilities, 10), 0.405, 1e-12, 'ECE');
});

test('brier score of the hand case', () => {
  assertClose(brierScore(labels, probabilities), 0.28235, 1e-12, 'Brier');
});

test('probability 1 lands in the last bin', () => {
  const bins = reliabilityDiagram([1], [1.0], 10);
  assert.is(bins[9].count, 1);
  assert.is(bins[9].upper, 1);
  assert.is(calibrationBinIndex(1, 15), 14);
});

test('probability 0 lands in the first bin', () => {
  const bins = reliabilityDiagram([0], [0.0], 10);
  assert.is(bins[0].count, 1);
  assert.is(bins[0].lower, 0);
});

test('a bin includes its lower edge', () => {
  // 0.29 * 100 rounds to 28.999999999999996, so a plain floor would put 0.29 in bin 28.
  assert.is(calibrationBinIndex(0.29, 100), 29);
  // 0.8999999999999999 is the double just below 0.9, but times 10 it rounds up to 9 exactly, so
  // a plain floor would put it in bin 9 although it is below that bin's lower edge 9 / 10.
  assert.is(calibrationBinIndex(0.8999999999999999, 10), 8);
  for (const numBins of [3, 7, 10, 15, 100]) {
    for (let k = 0; k < numBins; k++) {
      assert.is(calibrationBinIndex(k / numBins, numBins), k, `edge ${k}/${numBins}`);
    }
  }
});

test('reliability bins of the hand case', () => {
  const bins = reliabilityDiagram(labels, probabilities, 10);
  assert.is(bins.length, 10);
  assert.equal(
    bins.map((bin) => bin.count),
    [0, 1, 0, 0, 0, 0, 1, 0, 1, 1],
  );
  assert.is(bins[6].meanPredicted, 0.62);
  assert.is(bins[6].fractionPositive, 0);
  assert.is(bins[1].lower, 0.1);
  assert.is(bins[1].upper, 0.2);
});

test('empty bins have NaN means', () => {
  const bins = reliabilityDiagram(labels, probabilities, 10);
  assert.is(bins[0].count, 0);
  assert.ok(Number.isNaN(bins[0].meanPredicted), 'meanPredicted of an empty bin');
  assert.ok(Number.isNaN(bins[0].fractionPositive), 'fractionPositive of an empty bin');
});

test('bin means average their members', () => {
  // Bin 3 of 10 contains 0.31, 0.35 and 0.38 with labels 1, 0, 0.
  const bins = reliabilityDiagram([1, 0, 0, 1], [0.31, 0.35, 0.38, 0.95], 10);
  assert.is(bins[3].count, 3);
  assertClose(bins[3].meanPredicted, (0.31 + 0.35 + 0.38) / 3, 1e-15, 'meanPredicted');
  assertClose(bins[3].fractionPositive, 1 / 3, 1e-15, 'fractionPositive');
});

test('ece is the weighted gap of the reliability bins', () => {
  const y = [1, 0, 0, 1, 1, 0, 1];
  const p = [0.31, 0.35, 0.38, 0.95, 0.7, 0.05, 0.66];
  let expected = 0;
  for (const bin of reliabilityDiagram(y, p)) {
    if (bin.count > 0) expected += (bin.count / y.length) * Math.abs(bin.meanPredicted - bin.fractionPositive);
  }
  assertClose(expectedCalibrationError(y, p), expected, 1e-12, 'ECE');
});

test('calibrated bins give zero ece', () => {
  // Both examples sit in one bin with mean prediction 0.5 and half positive.
  assert.is(expectedCalibrationError([1, 0], [0.5, 0.5]), 0);
});

test('defaults to 15 bins', () => {
  assert.is(DEFAULT_CALIBRATION_BINS, 15);
  assert.is(reliabilityDiagram(labels, probabilities).length, 15);
  // 0.85 * 15 = 12.75, so 0.85 falls in bin 12 of 15.
  assert.is(calibrationBinIndex(0.85, 15), 12);
});

test('rejects probabilities outside [0, 1]', () => {
  assert.throws(() => brierScore([1, 0], [0.5, 1.2]), /brierScore: `probabilities` must be probabilities in \[0, 1\], got 1.2 at index 1/);
  assert.throws(() => expectedCalibrationError([1], [-0.1]), /got -0.1 at index 0/);
});

test('rejects a bad bin count', () => {
  assert.throws(() => expectedCalibrationError([1], [0.5], 0), /expectedCalibrationError: `numBins` must be an integer >= 1, got 0/);
  assert.throws(() => reliabilityDiagram([1], [0.5], 2.5), /got 2.5/);
});

test.run();
