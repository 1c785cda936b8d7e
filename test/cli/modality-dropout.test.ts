import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSeeds } from '../../kernel-lib/cli/modality-dropout';
import { MEDSYNTH_BIN } from '../helpers/medsynth-bin';
import { writePhysionetFixture } from '../helpers/physionet-fixture';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-modality-dropout-'));
const fixture = writePhysionetFixture(80, 2);

test.after(() => {
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(fixture.root, { recursive: true, force: true });
});

function medsynth(args: string[]) {
  const result = spawnSync(process.execPath, [MEDSYNTH_BIN, 'modality-dropout', ...args], { cwd: work, encoding: 'utf8', env: { ...process.env, MEDSYNTH_LOG_LEVEL: 'warn' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('writes the table as JSON and Markdown', () => {
  const out = path.join(work, 'run');
  const result = medsynth(['--data', fixture.root, '--out', out, '--seeds', '0,1', '--epochs', '2', '--hours', '24', '--resamples', '20']);
  assert.is(result.code, 0, result.stderr);
  const json = JSON.parse(fs.readFileSync(path.join(out, 'modality-dropout.json'), 'utf8'));
  assert.is(json.rows.length, 12);
  assert.equal(json.options.seeds, [0, 1]);
  assert.is(json.counts.train + json.counts.validation + json.counts.test, 80);
  const markdown = fs.readFileSync(path.join(out, 'modality-dropout.md'), 'utf8');
  assert.match(markdown, /\| fusion-dropout \| timeSeries \+ descriptors \|/);
  assert.match(result.stderr, /modality-dropout .*epochs/);
  assert.equal(fs.readdirSync(out).sort(), ['modality-dropout.json', 'modality-dropout.md']);
});

test('bad input gets a clear message', () => {
  const cases: [string[], RegExp][] = [
    [['--data', path.join(work, 'nowhere'), '--out', 'x'], /--data folder not found: .*nowhere; pass the PhysioNet 2012 folder/],
    [['--data', work, '--out', 'x'], /lacks set-a\/ or Outcomes-a.txt/],
    [['--data', fixture.root, '--out', 'x', '--dropuot', '0.2'], /unknown option --dropuot; valid options: --data/],
    [['--data', fixture.root, '--out', 'x', '--dropout', '1'], /--dropout must be in \[0, 1\), got 1/],
    [['--data', fixture.root, '--out', 'x', '--dropout', '-0.5'], /--dropout must be in \[0, 1\), got -0.5/],
    [['--data', fixture.root, '--out', 'x', '--hours', '12'], /--hours must be one of 24, 48, got 12/],
    [['--data', fixture.root, '--out', 'x', '--seeds', '0,a'], /--seeds must be comma-separated integers such as 0,1,2, got '0,a'/],
    [['--out', 'x'], /missing required option --data/],
  ];
  for (const [args, message] of cases) {
    const result = medsynth(args);
    assert.is(result.code, 1, args.join(' '));
    assert.match(result.stderr, message, `${args.join(' ')}: ${result.stderr}`);
  }
  assert.not.ok(fs.existsSync(path.join(work, 'x')), 'nothing written on bad input');
});

test('parseSeeds rejects repeats', () => {
  assert.equal(parseSeeds('0, 1,2'), [0, 1, 2]);
  assert.throws(() => parseSeeds('1,1'), /lists a seed twice/);
});

test('help lists the options', () => {
  const result = medsynth(['--help']);
  assert.is(result.code, 0);
  for (const option of ['--data', '--out', '--seeds', '--dropout', '--epochs', '--hours', '--max-patients']) assert.ok(result.stdout.includes(option), option);
});

test.run();
