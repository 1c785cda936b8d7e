import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makeDirectory } from '../../kernel-lib/util/make-directory';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-mkdir-'));

test('creates every missing level', () => {
  const dir = path.join(work, 'a', 'b', 'c');
  makeDirectory(dir);
  assert.ok(fs.statSync(dir).isDirectory());
});

test('accepts a directory that exists', () => {
  makeDirectory(work);
  assert.ok(fs.statSync(work).isDirectory());
});

test('fails with ENOTDIR below a file and leaves the file alone', () => {
  const file = path.join(work, 'file.txt');
  fs.writeFileSync(file, 'keep');
  assert.throws(() => makeDirectory(path.join(file, 'sub')), (err: NodeJS.ErrnoException) => err.code === 'ENOTDIR');
  assert.throws(() => makeDirectory(file), (err: NodeJS.ErrnoException) => err.code === 'ENOTDIR');
  assert.is(fs.readFileSync(file, 'utf8'), 'keep');
});

test('fails instead of hanging where the parent refuses new entries', () => {
  if (!fs.existsSync('/proc/self')) {
    console.log('notice: /proc is absent on this system; the /proc case is skipped');
    return;
  }
  assert.throws(() => makeDirectory('/proc/medsynth-test/run'), (err: NodeJS.ErrnoException) => typeof err.code === 'string');
  assert.not.ok(fs.existsSync('/proc/medsynth-test'));
});

test.after(() => fs.rmSync(work, { recursive: true, force: true }));

test.run();
