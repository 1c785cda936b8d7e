import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MEDSYNTH_BIN } from '../helpers/medsynth-bin';

// The medsynth command, run as a user would: bad options, unknown subcommands and paths that
// cannot be written end with exit code 1 or 2 and one message naming the command, the value
// and the fix, before any work starts.

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-bad-cli-'));
test.after(() => fs.rmSync(work, { recursive: true, force: true }));

/** Runs medsynth in the work folder; every case here must fail within seconds, so 60 s is a hang. */
function medsynth(args: string[]): { code: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [MEDSYNTH_BIN, ...args], {
    cwd: work,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, MEDSYNTH_LOG_LEVEL: 'warn' },
  });
  return { code: result.status, stderr: result.stderr };
}

const CASES: [string, string[], RegExp][] = [
  ['train steps 0', ['train-diffusion', '--data', 'demo', '--out', 'm', '--steps', '0'], /^medsynth train-diffusion: trainImageDiffusion: invalid training options: numSteps: /m],
  ['sample guidance -1', ['sample', '--model', 'm', '--class', 'lesion', '--out', 'o', '--guidance', '-1'], /^medsynth sample: sample: --guidance must be >= 0, got -1$/m],
  ['figures dpi abc', ['figures', 'run-x', '--dpi', 'abc'], /^medsynth figures: figures: option --dpi must be a number, got 'abc'$/m],
  ['notebook timeout 0', ['notebook', 'run', 'x.ipynb', '--timeout', '0'], /^medsynth notebook: notebook run: --timeout must be a positive number of seconds, got 0$/m],
  ['unknown option', ['sample', '--model', 'm', '--clas', 'lesion'], /^medsynth sample: sample: unknown option --clas; valid options: /m],
  ['option without value', ['figures', 'run-x', '--dpi'], /^medsynth figures: figures: option --dpi needs a value \(PNG resolution in pixels per inch\)$/m],
  ['unknown command', ['frobnicate'], /^medsynth: unknown command 'frobnicate'$/m],
  ['unknown dicom subcommand', ['dicom', 'frobnicate'], /^medsynth dicom: dicom: expected a subcommand, one of export, info, got 'frobnicate'$/m],
  ['unknown datasets subcommand', ['datasets', 'frobnicate'], /^medsynth datasets: datasets: expected a subcommand, one of list, fetch, got 'frobnicate'$/m],
  ['unknown review subcommand', ['review', 'frobnicate'], /^medsynth review: review: unknown subcommand 'frobnicate'; use 'serve' or 'score'$/m],
  ['unknown notebook subcommand', ['notebook', 'frobnicate'], /^medsynth notebook: notebook: unknown subcommand 'frobnicate'; the only subcommand is 'run'/m],
  ['unknown experiment name', ['run', 'no-such-experiment'], /^medsynth run: experiment config not found: looked for .*no-such-experiment.*; pass a JSON file or a name from experiments\/$/m],
];

for (const [name, args, pattern] of CASES) {
  test(`cli rejects ${name}`, () => {
    const { code, stderr } = medsynth(args);
    assert.ok(code === 1 || code === 2, `expected exit code 1 or 2, got ${code}; stderr: ${stderr}`);
    assert.match(stderr, pattern);
  });
}

test('cli rejects runs-dir under a file', () => {
  const file = path.join(work, 'plain-file');
  fs.writeFileSync(file, 'keep me\n');
  const { code, stderr } = medsynth(['run', 'quickstart', '--runs-dir', path.join(file, 'sub')]);
  assert.is(code, 1);
  assert.match(stderr, /^medsynth run: cannot write the run directory .*plain-file\/sub\/quickstart-.* \(ENOTDIR: .*\); choose a writable location with --runs-dir$/m);
  assert.is(fs.readFileSync(file, 'utf8'), 'keep me\n');
});

// Node's recursive mkdir retries forever under /proc (ENOENT on every try); the run must fail instead.
test('cli rejects runs-dir under /proc', () => {
  const { code, stderr } = medsynth(['run', 'quickstart', '--runs-dir', '/proc/forbidden']);
  assert.is(code, 1);
  assert.match(stderr, /^medsynth run: cannot write the run directory \/proc\/forbidden\/quickstart-.*; choose a writable location with --runs-dir$/m);
});

test('cli rejects an invalid config file', () => {
  const config = path.join(work, 'bad-config.json');
  fs.writeFileSync(config, JSON.stringify({ name: 'bad', dataset: { source: 'demo', positiveClass: 'lesion' }, arms: ['oversampling'] }));
  const before = fs.readFileSync(config);
  const { code, stderr } = medsynth(['run', config, '--runs-dir', path.join(work, 'runs')]);
  assert.is(code, 1);
  assert.match(stderr, /^medsynth run: invalid experiment config .*bad-config\.json: arms must include 'real-only'/m);
  assert.equal(fs.readFileSync(config), before);
  assert.not.ok(fs.existsSync(path.join(work, 'runs')), 'a run directory was created for a rejected config');
});

test('cli rejects a notebook that is not JSON', () => {
  const notebook = path.join(work, 'plain.ipynb');
  fs.writeFileSync(notebook, 'print("hi")\n');
  const { code, stderr } = medsynth(['notebook', 'run', notebook, '--output', path.join(work, 'out.ipynb')]);
  assert.is(code, 1);
  assert.match(stderr, /^medsynth notebook: parseNotebook: .*plain\.ipynb is not valid JSON [\s\S]*; pass an \.ipynb file saved by Jupyter$/m);
  assert.is(fs.readFileSync(notebook, 'utf8'), 'print("hi")\n');
  assert.not.ok(fs.existsSync(path.join(work, 'out.ipynb')));
});

test('cli rejects an undeclared notebook parameter', () => {
  const notebook = path.join(work, 'params.ipynb');
  const text = JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [{ cell_type: 'code', source: 'let seed = 0;', metadata: { tags: ['parameters'] }, outputs: [], execution_count: null }],
  });
  fs.writeFileSync(notebook, text);
  const { code, stderr } = medsynth(['notebook', 'run', notebook, '-p', 'sede=3', '--output', path.join(work, 'params-out.ipynb')]);
  assert.is(code, 1);
  assert.match(stderr, /parameter 'sede' is not declared in the parameters cell \(index 0\); declared parameters: seed\./);
  assert.match(stderr, /^medsynth notebook: /m);
  assert.is(fs.readFileSync(notebook, 'utf8'), text);
  assert.not.ok(fs.existsSync(path.join(work, 'params-out.ipynb')));
});

test.run();
