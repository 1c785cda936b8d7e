import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// Executes notebooks/00-smoke.ipynb headless through Jupyter's own client (nbclient driving
// the tslab kernel), as a user's Jupyter would, and reads the executed notebook back.

const PYTHON = '/usr/bin/python3';
const NOTEBOOK = 'notebooks/00-smoke.ipynb';
const SETUP_HINT =
  'set it up with `apt-get install jupyter-nbconvert python3-nbclient python3-ipython python3-ipykernel` ' +
  'and `npm run setup-kernel`';

// Exits non-zero with the reason on stderr when nbclient, nbformat or the tslab kernel is missing.
const PROBE_SETUP = `
import os, sys
try:
    import nbclient, nbformat
except ImportError as err:
    sys.exit(f"{sys.executable} has no {err.name} module")
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
try:
    spec = KernelSpecManager().get_kernel_spec("tslab")
except NoSuchKernel:
    sys.exit("no tslab kernelspec is registered")
if not os.path.exists(spec.argv[0]):
    sys.exit(f"the tslab kernelspec runs {spec.argv[0]}, which does not exist")
`;

interface NotebookOutput {
  output_type: string;
  name?: string;
  text?: string | string[];
  ename?: string;
  evalue?: string;
}

interface NotebookCell {
  cell_type: string;
  id?: string;
  outputs?: NotebookOutput[];
}

interface NotebookRun {
  /** Exit status of the nbclient script, null when it could not start or timed out. */
  status: number | null;
  stderr: string;
  /** The executed notebook's code cells, or null when no notebook was written. */
  codeCells: NotebookCell[] | null;
}

/** Returns the nearest folder at or above `start` that contains package.json. */
function findProjectRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`findProjectRoot: no package.json in ${start} or any folder above it`);
    dir = parent;
  }
  return dir;
}

