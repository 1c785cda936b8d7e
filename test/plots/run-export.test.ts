import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { figuresCommand } from '../../kernel-lib/cli/figures';
import { loadRunReportData, resolveWidth } from '../../kernel-lib/plots/run-export';

// Run directories that `medsynth figures` must reject before any work; the tiny end-to-end run
// that it accepts is in figures-command.test.ts.

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-run-export-'));

function unfinishedRun(): string {
  const dir = path.join(work, 'unfinished');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ format: 'medsynth-experiment-run', config: {} }));
  fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ finished: ['data', 'diffusion'] }));
  return dir;
}

test.after(() => fs.rmSync(work, { recursive: true, force: true }));

test('rejects a missing run directory', () => {
  const missing = path.join(work, 'no-such-run');
  assert.throws(() => loadRunReportData(missing), new RegExp(`^loadRunReportData: run directory ${missing} does not exist`));
});

test('rejects a folder that is not a run', () => {
  const empty = path.join(work, 'empty');
  fs.mkdirSync(empty, { recursive: true });
  assert.throws(() => loadRunReportData(empty), /^loadRunReportData: .*empty is not an experiment run directory \(no manifest.json\)/);
});

test('rejects a file in place of a folder', () => {
  const file = path.join(work, 'file.txt');
  fs.writeFileSync(file, 'x');
  assert.throws(() => loadRunReportData(file), /^loadRunReportData: .*file\.txt is a file, not a run directory/);
});

test('rejects a run without its report stage', () => {
  const dir = unfinishedRun();
  assert.throws(
    () => loadRunReportData(dir),
    /^loadRunReportData: the run in .*unfinished has not finished its report stage \(finished: data, diffusion\); complete it with 'medsynth run --resume /,
  );
});

test('width names resolve to inches', () => {
  assert.is(resolveWidth('test', 'single'), 3.5);
  assert.is(resolveWidth('test', 'double'), 7.16);
  assert.is(resolveWidth('test', '4.5'), 4.5);
  assert.throws(() => resolveWidth('test', 'wide'), /^test: width must be single \(3.5 in\), double \(7.16 in\) or a number of inches, got 'wide'/);
});

test('command rejects an unknown format', async () => {
  try {
    await figuresCommand([unfinishedRun(), '--formats', 'svg,gif']);
    assert.unreachable('expected figuresCommand to throw');
  } catch (err) {
    assert.match((err as Error).message, /^figures: unknown format 'gif' in --formats; use a comma-separated list of svg, png, pdf/);
  }
});

test('command rejects an unknown width', async () => {
  try {
    await figuresCommand([unfinishedRun(), '--width', 'triple']);
    assert.unreachable('expected figuresCommand to throw');
  } catch (err) {
    assert.match((err as Error).message, /^figures: --width must be single, double or a number of inches, got 'triple'/);
  }
});

test('command needs a run directory', async () => {
  try {
    await figuresCommand(['--dpi', '300']);
    assert.unreachable('expected figuresCommand to throw');
  } catch (err) {
    assert.match((err as Error).message, /^figures: name a run directory/);
  }
});

test.run();
