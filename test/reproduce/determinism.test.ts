import * as fs from 'fs';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runExperiment } from '../../kernel-lib/experiment/runner';
import { makeTempDir, tinyExperimentConfig, uninterruptedTinyRun } from '../experiment/tiny-experiment';

let firstDir: string;
let secondDir: string;

/** Paths of every PNG under `dir`, relative to it and sorted. */
function pngFiles(dir: string, prefix = ''): string[] {
  return fs
    .readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .flatMap((entry) => {
      const relative = path.join(prefix, entry.name);
      if (entry.isDirectory()) return pngFiles(dir, relative);
      return entry.name.endsWith('.png') ? [relative] : [];
    })
    .sort();
}

test.before(async () => {
  firstDir = await uninterruptedTinyRun();
  secondDir = await runExperiment({ config: tinyExperimentConfig(), runsDir: makeTempDir('medsynth-runs-'), runId: 'second', backend: 'wasm' });
});

test('two runs give identical metrics.json', () => {
  const first = fs.readFileSync(path.join(firstDir, 'metrics.json'));
  const second = fs.readFileSync(path.join(secondDir, 'metrics.json'));
  assert.ok(first.length > 0, 'expected a non-empty metrics.json');
  assert.ok(first.equals(second), 'expected metrics.json of both runs to be byte-identical');
});

test('two runs write the same PNG files', () => {
  const first = pngFiles(firstDir);
  // The tiny run writes a real grid per class and a synthetic grid per seed.
  assert.ok(first.length >= 4, `expected at least 4 PNG files, got ${JSON.stringify(first)}`);
  assert.equal(pngFiles(secondDir), first);
});

test('two runs give identical PNG bytes', () => {
  for (const file of pngFiles(firstDir)) {
    const first = fs.readFileSync(path.join(firstDir, file));
    const second = fs.readFileSync(path.join(secondDir, file));
    assert.ok(first.equals(second), `expected ${file} to be byte-identical in both runs`);
  }
});

test.run();
