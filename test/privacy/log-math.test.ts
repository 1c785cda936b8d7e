import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { erfc, logAdd, logErfc, logSub } from '../../kernel-lib/privacy/log-math';

// [x, ln erfc(x)] from scipy 1.17.1: ln(2) + scipy.special.log_ndtr(-x * sqrt(2)).
const LOG_ERFC_REFERENCE: [number, number][] = [
  [-30, 0.6931471805599453],
  [-1.5, 0.6760545027339605],
  [-0.5, 0.4190391477755596],
  [0, 0.0],
  [0.3, -0.39843005144008525],
  [0.999, -1.8469673854846995],
  [1, -1.849605509933249],
  [1.5, -3.3844920895515536],
  [3, -10.720363041981116],
  [10, -102.87988902484493],
  [26, -679.8311997631946],
  [40, -1604.2615566532743],
  [1000, -1000007.4801207221],
];

// [x, erfc(x)] from scipy.special.erfc 1.17.1.
const ERFC_REFERENCE: [number, number][] = [
  [-2, 1.9953222650189528],
  [-0.7, 1.6778011938374182],
  [0.2, 0.7772974107895215],
  [1, 0.15729920705028516],
  [2.5, 0.00040695201744495886],
  [6, 2.1519736712498913e-17],
];

test('logErfc matches scipy to 1e-14 relative', () => {
  for (const [x, expected] of LOG_ERFC_REFERENCE) {
    const actual = logErfc(x);
    const tolerance = 1e-14 * Math.max(1, Math.abs(expected));
    assert.ok(Math.abs(actual - expected) <= tolerance, `logErfc(${x}): expected ${expected} ± ${tolerance}, but got ${actual}`);
  }
});

test('erfc matches scipy to 1e-14 relative', () => {
  for (const [x, expected] of ERFC_REFERENCE) {
    const actual = erfc(x);
    assert.ok(Math.abs(actual - expected) <= 1e-14 * expected, `erfc(${x}): expected ${expected}, but got ${actual}`);
  }
});

test('erfc underflows to 0 only past 27.3', () => {
  assert.ok(erfc(27) > 0, `expected erfc(27) > 0, got ${erfc(27)}`);
  assert.is(erfc(28), 0);
  assert.ok(Number.isFinite(logErfc(28)), `expected a finite ln erfc(28), got ${logErfc(28)}`);
});

test('logAdd and logSub invert each other', () => {
  const a = Math.log(5);
  const b = Math.log(3);
  assert.ok(Math.abs(logAdd(a, b) - Math.log(8)) < 1e-15, `ln(5 + 3): got ${logAdd(a, b)}`);
  assert.ok(Math.abs(logSub(a, b) - Math.log(2)) < 1e-15, `ln(5 - 3): got ${logSub(a, b)}`);
  assert.is(logAdd(-Infinity, b), b);
  assert.is(logSub(a, -Infinity), a);
  assert.is(logSub(b, b), -Infinity);
});

test('logAdd stays finite far from 0', () => {
  // e^-800 underflows float64, but its log-space sum with itself is -800 + ln 2.
  assert.ok(Math.abs(logAdd(-800, -800) - (-800 + Math.LN2)) < 1e-12, `got ${logAdd(-800, -800)}`);
  assert.ok(Math.abs(logAdd(800, 800) - (800 + Math.LN2)) < 1e-12, `got ${logAdd(800, 800)}`);
});

test.run();
