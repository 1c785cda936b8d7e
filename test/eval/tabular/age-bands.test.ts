import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ageBand, sexGroup } from '../../../kernel-lib/eval/tabular/age-bands';

test('ageBand at band edges', () => {
  const cases: [number, string][] = [
    [18, '<50'],
    [49.9, '<50'],
    [50, '50-64'],
    [64.99, '50-64'],
    [65, '65-79'],
    [79, '65-79'],
    [80, '>=80'],
    [90, '>=80'],
  ];
  for (const [age, band] of cases) assert.is(ageBand(age), band, `age ${age}`);
});

test('ageBand of unknown age is null', () => {
  assert.is(ageBand(null), null);
});

test('ageBand rejects negative and NaN ages', () => {
  assert.throws(() => ageBand(-1), /ageBand: `age` must be a finite number of years >= 0 or null, got -1/);
  assert.throws(() => ageBand(NaN), /got NaN; pass null for an unknown age/);
});

test('sexGroup maps PhysioNet codes', () => {
  assert.is(sexGroup(0), 'female');
  assert.is(sexGroup(1), 'male');
  assert.is(sexGroup(null), null);
});

test('sexGroup rejects other codes', () => {
  assert.throws(() => sexGroup(-1), /sexGroup: `gender` must be 0 \(female\), 1 \(male\) or null, got -1/);
  assert.throws(() => sexGroup(2), /got 2/);
});

test.run();
