import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FiguresManifest } from '../../kernel-lib/plots/export';
import { RUN_FIGURE_IDS } from '../../kernel-lib/plots/run-figures';
import { readPngSize } from '../../kernel-lib/plots/png-chunks';
import { parseExperimentConfig } from '../../kernel-lib/experiment/config';
import { runExperiment } from '../../kernel-lib/experiment/runner';
import { makeTempDir, tinyExperimentJson } from '../experiment/tiny-experiment';
import { browserTest, CHROMIUM } from './chromium-for-tests';
import { MEDSYNTH_BIN } from '../helpers/medsynth-bin';

// Runs the tiny end-to-end experiment with one seed and two arms, then `medsynth figures` on its
// run directory as a user would. The smaller run still runs every stage, in about 5 s on 2 cores
// against 11 s for all arms and two seeds.

const BIN = MEDSYNTH_BIN;
let runDir: string;
let result: { code: number | null; stdout: string; stderr: string };
let manifest: FiguresManifest;

test.before(async () => {
  if (CHROMIUM === null) return;
  const config = parseExperimentConfig({ ...tinyExperimentJson(), seeds: [0], arms: ['real-only', 'real+synthetic'] }, 'one-seed tiny config');
  runDir = await runExperiment({ config, runsDir: makeTempDir('medsynth-figures-'), runId: 'one-seed', backend: 'wasm' });
  const run = spawnSync(process.execPath, [BIN, 'figures', runDir, '--formats', 'svg,png,pdf', '--dpi', '300', '--no-html'], {
    encoding: 'utf8',
    env: { ...process.env, MEDSYNTH_LOG_LEVEL: 'warn' },
  });
  result = { code: run.status, stdout: run.stdout, stderr: run.stderr };
  const manifestFile = path.join(runDir, 'figures', 'figures.json');
  if (fs.existsSync(manifestFile)) manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as FiguresManifest;
});

browserTest('command exits 0', () => {
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /figures: 5 exported to .*figures \(listed in figures\.json\), PNG at 300 dpi/);
});

browserTest('figures.json lists every run figure', () => {
  assert.equal(
    manifest.figures.map((figure) => figure.id),
    [...RUN_FIGURE_IDS],
  );
  assert.is(manifest.source, path.resolve(runDir));
  for (const figure of manifest.figures) {
    assert.equal(
      figure.files.map((file) => file.file),
      [`${figure.id}.svg`, `${figure.id}.png`, `${figure.id}.pdf`],
    );
  }
});

browserTest('listed sizes match the files', () => {
  for (const figure of manifest.figures) {
    for (const file of figure.files) {
      const bytes = fs.readFileSync(path.join(runDir, 'figures', file.file));
      assert.is(file.bytes, bytes.length, `expected the recorded size of ${file.file}`);
      if (file.format === 'png') assert.equal(readPngSize(bytes), { width: file.widthPx, height: file.heightPx });
    }
  }
});

browserTest('PNGs are one column at 300 dpi', () => {
  for (const figure of manifest.figures) {
    const png = figure.files.find((file) => file.format === 'png');
    assert.is(figure.widthInches, 3.5);
    // 3.5 in × 300 dpi = 1050 px; heights follow each figure's aspect.
    assert.is(png?.widthPx, 1050);
    assert.is(png?.heightPx, Math.round(figure.heightInches * 300));
  }
});

browserTest('files have their formats', () => {
  const roc = (ext: string) => fs.readFileSync(path.join(runDir, 'figures', `plot-roc.${ext}`));
  assert.is(roc('svg').subarray(0, 4).toString('latin1'), '<svg');
  assert.is(roc('pdf').subarray(0, 5).toString('latin1'), '%PDF-');
  assert.not.ok(fs.existsSync(path.join(runDir, 'figures', 'plot-roc.html')), 'expected no HTML with --no-html');
});

test.run();
