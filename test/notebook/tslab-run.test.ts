import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NotebookRunError, NotebookRunResult, runNotebook } from '../../kernel-lib/notebook/run-notebook';
import { Notebook, NotebookCell, parseNotebook } from '../../kernel-lib/notebook/nbformat';
import { ParameterValue } from '../../kernel-lib/notebook/parameters';
import { LogSink, setLogSink } from '../../kernel-lib/util/log';
import { codeCell, writeNotebook } from './fake-kernel-setup';

// Two runs through the real tslab kernel (bin/tslab-kernel.js), one kernel start each: a
// notebook that ends at an error cell, and one whose cell outlasts a 3 s timeout. tslab compiles
// every cell with TypeScript, so each run takes a few seconds.

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-tslab-'));
let previousSink: LogSink;
const logged: string[] = [];

interface Run {
  result: NotebookRunResult;
  error: NotebookRunError;
  executed: Notebook;
}

async function runExpectingFailure(name: string, cells: NotebookCell[], parameters: Record<string, ParameterValue>, timeoutMs: number): Promise<Run> {
  const folder = fs.mkdtempSync(path.join(work, `${name}-`));
  const notebookPath = writeNotebook(folder, `${name}.ipynb`, cells);
  try {
    await runNotebook({ notebookPath, parameters, outputPath: path.join(folder, 'out', `${name}.ipynb`), timeoutMs, shutdownGraceMs: 1000 });
  } catch (err) {
    if (!(err instanceof NotebookRunError)) throw err;
    const executed = parseNotebook(fs.readFileSync(err.result.outputPath, 'utf8'), err.result.outputPath);
    return { result: err.result, error: err, executed };
  }
  throw new Error(`${name}: expected the run to fail`);
}

function stdout(cell: NotebookCell): string {
  return (cell.outputs ?? [])
    .filter((output) => output.output_type === 'stream' && output.name === 'stdout')
    .map((output) => (Array.isArray(output.text) ? output.text.join('') : String(output.text)))
    .join('');
}

let errorRun: Run;
let timeoutRun: Run;

test.before(async () => {
  previousSink = setLogSink((level, message) => logged.push(`${level}: ${message}`));
  errorRun = await runExpectingFailure(
    'error',
    [
      { cell_type: 'markdown', metadata: {}, source: '# tslab run' },
      codeCell("console.log('hello from tslab');"),
      codeCell('let x = 1;'),
      codeCell("let greeting = 'default';\nlet count = 2;", ['parameters']),
      codeCell('console.log(`${greeting} ${count} ${x + count}`);'),
      codeCell("throw new RangeError('count too large');"),
      codeCell("console.log('not reached');"),
    ],
    { greeting: 'injected', count: 3 },
    60_000,
  );
  timeoutRun = await runExpectingFailure(
    'timeout',
    [codeCell("console.log('waiting');"), codeCell('await new Promise((resolve) => setTimeout(resolve, 60000));')],
    {},
    3_000,
  );
});

test.after(() => {
  setLogSink(previousSink);
  fs.rmSync(work, { recursive: true, force: true });
});

test('printed output is captured', () => {
  assert.is(stdout(errorRun.executed.cells[1]), 'hello from tslab\n');
  assert.is(errorRun.executed.cells[1].execution_count, 1);
});

test('injected parameters reach later cells', () => {
  const injected = errorRun.executed.cells[4];
  assert.equal(injected.metadata.tags, ['injected-parameters']);
  // The injected cell ends with an empty statement, so tslab prints no value for it.
  assert.equal(injected.outputs, []);
  // 'injected' and 3 come from the parameters; 4 is x + count with x = 1 from an earlier cell.
  assert.is(stdout(errorRun.executed.cells[5]), 'injected 3 4\n');
});

test('error cell is reported by number', () => {
  assert.is(errorRun.result.failure?.cellNumber, 6);
  assert.is(errorRun.result.failure?.cellIndex, 6);
  assert.match(errorRun.error.message, /^runNotebook: cell 6 of 7 code cells \(index 6 in the executed notebook\) raised RangeError: count too large/);
});

test('error cell keeps its stderr', () => {
  const stderr = (errorRun.executed.cells[6].outputs ?? []).filter((output) => output.output_type === 'stream' && output.name === 'stderr');
  assert.is(stderr.length, 1);
  assert.match(JSON.stringify(stderr[0].text), /RangeError: count too large/);
});

test('cell after the error does not run', () => {
  assert.is(errorRun.executed.cells[7].execution_count, null);
  assert.equal(errorRun.executed.cells[7].outputs, []);
});

test('cell timeout interrupts the cell', () => {
  const report = timeoutRun.result.cells[1];
  assert.is(timeoutRun.result.failure?.kind, 'timeout');
  assert.is(timeoutRun.result.failure?.cellNumber, 2);
  // 3 s timeout plus at most the 5 s interrupt grace period, far below the cell's 60 s.
  const durationMs = report.durationMs ?? NaN;
  assert.ok(durationMs >= 3000, `expected at least 3000 ms, got ${durationMs}`);
  assert.ok(durationMs < 9000, `expected under 9000 ms, got ${durationMs}`);
  assert.match(timeoutRun.error.message, /timed out: the cell did not finish within 3 s \(the cell timeout\); the cell stopped after SIGINT/);
  assert.is(timeoutRun.result.kernelRestarts, 0);
});

test.run();
