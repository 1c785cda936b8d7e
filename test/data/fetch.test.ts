import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { fetchDataset, FetchProgress, findLocalCopy } from '../../kernel-lib/data/fetch';
import { hashFile } from '../../kernel-lib/data/file-hash';
import { getDatasetInfo, loadImageDataset } from '../../kernel-lib/data/registry';
import { LogSink, setLogSink } from '../../kernel-lib/util/log';
import { npy, writeNpz } from '../helpers/npz-writer';

// A temporary project root (package.json named "medsynth" and datasets/registry.json) whose
// download recipes point at a server on 127.0.0.1 that this file starts.
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-fetch-'));

// A small MedMNIST-style archive: 3 train images of 2×2 pixels with labels 0, 1, 0.
const payload = fs.readFileSync(
  writeNpz(path.join(root, 'source.npz'), {
    'train_images.npy': npy('|u1', [3, 2, 2], Uint8Array.from([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110])),
    'train_labels.npy': npy('|u1', [3, 1], Uint8Array.from([0, 1, 0])),
  }),
);
// Reference checksums of the served bytes, from node's crypto over the whole buffer.
const payloadMd5 = crypto.createHash('md5').update(payload).digest('hex');
const payloadSha256 = crypto.createHash('sha256').update(payload).digest('hex');

/** Requests received, by URL path. */
const requests = new Map<string, number>();
const countOf = (urlPath: string) => requests.get(urlPath) ?? 0;

const server = http.createServer((request, response) => {
  const urlPath = request.url ?? '';
  requests.set(urlPath, countOf(urlPath) + 1);
  switch (urlPath) {
    case '/tiny.npz':
    case '/mirror/tiny.npz': {
      // Sent in three writes so the client can see more than one chunk.
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': payload.length });
      const third = Math.ceil(payload.length / 3);
      response.write(payload.subarray(0, third));
      response.write(payload.subarray(third, 2 * third));
      response.end(payload.subarray(2 * third));
      return;
    }
    case '/moved':
      response.writeHead(302, { location: '/tiny.npz' });
      response.end();
      return;
    case '/hang':
      // Never responds, so the client has to give up on its own.
      return;
    case '/stall':
      // Headers and part of the body, then silence.
      response.writeHead(200, { 'content-length': payload.length });
      response.write(payload.subarray(0, 10));
      return;
    case '/cut':
      // Part of the body, then the connection is closed.
      response.writeHead(200, { 'content-length': payload.length });
      response.write(payload.subarray(0, 10), () => response.socket?.destroy());
      return;
    default:
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not found');
  }
});

let base = '';
let restoreSink: LogSink | undefined;
const logged: string[] = [];

/** Builds a medmnist-npz registry entry with a download recipe, saved under downloads/<name>/. */
function entry(name: string, urlPath: string, md5 = payloadMd5) {
  return {
    title: `Test set ${name}`,
    kind: 'medmnist-npz',
    modality: 'test bytes',
    classNames: ['a', 'b'],
    license: 'CC0',
    localCandidates: [`missing/${name}.npz`, `downloads/${name}/${name}.npz`],
    download: { url: `${base}${urlPath}`, md5 },
  };
}

test.before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  restoreSink = setLogSink((_level, message) => logged.push(message));

  const datasets = {
    tiny: entry('tiny', '/tiny.npz'),
    // md5 of the ASCII string "other bytes", so it cannot match the payload.
    'wrong-md5': entry('wrong-md5', '/tiny.npz', crypto.createHash('md5').update('other bytes').digest('hex')),
    moved: entry('moved', '/moved'),
    missing: entry('missing', '/no-such-file.npz'),
    hang: entry('hang', '/hang'),
    stall: entry('stall', '/stall'),
    cut: entry('cut', '/cut'),
    'no-candidates': { ...entry('no-candidates', '/tiny.npz'), localCandidates: [] },
    demo: { title: 'Demo', kind: 'generated', modality: 'toy', classNames: ['normal', 'lesion'], localCandidates: [] },
  };
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'medsynth' }));
  fs.mkdirSync(path.join(root, 'datasets'));
  fs.writeFileSync(path.join(root, 'datasets', 'registry.json'), JSON.stringify({ datasets }));
});

test.after(async () => {
  if (restoreSink) setLogSink(restoreSink);
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  fs.rmSync(root, { recursive: true, force: true });
});

/** Lists downloads/<name>, temporary files included, or returns [] when the folder does not exist. */
function filesOf(name: string): string[] {
  const folder = path.join(root, 'downloads', name);
  return fs.existsSync(folder) ? fs.readdirSync(folder) : [];
}

/** Awaits `promise`, expects it to reject, and returns the error message. */
async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

