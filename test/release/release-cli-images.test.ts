import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../../kernel-lib/util/random';
import { MEDSYNTH_BIN } from '../helpers/medsynth-bin';
import { npy, writeNpz } from '../helpers/npz-writer';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-release-images-'));
const random = new Random(21);
const SIDE = 4;

function medsynth(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [MEDSYNTH_BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, MEDSYNTH_BACKEND: 'wasm', MEDSYNTH_LOG_LEVEL: 'error' },
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** uint8 images `[count, SIDE, SIDE]` with independent pixels around 128 of standard deviation `spread`. */
function images(count: number, spread: number): Uint8Array {
  return Uint8Array.from({ length: count * SIDE * SIDE }, () => Math.max(0, Math.min(255, Math.round(128 + spread * random.normal()))));
}

const realNpz = writeNpz(path.join(work, 'toymnist.npz'), {
  'train_images.npy': npy('|u1', [400, SIDE, SIDE], images(400, 30)),
  'train_labels.npy': npy('|u1', [400, 1], new Uint8Array(400)),
  'test_images.npy': npy('|u1', [400, SIDE, SIDE], images(400, 30)),
  'test_labels.npy': npy('|u1', [400, 1], new Uint8Array(400)),
});
// Fresh images of a slightly wider spread: drawn from the population's neighbourhood, never
// copied. A wider spread keeps the DCR check clear of its tie with equal draws, and a spread this
// close keeps the images inside the real images' manifold for the precision check.
const SYNTHETIC_SPREAD = 36;
const syntheticImages = images(400, SYNTHETIC_SPREAD);

/** Writes an image run layout with its synthetic .npz, manifest and model.json; returns the .npz path. */
function writeImageRun(name: string, license: string): string {
  const run = path.join(work, name);
  fs.mkdirSync(path.join(run, 'synthetic'), { recursive: true });
  fs.mkdirSync(path.join(run, 'diffusion'), { recursive: true });
  const dataset = { name: 'toymnist', source: realNpz, license, citation: 'Toy citation 2025' };
  fs.writeFileSync(path.join(run, 'manifest.json'), JSON.stringify({ format: 'medsynth-experiment-run', dataset }));
  fs.writeFileSync(
    path.join(run, 'diffusion', 'model.json'),
    JSON.stringify({ format: 'medsynth-image-diffusion', dataset, privacy: { epsilon: 2.5, delta: 1e-5, noiseMultiplier: 1.2 } }),
  );
  return writeNpz(path.join(run, 'synthetic', 'synthetic_seed0.npz'), {
    'images.npy': npy('|u1', [400, SIDE, SIDE], syntheticImages),
    'labels.npy': npy('<i4', [400], new Int32Array(400)),
    'synthetic.npy': npy('|u1', [400], new Uint8Array(400).fill(1)),
  });
}

test.after(() => fs.rmSync(work, { recursive: true, force: true }));

test('release passes separated synthetic images', () => {
  const synthetic = writeImageRun('run', 'CC BY 4.0');
  const result = medsynth(['release', synthetic, '--train', realNpz, '--reference', realNpz]);
  assert.is(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /^release: images records, 400 synthetic, 400 --train, 400 --reference$/m);
  assert.match(result.stdout, /release gate PASSED: all 7 checks passed/);
  const card = fs.readFileSync(path.join(path.dirname(synthetic), 'DATASET_CARD.md'), 'utf8');
  assert.match(card, /SYNTHETIC DATA/);
  assert.match(card, /Model kind: image diffusion/);
  assert.match(card, /ε = 2\.5, δ = 0\.00001/);
  assert.match(card, /Source licence: CC BY 4\.0/);
  assert.match(card, /Citation: Toy citation 2025/);
  assert.match(card, /--reference: 400 images of 4×4 from .*toymnist\.npz \(split 'test'\)/);
  assert.match(fs.readFileSync(path.join(path.dirname(synthetic), 'release-report.html'), 'utf8'), /SYNTHETIC DATA/);
});

test('release rejects ND source licence', () => {
  const synthetic = writeImageRun('nd', 'CC BY-NC-ND 4.0');
  const result = medsynth(['release', synthetic, '--train', realNpz, '--reference', realNpz]);
  assert.is(result.code, 1, result.stdout);
  assert.match(result.stdout, /^ {2}FAIL {2}source-license +CC BY-NC-ND 4\.0 .*forbids derivatives/m);
  assert.match(result.stderr, /release gate FAILED: 1 of 7 checks failed \(source-license\)/);
  assert.match(fs.readFileSync(path.join(path.dirname(synthetic), 'DATASET_CARD.md'), 'utf8'), /^## Release gate: FAIL$/m);
});

test('release rejects bad options', () => {
  const synthetic = path.join(work, 'run', 'synthetic', 'synthetic_seed0.npz');
  const cases: [string[], RegExp][] = [
    [['release'], /release: name the synthetic data first/],
    [['release', synthetic, '--reference', realNpz], /missing required option --train/],
    [['release', synthetic, '--train', realNpz, '--reference', realNpz, '--reference-split', 'holdout'], /--reference-split must be one of train, val, test, got 'holdout'/],
    [['release', synthetic, '--train', realNpz, '--reference', realNpz, '--policy', path.join(work, 'none.json')], /policy file not found/],
  ];
  for (const [args, pattern] of cases) {
    const result = medsynth(args);
    assert.is(result.code, 1, args.join(' '));
    assert.match(result.stderr, pattern);
  }
});

test.run();
