import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCheckpoint } from '../../kernel-lib/train/checkpoint';
import { NamedArray } from '../../kernel-lib/train/safetensors';
import { makeTempDir } from '../experiment/tiny-experiment';

const CLI = path.join(__dirname, '..', '..', '..', 'bin', 'medsynth.js');
const STEPS = 30;
// A tiny U-Net on the demo dataset: about 50 ms per step on wasm, so a kill after the
// first checkpoint (step 2) lands well before the last step.
const TRAIN_OPTIONS = ['--data', 'demo', '--steps', String(STEPS), '--batch-size', '4', '--widths', '8,8', '--embedding-dim', '8', '--checkpoint-every', '2', '--seed', '3', '--backend', 'wasm'];

let uninterruptedDir: string;
let resumedDir: string;
let stepAtKill: number;
let resumeOutput: string;

function train(outDir: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [CLI, 'train-diffusion', '--out', outDir, ...TRAIN_OPTIONS], { encoding: 'utf8' });
  return { status: result.status, output: result.stdout + result.stderr };
}

/** Starts training and SIGKILLs it as soon as its first checkpoint file exists. */
async function trainUntilFirstCheckpoint(outDir: string): Promise<void> {
  const child = spawn(process.execPath, [CLI, 'train-diffusion', '--out', outDir, ...TRAIN_OPTIONS], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const checkpoint = path.join(outDir, 'checkpoint.safetensors');
  while (!fs.existsSync(checkpoint) && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 5));
  child.kill('SIGKILL');
  const signal = await exited;
  if (signal !== 'SIGKILL') throw new Error(`expected the training process to be killed, but it ended by itself (signal ${signal})`);
}

test.before(async () => {
  const root = makeTempDir('medsynth-train-');
  uninterruptedDir = path.join(root, 'uninterrupted');
  resumedDir = path.join(root, 'resumed');

  const uninterrupted = train(uninterruptedDir);
  if (uninterrupted.status !== 0) throw new Error(`uninterrupted training failed: ${uninterrupted.output}`);

  await trainUntilFirstCheckpoint(resumedDir);
  stepAtKill = loadCheckpoint(path.join(resumedDir, 'checkpoint.safetensors')).step;
  const resumed = train(resumedDir);
  if (resumed.status !== 0) throw new Error(`resumed training failed: ${resumed.output}`);
  resumeOutput = resumed.output;
});

test('kill lands before the last step', () => {
  assert.ok(stepAtKill >= 2, `expected a checkpoint at step 2 or later, got step ${stepAtKill}`);
  assert.ok(stepAtKill < STEPS, `expected the kill before step ${STEPS}, got a checkpoint at step ${stepAtKill}`);
});

test('second run resumes from the checkpoint', () => {
  assert.match(resumeOutput, `trained ${STEPS} steps (${STEPS - stepAtKill} this run)`);
});

test('resumed checkpoint matches uninterrupted weights', () => {
  const expected = loadCheckpoint(path.join(uninterruptedDir, 'checkpoint.safetensors'));
  const actual = loadCheckpoint(path.join(resumedDir, 'checkpoint.safetensors'));
  assert.is(actual.step, STEPS);
  assert.is(expected.step, STEPS);
  assert.is(actual.adamStep, expected.adamStep);
  assert.equal(actual.noiseRng, expected.noiseRng);

  const groups: [string, Map<string, NamedArray>, Map<string, NamedArray>][] = [
    ['params', expected.params, actual.params],
    ['ema', expected.ema, actual.ema],
    ['adam.m', expected.adamFirstMoments, actual.adamFirstMoments],
    ['adam.v', expected.adamSecondMoments, actual.adamSecondMoments],
  ];
  for (const [group, expectedTensors, actualTensors] of groups) {
    assert.ok(expectedTensors.size > 0, `expected ${group} tensors in the checkpoint`);
    assert.equal([...actualTensors.keys()], [...expectedTensors.keys()]);
    for (const [name, { shape, data }] of expectedTensors) {
      const other = actualTensors.get(name) as NamedArray;
      assert.equal(other.shape, shape);
      // Identical bits: both runs take the same float32 steps on the same backend.
      assert.ok(Buffer.from(other.data.buffer, other.data.byteOffset, other.data.byteLength).equals(Buffer.from(data.buffer, data.byteOffset, data.byteLength)), `expected ${group}/${name} to be bit-identical`);
    }
  }
});

test.run();
