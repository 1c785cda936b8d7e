import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isValidUid, MEDSYNTH_IMPLEMENTATION_CLASS_UID, newUid, uuidToUid } from '../../../kernel-lib/io/dicom/uid';

const UID_PATTERN = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

test('uuidToUid converts the known example', () => {
  // BigInt('0x022f82f4e9df4533b2376ab563dfaf56').toString() in Node 20.
  assert.is(uuidToUid('022f82f4-e9df-4533-b237-6ab563dfaf56'), '2.25.2905150061221021385062612688732925782');
});

test('uuidToUid accepts upper case', () => {
  assert.is(uuidToUid('022F82F4-E9DF-4533-B237-6AB563DFAF56'), '2.25.2905150061221021385062612688732925782');
});

test('largest UUID fits in 64 characters', () => {
  // 2^128 − 1 = 340282366920938463463374607431768211455, 39 digits.
  const uid = uuidToUid('ffffffff-ffff-ffff-ffff-ffffffffffff');
  assert.is(uid, '2.25.340282366920938463463374607431768211455');
  assert.is(uid.length, 44);
  assert.ok(isValidUid(uid));
});

test('zero UUID gives component 0', () => {
  assert.is(uuidToUid('00000000-0000-0000-0000-000000000000'), '2.25.0');
});

test('uuidToUid rejects malformed UUIDs', () => {
  assert.throws(() => uuidToUid('022f82f4e9df4533b2376ab563dfaf56'), /^uuidToUid: `uuid` must be 32 hexadecimal digits/);
  assert.throws(() => uuidToUid('022f82f4-e9df-4533-b237-6ab563dfaf5g'), /got "022f82f4-e9df-4533-b237-6ab563dfaf5g"/);
});

test('isValidUid accepts well-formed UIDs', () => {
  for (const uid of ['0', '1.2.840.10008.5.1.4.1.1.7', '2.25.0', '1.0.2', '1.2.' + '3'.repeat(60)]) {
    assert.ok(isValidUid(uid), `expected ${uid} to be valid`);
  }
});

test('isValidUid rejects malformed UIDs', () => {
  const cases: [string, string][] = [
    ['1.2.3.0042', 'leading zero'],
    ['1.2.3.', 'trailing dot'],
    ['1..2', 'empty component'],
    ['', 'empty string'],
    ['.1.2', 'leading dot'],
    ['1.2.a', 'letter'],
    ['1.2.3 ', 'trailing space'],
    ['1.2.3\0', 'NUL padding'],
    ['1.2.' + '3'.repeat(61), '65 characters'],
  ];
  for (const [uid, reason] of cases) assert.not.ok(isValidUid(uid), `expected ${JSON.stringify(uid)} (${reason}) to be invalid`);
});

test('newUid is valid and under the 2.25 root', () => {
  const uid = newUid();
  assert.match(uid, UID_PATTERN);
  assert.ok(uid.length <= 64, `expected at most 64 characters, got ${uid.length}`);
  assert.ok(uid.startsWith('2.25.'), `expected the 2.25 root, got ${uid}`);
});

test('newUid differs between calls', () => {
  const uids = new Set(Array.from({ length: 200 }, () => newUid()));
  assert.is(uids.size, 200);
});

test('implementation class UID is valid', () => {
  assert.ok(isValidUid(MEDSYNTH_IMPLEMENTATION_CLASS_UID));
  assert.is(MEDSYNTH_IMPLEMENTATION_CLASS_UID, uuidToUid('13b53e5d-c62c-461c-b883-babd502ba295'));
});

test.run();