test('hashFile matches known digests of abc', () => {
  // MD5 from the test suite of RFC 1321 (appendix A.5), SHA-256 from the worked example of FIPS 180-4 (appendix B.1).
  const filePath = path.join(root, 'abc.txt');
  fs.writeFileSync(filePath, 'abc');
  const hash = hashFile(filePath);
  assert.is(hash.md5, '900150983cd24fb0d6963f7d28e17f72');
  assert.is(hash.sha256, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.is(hash.bytes, 3);
});

test('hashFile of an empty file', () => {
  // MD5 from the test suite of RFC 1321. The SHA-256 is the commonly published digest of empty input.
  const filePath = path.join(root, 'empty.bin');
  fs.writeFileSync(filePath, '');
  const hash = hashFile(filePath);
  assert.is(hash.md5, 'd41d8cd98f00b204e9800998ecf8427e');
  assert.is(hash.sha256, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.is(hash.bytes, 0);
});

test('hashFile across chunk boundaries matches crypto', () => {
  // 2.5 MiB spans three 1 MiB reads; the byte pattern has period 251 so chunks differ.
  const bytes = Buffer.alloc(2.5 * 1024 * 1024);
  for (let i = 0; i < bytes.length; i++) bytes[i] = i % 251;
  const filePath = path.join(root, 'large.bin');
  fs.writeFileSync(filePath, bytes);
  const hash = hashFile(filePath);
  assert.is(hash.md5, crypto.createHash('md5').update(bytes).digest('hex'));
  assert.is(hash.sha256, crypto.createHash('sha256').update(bytes).digest('hex'));
  assert.is(hash.bytes, bytes.length);
});

test('hashFile rejects missing files and folders', () => {
  assert.throws(() => hashFile(path.join(root, 'nothing.bin')), /hashFile: cannot open .*nothing\.bin: ENOENT/);
  assert.throws(() => hashFile(root), /hashFile: .* is not a regular file/);
  assert.throws(() => hashFile(''), /hashFile: `filePath` must be a path to a file, got ""/);
});

test('fetch saves the file with its checksums', async () => {
  const progress: FetchProgress[] = [];
  const result = await fetchDataset('tiny', { projectRoot: root, onProgress: (p) => progress.push(p) });
  const expectedPath = path.join(root, 'downloads', 'tiny', 'tiny.npz');

  assert.is(result.path, expectedPath);
  assert.is(result.md5, payloadMd5);
  assert.is(result.sha256, payloadSha256);
  assert.is(result.bytes, payload.length);
  assert.is(result.reused, false);
  assert.ok(Buffer.from(fs.readFileSync(expectedPath)).equals(payload), 'saved bytes equal the served bytes');
  assert.equal(filesOf('tiny'), ['tiny.npz']);
  assert.is(countOf('/tiny.npz'), 1);

  assert.ok(progress.length >= 1, 'onProgress was called');
  assert.equal(progress[progress.length - 1], { received: payload.length, total: payload.length });
  for (let i = 1; i < progress.length; i++) {
    assert.ok(progress[i].received > progress[i - 1].received, `received grows at call ${i}`);
  }
});

test('fetched file loads by registered name', () => {
  // Runs after the download above.
  const info = getDatasetInfo('tiny', { projectRoot: root });
  assert.is(findLocalCopy(info, { projectRoot: root }), path.join(root, 'downloads', 'tiny', 'tiny.npz'));
  const dataset = loadImageDataset('tiny', { projectRoot: root });
  assert.is(dataset.splits.train.count, 3);
  assert.equal(Array.from(dataset.splits.train.labels), [0, 1, 0]);
});

test('second fetch reuses the file without a request', async () => {
  const before = countOf('/tiny.npz');
  const modified = fs.statSync(path.join(root, 'downloads', 'tiny', 'tiny.npz')).mtimeMs;
  const result = await fetchDataset('tiny', { projectRoot: root });

  assert.is(countOf('/tiny.npz'), before);
  assert.is(result.reused, true);
  assert.is(result.md5, payloadMd5);
  assert.is(result.sha256, payloadSha256);
  assert.is(fs.statSync(result.path).mtimeMs, modified);
  assert.ok(logged.some((message) => /reusing it without downloading/.test(message)), 'reuse is logged');
});

test('existing file with another md5 is kept and rejected', async () => {
  const destination = path.join(root, 'downloads', 'own', 'own.npz');
  fs.mkdirSync(path.dirname(destination), { recursive: true });
  fs.writeFileSync(destination, 'a file someone put here');
  const ownMd5 = crypto.createHash('md5').update('a file someone put here').digest('hex');

  const message = await rejection(fetchDataset('tiny', { projectRoot: root, destination }));
  assert.match(message, `already exists with MD5 ${ownMd5}`);
  assert.match(message, `the registry expects ${payloadMd5}`);
  assert.match(message, 'move or delete that file, or pass another destination');
  assert.is(fs.readFileSync(destination, 'utf8'), 'a file someone put here');
});

test('url option downloads from a mirror', async () => {
  const destination = path.join(root, 'downloads', 'mirror', 'copy.npz');
  const result = await fetchDataset('tiny', { projectRoot: root, url: `${base}/mirror/tiny.npz`, destination });
  assert.is(countOf('/mirror/tiny.npz'), 1);
  assert.is(result.path, destination);
  assert.is(result.md5, payloadMd5);
  assert.ok(fs.existsSync(destination), 'mirror copy saved');
});

test('redirect is followed', async () => {
  const before = countOf('/tiny.npz');
  const result = await fetchDataset('moved', { projectRoot: root });
  assert.is(countOf('/moved'), 1);
  assert.is(countOf('/tiny.npz'), before + 1);
  assert.is(result.md5, payloadMd5);
  assert.equal(filesOf('moved'), ['moved.npz']);
});

test('md5 mismatch leaves no file and shows both checksums', async () => {
  const expected = crypto.createHash('md5').update('other bytes').digest('hex');
  const message = await rejection(fetchDataset('wrong-md5', { projectRoot: root }));
  assert.match(message, /^fetchDataset: MD5 mismatch for 'wrong-md5'/);
  assert.match(message, `expected ${expected} (registry)`);
  assert.match(message, `got ${payloadMd5}`);
  assert.match(message, `SHA-256 ${payloadSha256}`);
  assert.match(message, 'the file was deleted');
  assert.equal(filesOf('wrong-md5'), []);
});

test('HTTP 404 is reported with the address', async () => {
  const message = await rejection(fetchDataset('missing', { projectRoot: root }));
  assert.match(message, `fetchDataset: download of 'missing' from ${base}/no-such-file.npz failed: HTTP 404 Not Found`);
  assert.match(message, 'pass a mirror with `url`');
  assert.equal(filesOf('missing'), []);
});

test('server without an answer times out', async () => {
  const started = Date.now();
  const message = await rejection(fetchDataset('hang', { projectRoot: root, timeoutMs: 150 }));
  assert.match(message, `fetchDataset: download of 'hang' from ${base}/hang timed out after 150 ms without data`);
  assert.match(message, 'raise `timeoutMs`');
  assert.ok(Date.now() - started < 5000, 'gave up long before the default timeout');
  assert.equal(filesOf('hang'), []);
});

test('stalled body times out and removes the partial file', async () => {
  const message = await rejection(fetchDataset('stall', { projectRoot: root, timeoutMs: 150 }));
  assert.match(message, /timed out after 150 ms without data/);
  assert.equal(filesOf('stall'), []);
});

test('closed connection mid-body is an error', async () => {
  const message = await rejection(fetchDataset('cut', { projectRoot: root, timeoutMs: 2000 }));
  assert.match(message, /^fetchDataset: download of 'cut' from .* (failed|ended after 10 of \d+ bytes)/);
  assert.equal(filesOf('cut'), []);
});

test('dataset without recipe is rejected', async () => {
  const message = await rejection(fetchDataset('demo', { projectRoot: root }));
  assert.match(message, "fetchDataset: dataset 'demo' has no download recipe in the registry");
  assert.match(message, "it is generated, so loadImageDataset('demo') makes it without a file");
});

test('bad names and options are rejected', async () => {
  const requestsBefore = [...requests.values()].reduce((sum, count) => sum + count, 0);
  const cases: [string, () => Promise<unknown>, string | RegExp][] = [
    ['unknown name', () => fetchDataset('nope', { projectRoot: root }), 'fetchDataset: unknown dataset "nope"; known datasets: cut, demo, hang'],
    ['empty name', () => fetchDataset('', { projectRoot: root }), 'fetchDataset: `name` must be a registered dataset name, got ""'],
    ['zero timeout', () => fetchDataset('tiny', { projectRoot: root, timeoutMs: 0 }), 'fetchDataset: `timeoutMs` must be a number of milliseconds in (0, 2147483647], got 0'],
    ['ftp url', () => fetchDataset('tiny', { projectRoot: root, url: 'ftp://127.0.0.1/tiny.npz' }), 'fetchDataset: `url` must be an http:// or https:// address, got "ftp://127.0.0.1/tiny.npz"'],
    ['relative url', () => fetchDataset('tiny', { projectRoot: root, url: 'tiny.npz' }), 'must be an http:// or https:// address, got "tiny.npz"'],
    ['no destination', () => fetchDataset('no-candidates', { projectRoot: root }), "fetchDataset: dataset 'no-candidates' has no localCandidates to save to; pass `destination`"],
    ['folder destination', () => fetchDataset('tiny', { projectRoot: root, destination: root }), `fetchDataset: destination ${root} exists and is not a file`],
  ];
  // Each call starts inside the loop, so no rejection is left unhandled while another is awaited.
  for (const [name, call, expected] of cases) {
    assert.match(await rejection(call()), expected, name);
  }
  assert.is([...requests.values()].reduce((sum, count) => sum + count, 0), requestsBefore, 'no request was sent');
});

test.run();
