import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { removeStaleTempFiles, writeFileAtomic } from '../../kernel-lib/util/atomic-write';
import { Random } from '../../kernel-lib/util/random';
import { makeTempDir } from '../experiment/tiny-experiment';
import { PAYLOAD_BYTES, makePayload, sha256 } from './payload';

const CHILD = path.join(__dirname, 'atomic-writer-child.js');
const KILL_ROUNDS = 200;
const CONCURRENT_WRITERS = 4;
const WRITES_PER_WRITER = 10;

interface Writer {
  child: ChildProcess;
  ready: Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts a writer child; `ready` resolves once it has built its payload and waits for "go". */
function startWriter(target: string, seed: number, writes: number | 'loop'): Writer {
  const child = spawn(process.execPath, [CHILD, target, String(seed), String(writes)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`writer exited with ${code} before it was ready: ${stderr}`)));
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, ready, exit };
}

function go(writer: Writer): void {
  writer.child.stdin!.write('go\n');
}

function tempFilesIn(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => name.endsWith('.tmp'));
}

test('write goes through temp file, fsync, rename, folder fsync', () => {
  const dir = makeTempDir('medsynth-atomic-');
  const target = path.join(dir, 'out.bin');
  // The compiled module reads fs functions from the fs module object at call time, so
  // replacing them here records its calls.
  const fsModule = require('fs') as typeof fs;
  const calls: string[] = [];
  const fdPaths = new Map<number, string>();
  const original = { openSync: fsModule.openSync, fsyncSync: fsModule.fsyncSync, renameSync: fsModule.renameSync };
  fsModule.openSync = ((file: fs.PathLike, ...rest: unknown[]) => {
    const fd = (original.openSync as (...args: unknown[]) => number)(file, ...rest);
    fdPaths.set(fd, String(file));
    calls.push(`open ${String(file)}`);
    return fd;
  }) as typeof fs.openSync;
  fsModule.fsyncSync = ((fd: number) => {
    calls.push(`fsync ${fdPaths.get(fd)}`);
    original.fsyncSync(fd);
  }) as typeof fs.fsyncSync;
  fsModule.renameSync = ((from: fs.PathLike, to: fs.PathLike) => {
    calls.push(`rename ${String(from)} -> ${String(to)}`);
    original.renameSync(from, to);
  }) as typeof fs.renameSync;
  try {
    writeFileAtomic(target, 'contents');
  } finally {
    Object.assign(fsModule, original);
  }

  assert.is(calls.length, 5, `expected open, fsync, rename, open folder, fsync folder, got ${JSON.stringify(calls)}`);
  const temp = calls[0].slice('open '.length);
  assert.is(path.dirname(temp), dir, 'temp file must be in the target folder');
  assert.is.not(temp, target);
  assert.is(calls[1], `fsync ${temp}`);
  assert.is(calls[2], `rename ${temp} -> ${target}`);
  assert.is(calls[3], `open ${dir}`);
  assert.is(calls[4], `fsync ${dir}`);
  assert.is(fs.readFileSync(target, 'utf8'), 'contents');
  assert.equal(tempFilesIn(dir), []);
});

test('failed write removes its temp file', () => {
  const dir = makeTempDir('medsynth-atomic-');
  // A folder in place of the target makes the rename fail after the temp file is written.
  const target = path.join(dir, 'taken');
  fs.mkdirSync(target);
  assert.throws(() => writeFileAtomic(target, 'contents'));
  assert.equal(tempFilesIn(dir), []);
});

