import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nbconvertInputPath } from '../../kernel-lib/notebook/nbconvert-engine';
import { parseNotebook } from '../../kernel-lib/notebook/nbformat';
import { NotebookRunResult, runNotebook } from '../../kernel-lib/notebook/run-notebook';
import { LogSink, setLogSink } from '../../kernel-lib/util/log';
import { codeCell, writeNotebook } from './fake-kernel-setup';

// One run with --engine nbconvert, which needs Jupyter's nbconvert and the tslab kernelspec
// (`npm run setup-kernel`). Without them the test is skipped, except under CI=true.

const PYTHON = '/usr/bin/python3';
const PROBE = `
from jupyter_client.kernelspec import KernelSpecManager
import nbconvert, nbclient
KernelSpecManager().get_kernel_spec("tslab")
`;

function findMissingSetup(): string | null {
  const probe = spawnSync(PYTHON, ['-c', PROBE], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} could not start (${probe.error.message})`;
  if (probe.status !== 0) return probe.stderr.trim().split('\n').pop() ?? `the probe exited with status ${probe.status}`;
  return null;
}

const missingSetup = findMissingSetup();

if (missingSetup !== null && process.env.CI !== 'true') {
  test('nbconvert engine skipped without Jupyter', () => {
    console.log(`nbconvert-engine: skipped because ${missingSetup}; install jupyter-nbconvert and run npm run setup-kernel`);
  });
} else {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-nbconvert-'));
  let result: NotebookRunResult;
  let previousSink: LogSink;

  test.before(async () => {
    previousSink = setLogSink(() => undefined);
    const notebookPath = writeNotebook(work, 'params.ipynb', [
      codeCell("let greeting = 'default';", ['parameters']),
      codeCell('console.log(`greeting: ${greeting}`);'),
    ]);
    result = await runNotebook({ notebookPath, engine: 'nbconvert', parameters: { greeting: 'from nbconvert' }, outputPath: path.join(work, 'out', 'params.ipynb'), timeoutMs: 60_000 });
  });

  test.after(() => {
    setLogSink(previousSink);
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('nbconvert output has the injected value', () => {
    const executed = parseNotebook(fs.readFileSync(result.outputPath, 'utf8'), result.outputPath);
    assert.equal(executed.cells[1].metadata.tags, ['injected-parameters']);
    assert.equal(executed.cells[2].outputs?.[0]?.text, ['greeting: from nbconvert\n']);
  });

  test('parameterised input is kept beside the output', () => {
    assert.ok(fs.existsSync(nbconvertInputPath(result.outputPath)), 'the parameterised input notebook is missing');
  });

  test('nbconvert manifest records the engine', () => {
    const manifest = JSON.parse(fs.readFileSync(result.manifestPath, 'utf8'));
    assert.is(manifest.engine, 'nbconvert');
    assert.is(manifest.status, 'ok');
    assert.equal(manifest.parameters, { greeting: 'from nbconvert' });
    assert.is(manifest.cells.length, 3);
  });
}

test.run();