/** Returns why the notebook cannot run here, or null when Jupyter and the tslab kernel are set up. */
function findMissingSetup(): string | null {
  const probe = spawnSync(PYTHON, ['-c', PROBE_SETUP], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} could not start (${probe.error.message})`;
  if (probe.status !== 0) {
    const reason = probe.stderr.trim().split('\n').pop();
    return reason || `the setup probe exited with status ${probe.status}`;
  }
  return null;
}

// Runs the notebook with nbclient, the executor behind `jupyter nbconvert --execute`, and writes
// the executed notebook even when a cell fails, so that the test can show that cell's output.
// nbclient starts the kernel in the notebook's folder, as Jupyter does, so that the notebook's
// relative imports resolve from notebooks/.
const EXECUTE_NOTEBOOK = `
import os, sys
import nbformat
from nbclient import NotebookClient
source, destination = sys.argv[1], sys.argv[2]
notebook = nbformat.read(source, as_version=4)
client = NotebookClient(notebook, timeout=300, kernel_name="tslab",
                        resources={"metadata": {"path": os.path.dirname(os.path.abspath(source))}})
try:
    client.execute()
finally:
    nbformat.write(notebook, destination)
`;

function executeNotebook(root: string, outputDir: string): NotebookRun {
  const outputPath = path.join(outputDir, 'executed.ipynb');
  // The tslab script runs through `#!/usr/bin/env node`, so this node goes first on PATH.
  const run = spawnSync(PYTHON, ['-c', EXECUTE_NOTEBOOK, NOTEBOOK, outputPath], {
    cwd: root,
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}` },
  });
  const stderr = run.error ? `${run.stderr ?? ''}\n${run.error.message}` : run.stderr;
  if (!fs.existsSync(outputPath)) return { status: run.status, stderr, codeCells: null };

  const notebook = JSON.parse(fs.readFileSync(outputPath, 'utf8')) as { cells: NotebookCell[] };
  const codeCells = notebook.cells.filter((cell) => cell.cell_type === 'code');
  return { status: run.status, stderr, codeCells };
}

/** Describes a failed run: what each cell wrote to stderr, where tslab puts compile errors. */
function describeFailure(run: NotebookRun): string {
  const cellErrors = (run.codeCells ?? [])
    .map((cell) => {
      const text = (cell.outputs ?? [])
        .filter((output) => output.output_type === 'stream' && output.name === 'stderr')
        .map(outputText)
        .join('')
        .trim();
      return text ? `cell '${cell.id}' stderr:\n${text}` : '';
    })
    .filter((text) => text !== '');
  return [...cellErrors, `nbclient stderr ends with:\n${lastLines(run.stderr)}`].join('\n');
}

function outputText(output: NotebookOutput): string {
  return Array.isArray(output.text) ? output.text.join('') : output.text ?? '';
}

/** Returns what the code cell with this id printed to stdout. */
function cellStdout(run: NotebookRun, id: string): string {
  assert.ok(run.codeCells, `no executed notebook was written; ${describeFailure(run)}`);
  const cell = run.codeCells.find((candidate) => candidate.id === id);
  assert.ok(cell, `${NOTEBOOK} has no code cell with id '${id}'`);
  return (cell.outputs ?? [])
    .filter((output) => output.output_type === 'stream' && output.name === 'stdout')
    .map(outputText)
    .join('');
}

/** Parses the number after `label` in the cell's stdout, or returns NaN when it is missing. */
function printedNumber(run: NotebookRun, id: string, label: string): number {
  const match = cellStdout(run, id).match(new RegExp(`${label}: (\\d+)`));
  return match ? Number(match[1]) : NaN;
}

function lastLines(text: string, count = 15): string {
  return text.trim().split('\n').slice(-count).join('\n');
}

const root = findProjectRoot(__dirname);
const missingSetup = findMissingSetup();

if (missingSetup !== null && process.env.CI !== 'true') {
  test('smoke notebook skipped without Jupyter', () => {
    console.log(`smoke-notebook: skipped because ${missingSetup}; ${SETUP_HINT}`);
  });
} else {
  const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-notebook-'));
  let run: NotebookRun = { status: null, stderr: '', codeCells: null };

  test.before(() => {
    if (missingSetup === null) run = executeNotebook(root, outputDir);
  });

  test.after(() => {
    fs.rmSync(outputDir, { recursive: true, force: true });
  });

  test('Jupyter and tslab kernel are set up', () => {
    // CI=true means .ci/run installed them, so a missing piece is a failure there.
    assert.is(missingSetup, null, `smoke-notebook: ${missingSetup}; ${SETUP_HINT}`);
  });

  test('notebook executes without errors', () => {
    // nbclient stops at the first cell whose execute reply is an error and exits non-zero.
    // tslab reports a compile error as such a reply with the message on stderr, not as an
    // error output, and sends no execution_count that nbclient records.
    assert.is(run.status, 0, `notebook execution failed:\n${describeFailure(run)}`);
    assert.ok(run.codeCells, 'no executed notebook was written');
    assert.ok(run.codeCells.length > 0, `${NOTEBOOK} has no code cells`);
    for (const cell of run.codeCells) {
      const errors = (cell.outputs ?? []).filter((output) => output.output_type === 'error');
      assert.equal(errors, [], `cell '${cell.id}' has error outputs`);
    }
  });

  test('backend cell selects cpu', () => {
    assert.match(cellStdout(run, 'select-backend'), /^backend: cpu$/m);
  });

  test('schedule has 1000 timesteps', () => {
    // 1000 is the default numTrainTimesteps of makeNoiseSchedule.
    assert.is(printedNumber(run, 'noise-schedule', 'alphasCumprod length'), 1000);
  });

  test('reference U-Net has 880481 parameters', () => {
    // 880481 is the parameter count of the PyTorch benchmark network with 4 classes,
    // which referenceUNetConfig reproduces.
    assert.is(printedNumber(run, 'unet-params', 'U-Net parameters'), 880481);
  });
}

test.run();
