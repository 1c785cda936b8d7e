import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { splitPatients, SplitPatient } from '../../kernel-lib/ehr/split';

// 200 patients, 30 of them deaths (15%), RecordIDs 1000 … 1199.
const PATIENTS: SplitPatient[] = Array.from({ length: 200 }, (_, i) => ({ recordId: 1000 + i, inHospitalDeath: i % 20 < 3 ? 1 : 0 }));
const DIED = new Set(PATIENTS.filter((p) => p.inHospitalDeath === 1).map((p) => p.recordId));

test('each patient in exactly one split', () => {
  const split = splitPatients(PATIENTS, 1);
  const all = [...split.train, ...split.validation, ...split.test];
  assert.is(all.length, 200);
  assert.is(new Set(all).size, 200);
  assert.ok(split.train.every((id) => !split.test.includes(id) && !split.validation.includes(id)));
});

test('sizes follow default fractions per label', () => {
  const split = splitPatients(PATIENTS, 1);
  // Survivors: round(0.7·170) = 119, round(0.15·170) = 26 (25.5 rounds up), 25 left.
  // Deaths: round(0.7·30) = 21, round(0.15·30) = 5 (4.5 rounds up), 4 left.
  assert.is(split.train.length, 140);
  assert.is(split.validation.length, 31);
  assert.is(split.test.length, 29);
  assert.is(split.train.filter((id) => DIED.has(id)).length, 21);
  assert.is(split.validation.filter((id) => DIED.has(id)).length, 5);
  assert.is(split.test.filter((id) => DIED.has(id)).length, 4);
});

test('same seed gives same split', () => {
  assert.equal(splitPatients(PATIENTS, 7), splitPatients(PATIENTS, 7));
  assert.not.equal(splitPatients(PATIENTS, 7).test, splitPatients(PATIENTS, 8).test);
});

test('input order does not matter', () => {
  assert.equal(splitPatients([...PATIENTS].reverse(), 3), splitPatients(PATIENTS, 3));
});

test('custom fractions are honoured', () => {
  const split = splitPatients(PATIENTS, 2, { train: 0.5, validation: 0, test: 0.5 });
  assert.is(split.validation.length, 0);
  assert.is(split.train.length, 100);
  assert.is(split.test.length, 100);
});

test('invalid input is rejected', () => {
  assert.throws(() => splitPatients(PATIENTS, 1, { train: 0.7, validation: 0.2, test: 0.2 }), /splitPatients: fractions must be non-negative and sum to 1, got train 0.7, validation 0.2, test 0.2/);
  assert.throws(() => splitPatients(PATIENTS, 1.5), /splitPatients: `seed` must be an integer, got 1.5/);
  assert.throws(() => splitPatients([...PATIENTS, PATIENTS[0]], 1), /RecordID 1000 appears twice/);
});

test.run();
