import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DELIMITER, JupyterMessage, MessageHeader, MessageSignatureError, createMessage, deserializeMessage, serializeMessage } from '../../kernel-lib/notebook/wire';

const KEY = 'test-key-0001';

/** Builds the comm_msg whose signature hmac.test.ts checks, with a routing identity and one buffer. */
function referenceMessage(): JupyterMessage<object> {
  const header: MessageHeader = { msg_id: 'm1', msg_type: 'comm_msg', session: 's1', username: 'u', date: '2026-01-01T00:00:00.000Z', version: '5.3' };
  return {
    identities: [Buffer.from('client-1')],
    header,
    parent_header: {},
    metadata: {},
    content: { comm_id: 'c1', data: { x: 1 } },
    buffers: [Buffer.from([1, 2, 3])],
  };
}

test('serializeMessage lays out the frames', () => {
  const frames = serializeMessage(referenceMessage(), KEY);
  assert.is(frames.length, 8);
  assert.is(frames[0].toString(), 'client-1');
  assert.ok(frames[1].equals(DELIMITER));
  assert.is(frames[2].toString(), 'd8c19b93d61f1ab35ed17b53cc3d2316f80749c0beff71dd155cb6387b5163f2');
  assert.is(frames[6].toString(), '{"comm_id":"c1","data":{"x":1}}');
  assert.equal([...frames[7]], [1, 2, 3]);
});

test('wire round trip keeps every part', () => {
  const original = referenceMessage();
  const decoded = deserializeMessage(serializeMessage(original, KEY), KEY);
  assert.equal(decoded.identities.map(String), ['client-1']);
  assert.equal(decoded.header, original.header);
  assert.equal(decoded.parent_header, {});
  assert.equal(decoded.metadata, {});
  assert.equal(decoded.content, original.content);
  assert.equal(decoded.buffers.map((buffer) => [...buffer]), [[1, 2, 3]]);
});

test('changed buffer keeps the signature valid', () => {
  // Buffers are not signed, so changing one must not invalidate the message.
  const frames = serializeMessage(referenceMessage(), KEY);
  frames[7] = Buffer.from([9, 9, 9]);
  assert.equal([...deserializeMessage(frames, KEY).buffers[0]], [9, 9, 9]);
});

test('tampered content is rejected', () => {
  const frames = serializeMessage(referenceMessage(), KEY);
  frames[6] = Buffer.from('{"comm_id":"c1","data":{"x":2}}');
  assert.throws(() => deserializeMessage(frames, KEY), (err: Error) => err instanceof MessageSignatureError && /invalid signature on a message of type comm_msg/.test(err.message));
});

test('wrong key is rejected', () => {
  const frames = serializeMessage(referenceMessage(), KEY);
  assert.throws(() => deserializeMessage(frames, 'other-key'), (err: Error) => err instanceof MessageSignatureError);
});

test('empty key sends unsigned messages', () => {
  const frames = serializeMessage(referenceMessage(), '');
  assert.is(frames[2].length, 0);
  assert.equal(deserializeMessage(frames, '').content, { comm_id: 'c1', data: { x: 1 } });
});

test('empty key rejects a signed message', () => {
  const frames = serializeMessage(referenceMessage(), KEY);
  assert.throws(() => deserializeMessage(frames, ''), (err: Error) => err instanceof MessageSignatureError);
});

test('missing delimiter is an error', () => {
  const frames = serializeMessage(referenceMessage(), KEY).filter((frame) => !frame.equals(DELIMITER));
  assert.throws(() => deserializeMessage(frames, KEY), /no '<IDS\|MSG>' delimiter/);
});

test('non-object content frame is an error', () => {
  const message = referenceMessage();
  const frames = serializeMessage(message, '');
  frames[6] = Buffer.from('[1]');
  assert.throws(() => deserializeMessage(frames, ''), /the content frame must be a JSON object, got \[1\]/);
});

test('createMessage fills a protocol 5.3 header', () => {
  const parent = referenceMessage().header;
  const message = createMessage('execute_reply', { status: 'ok' }, { session: 's2', parent });
  assert.is(message.header.msg_type, 'execute_reply');
  assert.is(message.header.session, 's2');
  assert.is(message.header.version, '5.3');
  assert.match(message.header.msg_id, /^[0-9a-f-]{36}$/);
  assert.equal(message.parent_header, parent);
});

test('createMessage rejects an empty session', () => {
  assert.throws(() => createMessage('execute_request', {}, { session: '' }), /createMessage: `options.session` must be a non-empty session id, got ""/);
});

test.run();
