import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ANSWERS_FILE } from '../../kernel-lib/review/answers-store';
import { MAX_BODY_BYTES, ReviewServer, startReviewServer } from '../../kernel-lib/review/server';
import { openOrCreateReviewSession, reviewerImageOrder, ReviewSession, reviewSessionDir } from '../../kernel-lib/review/session';
import { LogSink, setLogSink } from '../../kernel-lib/util/log';
import { makeFakeRun } from './fake-run';

// Talks to the server with raw node:http requests, which send the path exactly as written: a
// browser or fetch() would normalise `..` segments before sending them.

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

let session: ReviewSession;
let server: ReviewServer;
let previousSink: LogSink;
const logged: { level: string; message: string }[] = [];

function request(method: string, rawPath: string, options: { body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: server.port, method, path: rawPath, headers: { ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...options.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function postJson(rawPath: string, value: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return request('POST', rawPath, { body: JSON.stringify(value), headers });
}

function json(reply: Reply): Record<string, unknown> {
  return JSON.parse(reply.body.toString('utf8'));
}

test.before(async () => {
  previousSink = setLogSink((level, message) => logged.push({ level, message }));
  const runDir = makeFakeRun();
  session = openOrCreateReviewSession(runDir, { sessionName: 'http', imageCount: 8, seed: 1 }).session;
  server = await startReviewServer(session, { port: 0 });
});

test.after(async () => {
  await server.close();
  setLogSink(previousSink);
});

test('server listens on 127.0.0.1 only', () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.ok(server.port > 0, `expected a port, got ${server.port}`);
});

test('server rejects other hosts', async () => {
  for (const host of ['0.0.0.0', 'localhost', '::', '192.168.1.10']) {
    try {
      await startReviewServer(session, { host });
      assert.unreachable(`expected host ${host} to be rejected`);
    } catch (err) {
      assert.match((err as Error).message, `startReviewServer: \`host\` must be 127.0.0.1, got "${host}"`);
    }
  }
});

test('every response has security headers', async () => {
  for (const rawPath of ['/', '/app.js', '/app.css', `/images/${session.imageIds[0]}.png`, '/missing']) {
    const reply = await request('GET', rawPath);
    assert.match(String(reply.headers['content-security-policy']), /^default-src 'self';/, `CSP of ${rawPath}`);
    assert.is(reply.headers['x-content-type-options'], 'nosniff', `nosniff of ${rawPath}`);
  }
});

test('page and assets have their types', async () => {
  const page = await request('GET', '/');
  assert.is(page.status, 200);
  assert.is(page.headers['content-type'], 'text/html; charset=utf-8');
  assert.match(page.body.toString(), /<script src="\/app\.js" defer><\/script>/);
  assert.is((await request('GET', '/app.js')).headers['content-type'], 'text/javascript; charset=utf-8');
  assert.is((await request('GET', '/app.css')).headers['content-type'], 'text/css; charset=utf-8');
});

test('session image is served as PNG', async () => {
  const id = session.imageIds[2];
  const reply = await request('GET', `/images/${id}.png`);
  assert.is(reply.status, 200);
  assert.is(reply.headers['content-type'], 'image/png');
  const file = path.join(reviewSessionDir(session.runDir, session.name), 'images', `${id}.png`);
  assert.ok(reply.body.equals(fs.readFileSync(file)), 'expected the bytes of the image file');
});

test('path traversal is rejected', async () => {
  const key = fs.readFileSync(path.join(reviewSessionDir(session.runDir, session.name), 'key.json'));
  const attempts = [
    '/images/../key.json',
    '/images/..%2fkey.json',
    '/images/%2e%2e/key.json',
    '/images/%2e%2e%2fkey.json',
    '/images/%2E%2E%2Fsession.json',
    '/images/..%5ckey.json',
    '/images//etc/passwd',
    '/images/%2fetc%2fpasswd',
    '/images/img-0000000000000000.png%00.png',
    '/images/%252e%252e%252fkey.json',
    '/images/%E0%A4%A',
    '/../key.json',
    '/key.json',
    '//etc/passwd',
  ];
  for (const attempt of attempts) {
    const reply = await request('GET', attempt);
    assert.ok([400, 404].includes(reply.status), `expected 400 or 404 for ${attempt}, got ${reply.status}`);
    assert.not.ok(reply.body.includes(key.subarray(0, 40)), `expected no key content for ${attempt}`);
  }
});

test('encoded dot segments give 400', async () => {
  assert.is((await request('GET', '/images/%2e%2e%2fkey.json')).status, 400);
  assert.is((await request('GET', '/images/../key.json')).status, 400);
  const warnings = logged.filter((entry) => entry.level === 'warn').map((entry) => entry.message);
  assert.ok(warnings.includes('review server: rejected the image path "%2e%2e%2fkey.json", which tries to leave the images folder'), warnings.join('\n'));
});

test('symlink out of the folder is not followed', async () => {
  const imagesDir = path.join(reviewSessionDir(session.runDir, session.name), 'images');
  const id = session.imageIds[5];
  const file = path.join(imagesDir, `${id}.png`);
  const saved = fs.readFileSync(file);
  fs.rmSync(file);
  fs.symlinkSync(path.join(imagesDir, '..', 'key.json'), file);
  try {
    const reply = await request('GET', `/images/${id}.png`);
    assert.is(reply.status, 404);
    assert.not.ok(reply.body.toString().includes('"source"'), 'expected no key content');
  } finally {
    fs.rmSync(file);
    fs.writeFileSync(file, saved);
  }
});

test('unknown image id gives 404', async () => {
  assert.is((await request('GET', '/images/img-0123456789abcdef.png')).status, 404);
  assert.is((await request('GET', `/images/${session.imageIds[0]}.jpg`)).status, 404);
});

test('reviewer state lists the seeded order', async () => {
  const reply = await postJson('/api/reviewer', { reviewer: 'Ann' });
  assert.is(reply.status, 200);
  const body = json(reply);
  assert.equal(body.order, reviewerImageOrder(session, 'Ann'));
  assert.is(body.total, 8);
  assert.equal(body.answers, []);
});

test('answers are stored and echoed', async () => {
  const imageId = reviewerImageOrder(session, 'Ann')[0];
  const reply = await postJson('/api/answer', { reviewer: 'Ann', imageId, judgment: 'synthetic', rating: 2, comment: 'noisy <edges>' });
  assert.is(reply.status, 200);
  assert.equal(json(reply), { answer: { imageId, judgment: 'synthetic', rating: 2, comment: 'noisy <edges>' }, answered: 1, total: 8 });
  const lines = fs.readFileSync(path.join(reviewSessionDir(session.runDir, session.name), ANSWERS_FILE), 'utf8').trim().split('\n');
  assert.is(JSON.parse(lines[lines.length - 1]).comment, 'noisy <edges>');

  const state = json(await postJson('/api/reviewer', { reviewer: 'Ann' }));
  assert.equal(state.answers, [{ imageId, judgment: 'synthetic', rating: 2, comment: 'noisy <edges>' }]);
});

test('second answer for an image gives 409', async () => {
  const imageId = reviewerImageOrder(session, 'Ann')[0];
  const reply = await postJson('/api/answer', { reviewer: 'Ann', imageId, judgment: 'real' });
  assert.is(reply.status, 409);
  assert.match(String(json(reply).error), /has already answered image/);
});

test('invalid requests give 4xx', async () => {
  const imageId = session.imageIds[0];
  const cases: [string, Promise<Reply>, number, RegExp][] = [
    ['empty name', postJson('/api/reviewer', { reviewer: '' }), 400, /`reviewer` must be 1 to 64 characters long/],
    ['long name', postJson('/api/reviewer', { reviewer: 'n'.repeat(65) }), 400, /got 65/],
    ['control character', postJson('/api/reviewer', { reviewer: 'a\u001bb' }), 400, /printable characters only/],
    ['unknown image', postJson('/api/answer', { reviewer: 'Ann', imageId: 'img-0123456789abcdef', judgment: 'real' }), 400, /is not an image of this session/],
    ['bad judgment', postJson('/api/answer', { reviewer: 'Ann', imageId, judgment: 'maybe' }), 400, /`judgment` must be one of real, synthetic/],
    ['invalid JSON', request('POST', '/api/answer', { body: '{"reviewer":' }), 400, /not valid JSON/],
    ['form body', request('POST', '/api/answer', { body: 'reviewer=Ann', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 415, /must be application\/json/],
    ['GET of the API', request('GET', '/api/answer'), 405, /method GET not allowed; use POST/],
    ['POST of the page', request('POST', '/', { body: '{}' }), 405, /use GET or HEAD/],
    ['foreign Host', request('GET', '/', { headers: { Host: 'attacker.example:80' } }), 400, /invalid Host header/],
    ['foreign Origin', postJson('/api/reviewer', { reviewer: 'Ann' }, { Origin: 'http://attacker.example' }), 403, /origin "http:\/\/attacker.example" are not allowed/],
  ];
  for (const [name, pending, status, message] of cases) {
    const reply = await pending;
    assert.is(reply.status, status, name);
    assert.match(String(json(reply).error), message, name);
  }
});

test('body over 16 KiB gives 413', async () => {
  const padding = 'x'.repeat(MAX_BODY_BYTES);
  const reply = await postJson('/api/answer', { reviewer: 'Ann', imageId: session.imageIds[0], judgment: 'real', comment: padding });
  assert.is(reply.status, 413);
  assert.match(String(json(reply).error), /larger than the limit of 16384 bytes/);
});

test('chunked body over 16 KiB gives 413', async () => {
  const reply = await new Promise<Reply>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/api/answer', headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    for (let i = 0; i < 5; i++) req.write('x'.repeat(4096));
    req.end();
  });
  assert.is(reply.status, 413);
});

test('server works after a rejected body', async () => {
  assert.is((await request('GET', '/')).status, 200);
});

test('restarted server keeps answers', async () => {
  const order = reviewerImageOrder(session, 'Bob');
  for (const imageId of order.slice(0, 3)) {
    assert.is((await postJson('/api/answer', { reviewer: 'Bob', imageId, judgment: 'real' })).status, 200);
  }
  await server.close();
  server = await startReviewServer(session, { port: 0 });

  const state = json(await postJson('/api/reviewer', { reviewer: 'Bob' }));
  assert.equal((state.answers as { imageId: string }[]).map((a) => a.imageId), order.slice(0, 3));
  assert.is((await postJson('/api/answer', { reviewer: 'Bob', imageId: order[3], judgment: 'synthetic' })).status, 200);
});

test('restart ignores a torn last line', async () => {
  await server.close();
  const file = path.join(reviewSessionDir(session.runDir, session.name), ANSWERS_FILE);
  const before = fs.readFileSync(file, 'utf8').trim().split('\n').length;
  fs.appendFileSync(file, '{"reviewer":"Bob","imageId":"img-');
  server = await startReviewServer(session, { port: 0 });

  assert.is(server.answers.all().length, before);
  const order = reviewerImageOrder(session, 'Bob');
  assert.is((await postJson('/api/answer', { reviewer: 'Bob', imageId: order[4], judgment: 'real' })).status, 200);
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  assert.is(lines.length, before + 1);
  assert.is(JSON.parse(lines[lines.length - 1]).imageId, order[4]);
});

test('server logged no errors', () => {
  assert.equal(
    logged.filter((entry) => entry.level === 'error').map((entry) => entry.message),
    [],
  );
});

test.run();
