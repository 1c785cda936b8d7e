import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { listNumberedNotebooks, notebookCommand } from '../../kernel-lib/cli/notebook';
import { codeCell, writeNotebook } from './fake-kernel-setup';

// Argument handling of `medsynth notebook run`. Every case here fails before a kernel starts.

const ROOT = path.resolve(__dirname, '..', '..', '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-notebook-cli-'));
const notebookPath = writeNotebook(work, 'params.ipynb', [codeCell('let seed = 0;\nconst size = 28;', ['parameters'])]);

test.after(() => fs.rmSync(work, { recursive: true, force: true }));

async function errorOf(argv: string[]): Promise<string> {
  try {
    await notebookCommand(argv);
    return 'no error';
  } catch (err) {
    return (err as Error).message;
  }
}

test('unknown option lists the valid ones', async () => {
  assert.match(await errorOf(['run', notebookPath, '--bogus']), /^notebook run: unknown option --bogus; valid options: --output, --timeout, --engine, --all, --output-dir, --help$/);
});

test('unknown short option is rejected', async () => {
  assert.match(await errorOf(['run', notebookPath, '-x']), /^notebook run: unknown option -x; valid options: -p name=value, --output/);
});

test('-p without equals sign is rejected', async () => {
  assert.match(await errorOf(['run', notebookPath, '-p', 'seed']), /^notebook run: -p expected name=value, got "seed"; for example -p seed=3$/);
});

test('-p without value is rejected', async () => {
  assert.match(await errorOf(['run', notebookPath, '-p']), /^notebook run: -p needs name=value after it/);
});

test('-p given twice is rejected', async () => {
  assert.match(await errorOf(['run', notebookPath, '-p', 'seed=1', '-p', 'seed=2']), /parameter 'seed' is given twice/);
});

test('zero timeout is rejected', async () => {
  assert.match(await errorOf(['run', notebookPath, '--timeout', '0']), /^notebook run: --timeout must be a positive number of seconds, got 0$/);
});

test('non-numeric timeout is rejected', async () => {
  assert.match(await errorOf(['run', notebookPath, '--timeout', 'soon']), /option --timeout must be a number, got 'soon'/);
});

test('unknown engine is rejected', async () => {
  assert.match(await errorOf(['run', notebookPath, '--engine', 'papermill']), /^notebook run: --engine must be one of native, nbconvert, got 'papermill'$/);
});

test('missing notebook names the path', async () => {
  assert.match(await errorOf(['run', path.join(work, 'absent.ipynb')]), /notebook not found: .*absent\.ipynb; check the path/);
});

test('file that is not JSON is rejected', async () => {
  const file = path.join(work, 'broken.ipynb');
  fs.writeFileSync(file, '{"cells": [');
  assert.match(await errorOf(['run', file]), /broken\.ipynb is not valid JSON/);
});

test('nbformat 3 notebook is rejected', async () => {
  const file = path.join(work, 'v3.ipynb');
  fs.writeFileSync(file, JSON.stringify({ nbformat: 3, nbformat_minor: 0, worksheets: [] }));
  assert.match(await errorOf(['run', file]), /has nbformat 3, but only nbformat 4 is supported/);
});

test('undeclared parameter lists declared names', async () => {
  assert.match(await errorOf(['run', notebookPath, '-p', 'sed=1']), /parameter 'sed' is not declared .*declared parameters: seed, size/);
});

test('const parameter is rejected', async () => {
  assert.match(await errorOf(['run', notebookPath, '-p', 'size=64']), /parameter 'size' is declared with const/);
});

test('notebook and --all together are rejected', async () => {
  assert.match(await errorOf(['run', notebookPath, '--all']), /give either a notebook .* or --all, not both/);
});

test('--output-dir without --all is rejected', async () => {
  assert.match(await errorOf(['run', notebookPath, '--output-dir', work]), /^notebook run: --output-dir goes with --all; for one notebook use --output <path>$/);
});

test('--all rejects a parameter that no notebook declares', async () => {
  // The project's notebooks 01-04 declare seed, runDir and others, but not this name.
  assert.match(await errorOf(['run', '--all', '-p', 'noSuchParameter=1']), /^notebook run --all: no notebook declares the parameter 'noSuchParameter'/);
});

test('unknown subcommand is rejected', async () => {
  assert.match(await errorOf(['execute', notebookPath]), /^notebook: unknown subcommand 'execute'; the only subcommand is 'run'/);
});

test('--all lists numbered notebooks in order', () => {
  const project = fs.mkdtempSync(path.join(work, 'project-'));
  fs.mkdirSync(path.join(project, 'notebooks'));
  for (const name of ['10-b.ipynb', '00-smoke.ipynb', '02-a.ipynb', 'draft.ipynb', '3-x.ipynb', '01-z.txt']) {
    fs.writeFileSync(path.join(project, 'notebooks', name), '{}');
  }
  assert.equal(listNumberedNotebooks(project).map((file) => path.basename(file)), ['02-a.ipynb', '10-b.ipynb']);
});

test('--all without notebooks is an error', () => {
  const project = fs.mkdtempSync(path.join(work, 'empty-'));
  assert.throws(() => listNumberedNotebooks(project), /notebook run --all: no notebooks named NN-\*\.ipynb/);
});

test('medsynth registers the notebook command', () => {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'medsynth.js'), 'notebook', 'run', notebookPath, '--timeout', '-1'], { encoding: 'utf8' });
  assert.is(result.status, 1);
  assert.match(result.stderr, /^medsynth notebook: notebook run: --timeout must be a positive number of seconds, got -1$/m);
});

test.run();
