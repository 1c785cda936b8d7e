import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReviewKey, reviewSessionDir } from '../../kernel-lib/review/session';
import { makeFakeRun } from './fake-run';
import { MEDSYNTH_BIN } from '../helpers/medsynth-bin';

// Runs `medsynth review serve` and `medsynth review score` as a user would, on a fake run.

const BIN = MEDSYNTH_BIN;
const ENV = { ...process.env, MEDSYNTH_LOG_LEVEL: 'warn' };
let runDir: string;

function medsynth(args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: ENV });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function post(url: string, value: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(value);
    const req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Resolves with the URL that `review serve` prints, or rejects when the process ends first. */
function waitForUrl(child: ChildProcess, output: { text: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output.text += chunk.toString();
      const match = /open (http:\/\/127\.0\.0\.1:\d+\/) in a browser/.exec(output.text);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`review serve exited with ${code} before printing its URL: ${output.text}`)));
  });
}

test.before(() => {
  runDir = makeFakeRun();
});

test('review without subcommand fails', () => {
  const result = medsynth(['review']);
  assert.is(result.code, 1);
  assert.match(result.stderr, /review: name a subcommand: 'medsynth review serve <run dir>' or 'medsynth review score <run dir>'/);
});

test('review help lists both subcommands', () => {
  const result = medsynth(['review', '--help']);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /usage: medsynth review serve <run dir> \[options\]/);
  assert.match(result.stdout, /--images <number>\s+images in a new session, real and synthetic together \(default 40\)/);
  assert.match(result.stdout, /usage: medsynth review score <run dir> \[options\]/);
});

test('serve rejects another host', () => {
  const result = medsynth(['review', 'serve', runDir, '--host', '0.0.0.0']);
  assert.is(result.code, 1);
  assert.match(result.stderr, /review serve: --host must be 127\.0\.0\.1, got '0\.0\.0\.0'/);
  assert.not.ok(fs.existsSync(path.join(runDir, 'review')), 'expected no session to be created');
});

test('serve rejects invalid options', () => {
  const cases: [string[], RegExp][] = [
    [['--images', '1'], /--images must be an integer in \[2, 10000\], got 1/],
    [['--real-classes', 'rare'], /--real-classes must be one of synthetic-mix, all, got 'rare'/],
    [['--port', '70000'], /--port must be an integer in \[0, 65535\], got 70000/],
    [['--session', '../x'], /`sessionName` must be 1 to 64 letters/],
  ];
  for (const [options, message] of cases) {
    const result = medsynth(['review', 'serve', runDir, ...options]);
    assert.is(result.code, 1, options.join(' '));
    assert.match(result.stderr, message);
  }
});

test('serve stores answers until interrupted', async () => {
  const child = spawn(process.execPath, [BIN, 'review', 'serve', runDir, '--images', '6', '--session', 'cli', '--seed', '2'], { env: ENV });
  const output = { text: '' };
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const url = await waitForUrl(child, output);
    assert.match(output.text, /review: created session 'cli' in .*review[/\\]cli: 6 images, 0 answers from 0 reviewers so far/);

    // Ann judges every image right, Bob calls every image real.
    const key = JSON.parse(fs.readFileSync(path.join(reviewSessionDir(runDir, 'cli'), 'key.json'), 'utf8')) as ReviewKey;
    for (const entry of key.entries) {
      assert.is(await post(`${url}api/answer`, { reviewer: 'Ann', imageId: entry.imageId, judgment: entry.source, rating: 4 }), 200);
      assert.is(await post(`${url}api/answer`, { reviewer: 'Bob', imageId: entry.imageId, judgment: 'real' }), 200);
    }
  } finally {
    child.kill('SIGINT');
  }
  assert.is(await exited, 0, output.text);
  assert.match(output.text, /review: server stopped; 12 answers are stored in .*answers\.jsonl/);
});

test('score prints the table and writes scores.json', () => {
  const result = medsynth(['review', 'score', runDir, '--session', 'cli']);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /review session 'cli': 3 real and 3 synthetic images/);
  assert.match(result.stdout, /Ann\s+6\s+1\.000 \(6\/6\)/);
  assert.match(result.stdout, /Bob\s+6\s+0\.500 \(3\/6\)\s+1\.0000\s+0\.000 \(0\/3\)\s+1\.000 \(3\/3\)/);
  assert.match(result.stdout, /Ann \/ Bob: 0\.000 on 6 images \(agreement 0\.500\)/);
  assert.match(result.stdout, /scores written to .*cli[/\\]scores\.json/);

  const scores = JSON.parse(fs.readFileSync(path.join(reviewSessionDir(runDir, 'cli'), 'scores.json'), 'utf8'));
  // 6 of 6 correct: 2 / 2^6.
  assert.is(scores.reviewers[0].pValue, 0.03125);
  assert.equal(scores.reviewers[0].meanRating, { real: 4, synthetic: 4 });
});

test('serve reuses the session', async () => {
  const child = spawn(process.execPath, [BIN, 'review', 'serve', runDir, '--session', 'cli'], { env: ENV });
  const output = { text: '' };
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitForUrl(child, output);
  } finally {
    child.kill('SIGINT');
  }
  assert.is(await exited, 0, output.text);
  assert.match(output.text, /review: reusing session 'cli' in .*: 6 images, 12 answers from 2 reviewers so far/);
});

test('score of a missing session fails', () => {
  const result = medsynth(['review', 'score', runDir, '--session', 'nope']);
  assert.is(result.code, 1);
  assert.match(result.stderr, /openReviewSession: no review session 'nope' in .*; existing sessions: cli/);
});

test.run();
