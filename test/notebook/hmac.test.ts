import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { signMessage, verifySignature } from '../../kernel-lib/notebook/hmac';

// The frames of a comm_msg exactly as they travel. The expected digest was computed with
// Node's crypto.createHmac('sha256', 'test-key-0001') over the four frames concatenated; the
// 3-byte buffer after the content is not signed.
const KEY = 'test-key-0001';
const HEADER = '{"msg_id":"m1","msg_type":"comm_msg","session":"s1","username":"u","date":"2026-01-01T00:00:00.000Z","version":"5.3"}';
const CONTENT = '{"comm_id":"c1","data":{"x":1}}';
const EXPECTED = 'd8c19b93d61f1ab35ed17b53cc3d2316f80749c0beff71dd155cb6387b5163f2';

test('signMessage matches reference digest', () => {
  assert.is(signMessage(KEY, [HEADER, '{}', '{}', CONTENT]), EXPECTED);
});

test('signMessage signs bytes and strings alike', () => {
  const frames = [HEADER, '{}', '{}', CONTENT].map((frame) => Buffer.from(frame, 'utf8'));
  assert.is(signMessage(KEY, [frames[0], frames[1], frames[2], frames[3]]), EXPECTED);
});

test('signMessage with empty key is empty', () => {
  assert.is(signMessage('', [HEADER, '{}', '{}', CONTENT]), '');
});

test('signMessage rejects three frames', () => {
  assert.throws(() => signMessage(KEY, [HEADER, '{}', '{}'] as unknown as [string, string, string, string]), /signMessage: `frames` must be .*got 3 frames/);
});

test('verifySignature accepts the reference digest', () => {
  assert.ok(verifySignature(KEY, EXPECTED, [HEADER, '{}', '{}', CONTENT]));
});

test('verifySignature rejects a changed content byte', () => {
  assert.not.ok(verifySignature(KEY, EXPECTED, [HEADER, '{}', '{}', CONTENT.replace('1', '2')]));
});

test('verifySignature rejects a truncated signature', () => {
  assert.not.ok(verifySignature(KEY, EXPECTED.slice(0, 63), [HEADER, '{}', '{}', CONTENT]));
});

test('verifySignature with empty key wants empty signature', () => {
  assert.ok(verifySignature('', '', [HEADER, '{}', '{}', CONTENT]));
  assert.not.ok(verifySignature('', EXPECTED, [HEADER, '{}', '{}', CONTENT]));
});

test.run();
