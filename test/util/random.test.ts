import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../../kernel-lib/util/random';

test('same seed gives same stream', () => {
  const a = new Random(42);
  const b = new Random(42);
  for (let i = 0; i < 100; i++) assert.is(a.nextUint32(), b.nextUint32());
});

test('different seeds give different streams', () => {
  const a = new Random(1);
  const b = new Random(2);
  let same = 0;
  for (let i = 0; i < 100; i++) if (a.nextUint32() === b.nextUint32()) same++;
  assert.ok(same < 3, `expected streams to differ, but ${same} of 100 draws matched`);
});

test('saved state resumes the stream', () => {
  const a = new Random(7);
  for (let i = 0; i < 11; i++) a.normal(); // odd count leaves a spare normal
  const state = JSON.parse(JSON.stringify(a.getState()));
  const expected = Array.from({ length: 20 }, () => a.normal());
  const b = Random.fromState(state);
  const actual = Array.from({ length: 20 }, () => b.normal());
  assert.equal(actual, expected);
});

test('normal draws have mean 0 and variance 1', () => {
  const r = new Random(3);
  const xs = r.normalArray(200000);
  let sum = 0;
  let sumSq = 0;
  for (const x of xs) {
    sum += x;
    sumSq += x * x;
  }
  const mean = sum / xs.length;
  const variance = sumSq / xs.length - mean * mean;
  // Standard error of the mean is 1/sqrt(2e5) ≈ 0.0022; of the variance ≈ 0.0032.
  assert.ok(Math.abs(mean) < 0.01, `expected mean near 0, got ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.02, `expected variance near 1, got ${variance}`);
});

test('int stays in range and covers it', () => {
  const r = new Random(5);
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) {
    const k = r.int(7);
    assert.ok(k >= 0, `expected k >= 0, got ${k}`);
    assert.ok(k < 7, `expected k < 7, got ${k}`);
    seen.add(k);
  }
  assert.is(seen.size, 7);
});

test('permutation contains each index once', () => {
  const p = Array.from(new Random(9).permutation(50)).sort((x, y) => x - y);
  assert.equal(p, Array.from({ length: 50 }, (_, i) => i));
});

test('rejects a non-integer seed', () => {
  assert.throws(() => new Random(1.5), /seed must be a finite integer, got 1.5/);
  assert.throws(() => new Random(NaN), /got NaN/);
});

test.run();
