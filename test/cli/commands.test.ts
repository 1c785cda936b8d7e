import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { decode } from 'fast-png';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

function findRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) || JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name !== 'medsynth') {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('project root not found');
    dir = parent;
  }
  return dir;
}

const ROOT = findRoot();
const BIN = path.join(ROOT, 'bin', 'medsynth.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-cli-'));

function medsynth(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, MEDSYNTH_LOG_LEVEL: 'warn', ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const TINY_TRAIN = ['--widths', '8,8', '--embedding-dim', '8', '--batch-size', '4', '--steps', '2', '--checkpoint-every', '1'];

test.after(() => fs.rmSync(work, { recursive: true, force: true }));

test('train then sample writes marked synthetic files', () => {
  const trained = medsynth(['train-diffusion', '--data', 'demo', '--out', 'model', ...TINY_TRAIN]);
  assert.is(trained.code, 0, trained.stderr);
  assert.match(trained.stdout, /trained 2 steps/);

  const sampled = medsynth(['sample', '--model', 'model', '--class', 'lesion', '--n', '3', '--steps', '3', '--sampler', 'dpmsolver++', '--guidance-interval', '100,600', '--out', 'out']);
  assert.is(sampled.code, 0, sampled.stderr);
  const files = fs.readdirSync(path.join(work, 'out')).sort();
  assert.equal(files, [
    'synthetic_grid_lesion_seed0.png',
    'synthetic_lesion_seed0_0000.png',
    'synthetic_lesion_seed0_0001.png',
    'synthetic_lesion_seed0_0002.png',
    'synthetic_manifest_lesion_seed0.json',
  ]);
  const png = decode(fs.readFileSync(path.join(work, 'out', 'synthetic_lesion_seed0_0001.png')));
  assert.is(png.width, 28);
  assert.is(png.height, 28);
  assert.is(png.channels, 1);
  assert.is(png.text.Synthetic, 'true');
  assert.match(png.text.Comment, /SYNTHETIC IMAGE/);
  assert.is(png.text.Class, 'lesion');
  const manifest = JSON.parse(fs.readFileSync(path.join(work, 'out', 'synthetic_manifest_lesion_seed0.json'), 'utf8'));
  assert.is(manifest.synthetic, true);
  assert.is(manifest.count, 3);
  assert.equal(manifest.guidanceInterval, [100, 600]);
});

test('sampling twice with one seed gives identical files', () => {
  const args = ['sample', '--model', 'model', '--class', 'normal', '--n', '2', '--steps', '3', '--seed', '4'];
  assert.is(medsynth([...args, '--out', 'a']).code, 0);
  assert.is(medsynth([...args, '--out', 'b']).code, 0);
  const name = 'synthetic_normal_seed4_0000.png';
  assert.equal(decode(fs.readFileSync(path.join(work, 'a', name))).data, decode(fs.readFileSync(path.join(work, 'b', name))).data);
});

const BAD_INPUT: [string, string[], RegExp, Record<string, string>?][] = [
  ['unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
  ['unknown option', ['train-diffusion', '--data', 'demo', '--out', 'm', '--stepz', '3'], /unknown option --stepz; valid options: --data/],
  ['missing required option', ['train-diffusion', '--out', 'm'], /missing required option --data/],
  ['non-numeric value', ['train-diffusion', '--data', 'demo', '--out', 'm', '--steps', 'ten'], /--steps must be a number, got 'ten'/],
  ['unknown dataset', ['train-diffusion', '--data', 'nosuchset', '--out', 'm'], /"nosuchset" is not a registered dataset/],
  ['missing npz file', ['train-diffusion', '--data', 'missing.npz', '--out', 'm'], /missing.npz/],
  ['unknown backend option', ['train-diffusion', '--data', 'demo', '--out', 'm', '--backend', 'tpu'], /unknown backend 'tpu'; use one of auto, node-gpu, node, wasm, cpu/],
  ['unknown backend variable', ['train-diffusion', '--data', 'demo', '--out', 'm'], /environment variable MEDSYNTH_BACKEND: unknown backend 'gpu'/, { MEDSYNTH_BACKEND: 'gpu' }],
  ['unknown schedule', ['train-diffusion', '--data', 'demo', '--out', 'm', '--schedule', 'cubic', ...TINY_TRAIN], /betaSchedule.*cubic|cubic.*linear/],
  ['bad widths', ['train-diffusion', '--data', 'demo', '--out', 'm', '--widths', '8,x'], /--widths must be a comma-separated list of positive integers, got '8,x'/],
  ['width not divisible by groups', ['train-diffusion', '--data', 'demo', '--out', 'm', '--widths', '8,12', '--steps', '1'], /every width must be a positive multiple of normGroups \(8\), got 12/],
  ['negative guidance', ['sample', '--model', 'model', '--class', 'lesion', '--guidance', '-1', '--out', 'o'], /--guidance must be >= 0, got -1/],
  ['unknown class', ['sample', '--model', 'model', '--class', 'cancer', '--out', 'o'], /unknown class 'cancer'; this model has 'normal', 'lesion'/],
  ['steps out of range', ['sample', '--model', 'model', '--class', 'lesion', '--steps', '0', '--out', 'o'], /`numInferenceSteps` must be an integer in \[1, 1000\], got 0/],
  ['steps above training steps', ['sample', '--model', 'model', '--class', 'lesion', '--steps', '1001', '--out', 'o'], /got 1001/],
  ['reversed guidance interval', ['sample', '--model', 'model', '--class', 'lesion', '--guidance-interval', '500,100', '--out', 'o'], /--guidance-interval must be two training timesteps first,last .* got '500,100'/],
  ['unknown sampler', ['sample', '--model', 'model', '--class', 'lesion', '--sampler', 'euler', '--out', 'o'], /unknown sampler 'euler'; use one of ddpm, ddim, dpmsolver\+\+/],
  ['unknown spacing', ['sample', '--model', 'model', '--class', 'lesion', '--spacing', 'middle', '--steps', '2', '--out', 'o'], /middle/],
  ['missing model', ['sample', '--model', 'nomodel', '--class', 'x', '--out', 'o'], /nomodel\/model.json does not exist/],
  ['sample rate without DP', ['train-diffusion', '--data', 'demo', '--out', 'm', '--sample-rate', '0.1'], /--sample-rate 0.1 applies to DP-SGD only/],
  ['two DP noise settings', ['train-diffusion', '--data', 'demo', '--out', 'm', '--target-epsilon', '3', '--noise-multiplier', '1', '--sample-rate', '0.1'], /give one of --target-epsilon \(3\) and --noise-multiplier \(1\), not both/],
  ['DP without sample rate', ['train-diffusion', '--data', 'demo', '--out', 'm', '--noise-multiplier', '1'], /DP-SGD needs --sample-rate/],
  ['zero workers', ['train-diffusion', '--data', 'demo', '--out', 'm', '--workers', '0', ...TINY_TRAIN], /training options: workers: .*\(got 0\)/],
  ['workers with DP', ['train-diffusion', '--data', 'demo', '--out', 'm', '--workers', '2', '--noise-multiplier', '1', '--sample-rate', '0.1', ...TINY_TRAIN], /workers 2 is not supported with privacy settings/],
  ['sample rate above 1', ['train-diffusion', '--data', 'demo', '--out', 'm', '--noise-multiplier', '1', '--sample-rate', '1.5', ...TINY_TRAIN], /sampleRate/],
];

test('bad input is rejected with the value', () => {
  // Runs after the first test, which wrote ./model.
  for (const [name, args, message, env] of BAD_INPUT) {
    const result = medsynth(args, env);
    assert.is(result.code, name === 'unknown command' ? 2 : 1, `${name}: exit code (stderr: ${result.stderr})`);
    assert.match(result.stderr, message, `${name}: message`);
  }
});

test('train with two workers, then resume', () => {
  const trained = medsynth(['train-diffusion', '--data', 'demo', '--out', 'parallel-model', ...TINY_TRAIN, '--workers', '2']);
  assert.is(trained.code, 0, trained.stderr);
  assert.match(trained.stdout, /trained 2 steps/);
  const model = JSON.parse(fs.readFileSync(path.join(work, 'parallel-model', 'model.json'), 'utf8'));
  assert.is(model.training.workers, 2);

  const resumed = medsynth(['train-diffusion', '--data', 'demo', '--out', 'parallel-model', ...TINY_TRAIN, '--steps', '3', '--workers', '2']);
  assert.is(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /trained 3 steps \(1 this run\)/);
});

test('DP training records epsilon', () => {
  const trained = medsynth(['train-diffusion', '--data', 'demo', '--out', 'dp-model', ...TINY_TRAIN, '--target-epsilon', '5', '--sample-rate', '0.05']);
  assert.is(trained.code, 0, trained.stderr);
  const model = JSON.parse(fs.readFileSync(path.join(work, 'dp-model', 'model.json'), 'utf8'));
  assert.is(model.privacy.steps, 2);
  assert.is(model.privacy.sampleRate, 0.05);
  assert.is(model.privacy.delta, 1e-5);
  // σ is calibrated to reach ε = 5 after the 2 planned steps, so the record sits just at or below 5.
  assert.ok(model.privacy.epsilon <= 5, `epsilon ${model.privacy.epsilon} above the target`);
  assert.ok(model.privacy.epsilon > 4.5, `epsilon ${model.privacy.epsilon} far below the target`);
  assert.match(trained.stderr, /epsilon \d\.\d{3}/);
});

test('corrupt npz is rejected', () => {
  fs.writeFileSync(path.join(work, 'broken.npz'), Buffer.from('PK\u0003\u0004 this is not a real archive'));
  const result = medsynth(['train-diffusion', '--data', 'broken.npz', '--out', 'm']);
  assert.is(result.code, 1);
  assert.match(result.stderr, /broken.npz/);
});

test('help lists the options', () => {
  const result = medsynth(['sample', '--help']);
  assert.is(result.code, 0);
  assert.match(result.stdout, /--guidance <number>/);
});

test.run();