test('concurrent writers leave one whole payload', async () => {
  const dir = makeTempDir('medsynth-atomic-');
  const target = path.join(dir, 'shared.bin');
  const seeds = Array.from({ length: CONCURRENT_WRITERS }, (_, i) => 100 + i);
  const hashes = new Set(seeds.map((seed) => sha256(makePayload(seed))));
  const writers = seeds.map((seed) => startWriter(target, seed, WRITES_PER_WRITER));
  await Promise.all(writers.map((writer) => writer.ready));

  writers.forEach(go);
  // Read the target while the writers run: every read must be one whole payload.
  const badReads: string[] = [];
  let reads = 0;
  let running = true;
  const exits = Promise.all(writers.map((writer) => writer.exit)).then((results) => {
    running = false;
    return results;
  });
  while (running) {
    if (fs.existsSync(target)) {
      const hash = sha256(fs.readFileSync(target));
      reads += 1;
      if (!hashes.has(hash)) badReads.push(hash);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  const results = await exits;

  for (const result of results) {
    assert.is(result.code, 0, `expected every writer to exit 0, stderr: ${result.stderr}`);
    assert.is(result.stderr, '');
  }
  assert.equal(badReads, [], `expected every one of ${reads} reads to be a whole payload`);
  assert.ok(hashes.has(sha256(fs.readFileSync(target))), 'expected the final file to be one writer’s payload');
  assert.equal(fs.readdirSync(dir), ['shared.bin']);
});

test('killed writer leaves old or new file', async () => {
  const dir = makeTempDir('medsynth-atomic-');
  const target = path.join(dir, 'killed.bin');
  writeFileAtomic(target, makePayload(0));
  // Kill delays after "go" in ms, uniform in [0, 40): from before the first write starts
  // to several 1 MiB writes later.
  const random = new Random(20240501);
  const outcomes = { old: 0, new: 0, other: [] as string[] };
  let roundsLeavingTemp = 0;

  // The next round's child starts while the current one runs, which halves the wall time.
  let next: Writer | null = startWriter(target, 1, 'loop');
  for (let round = 1; round <= KILL_ROUNDS; round++) {
    const current = next as Writer;
    next = round < KILL_ROUNDS ? startWriter(target, round + 1, 'loop') : null;
    const oldHash = sha256(fs.readFileSync(target));
    const newHash = sha256(makePayload(round));
    await current.ready;

    go(current);
    await new Promise((resolve) => setTimeout(resolve, random.uniform() * 40));
    current.child.kill('SIGKILL');
    const result = await current.exit;
    assert.is(result.signal, 'SIGKILL', `round ${round}: expected the writer to be killed, stderr: ${result.stderr}`);

    const bytes = fs.readFileSync(target);
    const hash = sha256(bytes);
    if (hash === oldHash) outcomes.old += 1;
    else if (hash === newHash) outcomes.new += 1;
    else outcomes.other.push(`round ${round}: ${bytes.length} bytes, sha256 ${hash}`);
    if (tempFilesIn(dir).length > 0) roundsLeavingTemp += 1;
  }

  assert.equal(outcomes.other, [], 'expected the complete old or new payload after every kill');
  assert.is(fs.statSync(target).size, PAYLOAD_BYTES);
  // Both outcomes occur, so the kills landed before and after renames, not only on one side.
  assert.ok(outcomes.old > 0, `expected some kills before the first rename, got ${JSON.stringify(outcomes)}`);
  assert.ok(outcomes.new > 0, `expected some kills after a rename, got ${JSON.stringify(outcomes)}`);
  // A writer killed mid-write leaves its temp file beside the target; later writes keep it.
  assert.ok(roundsLeavingTemp > 0, 'expected some kills to land mid-write and leave a temp file');

  const removed = removeStaleTempFiles(target);
  assert.ok(removed.length > 0, 'expected removeStaleTempFiles to remove the temp files of killed writers');
  assert.equal(fs.readdirSync(dir), ['killed.bin']);
});

test('stale temp removal keeps live writers’ files', async () => {
  const dir = makeTempDir('medsynth-atomic-');
  const target = path.join(dir, 'data.json');
  // The pid of a child that has exited stands for a killed writer.
  const finished = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => finished.once('exit', resolve));
  const dead = path.join(dir, `.data.json.${finished.pid}.0.1.tmp`);
  const live = path.join(dir, `.data.json.${process.pid}.0.1.tmp`);
  const otherTarget = path.join(dir, `.other.json.${finished.pid}.0.1.tmp`);
  for (const file of [dead, live, otherTarget]) fs.writeFileSync(file, 'partial');

  const removed = removeStaleTempFiles(target);

  assert.equal(removed, [dead]);
  assert.ok(fs.existsSync(live), 'expected the temp file of a running process to stay');
  assert.ok(fs.existsSync(otherTarget), 'expected the temp file of another target to stay');
});

test.run();
