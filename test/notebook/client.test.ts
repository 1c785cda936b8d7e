import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createConnectionFile, removeConnectionFile } from '../../kernel-lib/notebook/connection';
import { KernelSession } from '../../kernel-lib/notebook/kernel-session';
import { fakeKernelCommand, isAlive, readRecord } from './fake-kernel-setup';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-client-'));
const recordFile = path.join(work, 'record.jsonl');
let session: KernelSession;

test.before(async () => {
  session = await KernelSession.start({
    command: fakeKernelCommand(recordFile),
    cwd: work,
    kernelName: 'fake',
    interruptMode: 'signal',
    startTimeoutMs: 10_000,
  });
});

test.after(async () => {
  await session?.shutdown(1000);
  fs.rmSync(work, { recursive: true, force: true });
});

test('connection file is private and loopback', async () => {
  const { path: file, info } = await createConnectionFile(work, 'fake');
  assert.is(fs.statSync(file).mode & 0o777, 0o600);
  assert.is(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
  assert.is(info.ip, '127.0.0.1');
  assert.is(info.signature_scheme, 'hmac-sha256');
  assert.ok(info.key.length >= 32, `expected a key of at least 32 characters, got ${info.key.length}`);
  const ports = [info.shell_port, info.iopub_port, info.stdin_port, info.control_port, info.hb_port];
  assert.is(new Set(ports).size, 5);
  removeConnectionFile(file);
  assert.not.ok(fs.existsSync(path.dirname(file)));
});

test('kernel info comes from the kernel', () => {
  assert.is(session.info.implementation, 'fake-kernel');
});

test('kernel runs in the requested folder', () => {
  const start = readRecord(recordFile).find((event) => event.event === 'start');
  assert.is(start?.cwd, fs.realpathSync(work));
});

test('heartbeat echoes a ping', async () => {
  assert.ok(await session.client.ping(5000));
});

test('pipelined outputs follow their parent', async () => {
  // These are the kernel's execute requests 1 and 2. It delays request 1 until request 2 has
  // arrived, then sends request 2's output first, while request 1 is still running.
  const first = [{ awaitRequest: 2 }, { stream: 'stdout', text: 'two\n', parent: 2 }, { stream: 'stdout', text: 'one\n' }, { reply: 'ok' }, { idle: true }];
  const second = [{ stream: 'stdout', text: 'two again\n' }, { reply: 'ok' }, { idle: true }];
  const firstTexts: unknown[] = [];
  const secondTexts: unknown[] = [];
  const one = session.client.execute(JSON.stringify(first), { onOutput: (message) => firstTexts.push(message.content.text), graceMs: 250 });
  const two = session.client.execute(JSON.stringify(second), { onOutput: (message) => secondTexts.push(message.content.text), graceMs: 250 });
  await Promise.all([one.done, two.done]);
  assert.equal(firstTexts, ['one\n']);
  assert.equal(secondTexts, ['two\n', 'two again\n']);
});

test('execute request forbids stdin', () => {
  const requests = readRecord(recordFile).filter((event) => event.event === 'request');
  assert.ok(requests.length > 0, 'the fake kernel recorded no execute_request');
  const content = requests[0].content as Record<string, unknown>;
  assert.is(content.allow_stdin, false);
  assert.is(content.silent, false);
  assert.is(content.store_history, true);
  assert.is(content.stop_on_error, true);
});

test('shutdown ends the kernel process', async () => {
  const pid = session.pid;
  await session.shutdown(2000);
  assert.not.ok(isAlive(pid), `kernel process ${pid} is still running after shutdown`);
  assert.ok(readRecord(recordFile).some((event) => event.event === 'shutdown'), 'the kernel received no shutdown_request');
});

test.run();
