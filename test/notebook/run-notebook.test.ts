import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NotebookRunError, NotebookRunResult, runNotebook } from '../../kernel-lib/notebook/run-notebook';
import { Notebook, NotebookCell, NotebookOutput, parseNotebook } from '../../kernel-lib/notebook/nbformat';
import { RunNotebookOptions } from '../../kernel-lib/notebook/prepare-run';
import { LogSink, setLogSink } from '../../kernel-lib/util/log';
import { codeCell, fakeKernelCommand, isAlive, readRecord, scriptCell, writeNotebook } from './fake-kernel-setup';

// Runs notebooks through test/notebook/fake-kernel.ts, whose cells are JSON scripts of the
// messages the kernel sends, so each protocol case happens in a known order.

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-run-notebook-'));
const logged: string[] = [];
let previousSink: LogSink;

test.before(() => {
  previousSink = setLogSink((level, message) => logged.push(`${level}: ${message}`));
});

test.after(() => {
  setLogSink(previousSink);
  fs.rmSync(work, { recursive: true, force: true });
});

/** Runs a notebook and returns its result, or the result carried by NotebookRunError with that error. */
async function run(options: RunNotebookOptions): Promise<{ result: NotebookRunResult; error: NotebookRunError | null }> {
  try {
    return { result: await runNotebook(options), error: null };
  } catch (err) {
    if (err instanceof NotebookRunError) return { result: err.result, error: err };
    throw err;
  }
}

/** Output path inside a test folder, so that no test writes under experiments/runs/. */
function outputIn(folder: string): string {
  return path.join(folder, 'out', 'executed.ipynb');
}

/** Returns the message that `promise` rejects with, or 'resolved' when it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (err) {
    return (err as Error).message;
  }
}

/** Joins a string or list-of-lines field, as nbformat stores multi-line text. */
function joined(value: unknown): string {
  return Array.isArray(value) ? value.join('') : String(value);
}

/** Returns each output of the cell as text: stream text, or the ename of an error. */
function texts(cell: NotebookCell): string[] {
  return (cell.outputs ?? []).map((output: NotebookOutput) => (output.output_type === 'error' ? String(output.ename) : joined(output.text)));
}

// The main scenario: one run of 11 code cells that ends at an error cell.
const mainFolder = path.join(work, 'main');
const mainRecord = path.join(mainFolder, 'record.jsonl');
let mainNotebookPath = '';
let main: { result: NotebookRunResult; error: NotebookRunError | null };
let executed: Notebook;
let outputText = '';

test.before(async () => {
  fs.mkdirSync(mainFolder);
  const cells: NotebookCell[] = [
    { cell_type: 'markdown', metadata: {}, source: '# Fake kernel scenario' },
    codeCell('let seed = 0;', ['parameters']),
    // index 2: injected-parameters cell (request 2)
    scriptCell([{ stream: 'stdout', text: 'reply first\n' }, { reply: 'ok' }, { sleep: 150 }, { idle: true }]),
    scriptCell([{ stream: 'stdout', text: 'idle first\n' }, { idle: true }, { sleep: 150 }, { reply: 'ok' }]),
    codeCell('  \n'),
    scriptCell([{ reply: 'ok' }, { idle: true }]),
    // Request 6 sends an output for request 5, which has already finished.
    scriptCell([{ stream: 'stdout', text: 'for the previous cell\n', parent: 5 }, { stream: 'stdout', text: 'own\n' }, { reply: 'ok' }, { idle: true }]),
    scriptCell([{ stream: 'stdout', text: 'forged\n', badSignature: true }, { stream: 'stdout', text: 'genuine\n' }, { reply: 'ok' }, { idle: true }]),
    scriptCell([{ display: { 'text/plain': 'draft' }, displayId: 'd1' }, { reply: 'ok' }, { idle: true }]),
    scriptCell([{ update: { 'text/plain': 'final' }, displayId: 'd1' }, { result: { 'text/plain': '42' } }, { reply: 'ok' }, { idle: true }]),
    scriptCell([{ reply: 'ok' }, { idle: true }, { sleep: 30 }, { stream: 'stdout', text: 'kept\n' }, { sleep: 900 }, { stream: 'stdout', text: 'late\n' }]),
    codeCell('1 + 1'),
    scriptCell([
      { error: { ename: 'ValueError', evalue: 'bad value', traceback: ['\u001b[31mTraceback (most recent call last)\u001b[0m', 'line 1 in cell', 'ValueError: bad value'] } },
      { reply: 'error', ename: 'ValueError', evalue: 'bad value', traceback: ['Traceback (most recent call last)', 'line 1 in cell', 'ValueError: bad value'] },
      { idle: true },
    ]),
    scriptCell([{ stream: 'stdout', text: 'never\n' }, { reply: 'ok' }, { idle: true }]),
  ];
  mainNotebookPath = writeNotebook(mainFolder, 'scenario.ipynb', cells);
  main = await run({
    notebookPath: mainNotebookPath,
    parameters: { seed: 5 },
    outputPath: path.join(mainFolder, 'out', 'scenario.ipynb'),
    kernelCommand: fakeKernelCommand(mainRecord),
    graceMs: 300,
    timeoutMs: 10_000,
  });
  outputText = fs.readFileSync(main.result.outputPath, 'utf8');
  executed = parseNotebook(outputText, main.result.outputPath);
});

test('run stops at the error cell', () => {
  assert.ok(main.error, 'expected NotebookRunError');
  assert.is(main.result.status, 'error');
  assert.is(main.result.failure?.cellNumber, 13);
  assert.is(main.result.failure?.cellIndex, 13);
});

test('error message names cell and exception', () => {
  const message = main.error?.message ?? '';
  assert.match(message, /^runNotebook: cell 13 of 14 code cells \(index 13 in the executed notebook\) raised ValueError: bad value/);
  assert.match(message, /\n {2}ValueError: bad value\n/);
  assert.not.match(message, /\u001b/);
});

test('parameter cell is injected and run', () => {
  const injected = executed.cells[2];
  assert.equal(injected.metadata.tags, ['injected-parameters']);
  assert.is(injected.execution_count, 2);
});

test('reply before idle completes after idle', () => {
  const report = main.result.cells.find((cell) => cell.index === 3);
  assert.ok((report?.durationMs ?? 0) >= 140, `expected the cell to wait 150 ms for its idle status, took ${report?.durationMs} ms`);
  assert.equal(texts(executed.cells[3]), ['reply first\n']);
});

test('idle before reply completes after reply', () => {
  const report = main.result.cells.find((cell) => cell.index === 4);
  assert.ok((report?.durationMs ?? 0) >= 140, `expected the cell to wait 150 ms for its reply, took ${report?.durationMs} ms`);
  assert.equal(texts(executed.cells[4]), ['idle first\n']);
});

test('empty cell is not sent', () => {
  assert.is(executed.cells[5].execution_count, null);
  assert.is(main.result.cells.find((cell) => cell.index === 5)?.status, 'empty');
  const requests = readRecord(mainRecord).filter((event) => event.event === 'request');
  assert.is(requests.length, 12);
});

test('output after reply goes to its cell', () => {
  assert.equal(texts(executed.cells[6]), ['for the previous cell\n']);
  assert.equal(texts(executed.cells[7]), ['own\n']);
});

test('forged message is dropped and logged', () => {
  assert.equal(texts(executed.cells[8]), ['genuine\n']);
  assert.ok(
    logged.some((line) => /^warn: .*invalid signature on a message of type stream/.test(line)),
    `no warning about the invalid signature among:\n${logged.join('\n')}`,
  );
});

test('display update replaces the earlier output', () => {
  assert.equal(executed.cells[9].outputs?.[0].data, { 'text/plain': ['final'] });
  assert.equal(executed.cells[10].outputs?.map((output) => output.output_type), ['execute_result']);
});

test('output in the grace window is kept', () => {
  assert.equal(texts(executed.cells[11]), ['kept\n']);
});

test('output after the grace window is counted', () => {
  const report = main.result.cells.find((cell) => cell.index === 11);
  assert.is(report?.lateOutputs, 1);
  const manifest = JSON.parse(fs.readFileSync(main.result.manifestPath, 'utf8'));
  assert.is(manifest.lateOutputs, 1);
});

test('error cell keeps its error output', () => {
  const outputs = executed.cells[13].outputs ?? [];
  assert.equal(outputs.map((output) => output.ename), ['ValueError']);
  assert.is(executed.cells[13].execution_count, 12);
});

test('cells after the error stay unexecuted', () => {
  assert.is(executed.cells[14].execution_count, null);
  assert.equal(executed.cells[14].outputs, []);
});

test('notebook is written as Jupyter writes it', () => {
  assert.ok(outputText.startsWith('{\n "cells": [\n  {\n'), 'expected 1-space indentation');
  assert.ok(outputText.endsWith('}\n'), 'expected a trailing newline');
});

test('manifest records the run', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(mainFolder, 'out', 'manifest.json'), 'utf8'));
  const sha256 = crypto.createHash('sha256').update(fs.readFileSync(mainNotebookPath)).digest('hex');
  assert.is(manifest.format, 'medsynth-notebook-run');
  assert.is(manifest.version, 1);
  assert.is(manifest.notebook.sha256, sha256);
  assert.equal(manifest.parameters, { seed: 5 });
  assert.is(manifest.seed, 5);
  assert.is(manifest.status, 'error');
  assert.is(manifest.error.ename, 'ValueError');
  assert.is(manifest.cells.length, 13);
  assert.is(typeof manifest.packages.tslab, 'string');
  assert.is(manifest.packages.node, process.version);
});

test('kernel runs in the notebook folder', () => {
  const start = readRecord(mainRecord).find((event) => event.event === 'start');
  assert.is(start?.cwd, fs.realpathSync(mainFolder));
});

test('kernel process is gone after the run', () => {
  for (const event of readRecord(mainRecord).filter((entry) => entry.event === 'start')) {
    assert.not.ok(isAlive(event.pid), `kernel ${event.pid} is still running`);
  }
});

test('hanging cell is interrupted with SIGINT', async () => {
  const folder = fs.mkdtempSync(path.join(work, 'interrupt-'));
  const record = path.join(folder, 'record.jsonl');
  const notebookPath = writeNotebook(folder, 'hang.ipynb', [scriptCell([{ hang: true }])]);
  const { result, error } = await run({ notebookPath, outputPath: outputIn(folder), kernelCommand: fakeKernelCommand(record), timeoutMs: 400, interruptGraceMs: 2000 });
  const events = readRecord(record).map((event) => event.event);
  assert.ok(events.includes('sigint'), `expected a sigint event, got ${events.join(', ')}`);
  assert.is(result.failure?.kind, 'timeout');
  assert.is(result.kernelRestarts, 0);
  assert.match(error?.message ?? '', /cell 1 of 1 code cells \(index 0 in the executed notebook\) timed out: the cell did not finish within 0.4 s/);
  const executedHang = parseNotebook(fs.readFileSync(result.outputPath, 'utf8'), result.outputPath);
  assert.equal(texts(executedHang.cells[0]), ['KeyboardInterrupt\n', 'CellTimeoutError']);
});

test('kernel ignoring SIGINT is restarted', async () => {
  const folder = fs.mkdtempSync(path.join(work, 'restart-'));
  const record = path.join(folder, 'record.jsonl');
  const notebookPath = writeNotebook(folder, 'hang.ipynb', [scriptCell([{ hang: true }])]);
  const { result } = await run({
    notebookPath,
    outputPath: outputIn(folder),
    kernelCommand: fakeKernelCommand(record, '--ignore-sigint'),
    timeoutMs: 400,
    interruptGraceMs: 400,
  });
  const events = readRecord(record);
  assert.equal(events.map((event) => event.event).filter((name) => name !== 'request'), ['start', 'sigint', 'start', 'shutdown']);
  assert.is(result.kernelRestarts, 1);
  assert.match(result.failure?.summary ?? '', /still running 0.4 s after SIGINT, so the kernel was restarted/);
  for (const event of events.filter((entry) => entry.event === 'start')) assert.not.ok(isAlive(event.pid), `kernel ${event.pid} is still running`);
});

test('message interrupt mode sends interrupt_request', async () => {
  const folder = fs.mkdtempSync(path.join(work, 'message-'));
  const record = path.join(folder, 'record.jsonl');
  const notebookPath = writeNotebook(folder, 'hang.ipynb', [scriptCell([{ hang: true }])]);
  await run({ notebookPath, outputPath: outputIn(folder), kernelCommand: fakeKernelCommand(record), timeoutMs: 400, interruptGraceMs: 2000, interruptMode: 'message' });
  const events = readRecord(record).map((event) => event.event);
  assert.ok(events.includes('interrupt_request'), `expected an interrupt_request, got ${events.join(', ')}`);
  assert.not.ok(events.includes('sigint'), 'a message-mode interrupt must not send SIGINT');
});

test('kernel exit fails the cell', async () => {
  const folder = fs.mkdtempSync(path.join(work, 'exit-'));
  const record = path.join(folder, 'record.jsonl');
  const notebookPath = writeNotebook(folder, 'exit.ipynb', [scriptCell([{ reply: 'ok' }, { idle: true }]), scriptCell([{ exit: 3 }])]);
  const { result, error } = await run({ notebookPath, outputPath: outputIn(folder), kernelCommand: fakeKernelCommand(record) });
  assert.is(result.failure?.kind, 'kernel-died');
  assert.match(error?.message ?? '', /cell 2 of 2 code cells .* failed because the kernel \(pid \d+\) exited with exit code 3/);
});

test('missing kernel program is reported', async () => {
  const notebookPath = writeNotebook(work, 'plain.ipynb', [codeCell('1')]);
  const kernelCommand = [path.join(work, 'no-such-kernel'), '{connection_file}'];
  const message = await rejectionOf(runNotebook({ notebookPath, kernelCommand, outputPath: path.join(work, 'x', 'plain.ipynb') }));
  assert.match(message, /^runNotebook: the kernel did not start .*cannot start/);
});

test('invalid options are rejected', async () => {
  const notebookPath = writeNotebook(work, 'options.ipynb', [codeCell('1')]);
  assert.match(await rejectionOf(runNotebook({ notebookPath, timeoutMs: 0 })), /^runNotebook: `timeoutMs` must be a number of milliseconds in \(0, 2147483647\], got 0$/);
  assert.match(await rejectionOf(runNotebook({ notebookPath, kernelCommand: ['node', 'kernel.js'] })), /`kernelCommand` must be an array of strings containing \{connection_file\}/);
  assert.match(await rejectionOf(runNotebook({ notebookPath, outputPath: notebookPath })), /`outputPath` is the notebook itself/);
  assert.match(await rejectionOf(runNotebook({ notebookPath: path.join(work, 'absent.ipynb') })), /^runNotebook: notebook not found: .*absent.ipynb; check the path$/);
});

test('process exits by itself after a run', () => {
  // A leaked socket or timer would keep this child process alive until spawnSync kills it.
  const folder = fs.mkdtempSync(path.join(work, 'exit-check-'));
  const notebookPath = writeNotebook(folder, 'ok.ipynb', [codeCell('1')]);
  const script = [
    `const { runNotebook } = require(${JSON.stringify(path.resolve(__dirname, '../../kernel-lib/notebook/run-notebook'))});`,
    `runNotebook(${JSON.stringify({ notebookPath, outputPath: outputIn(folder), kernelCommand: fakeKernelCommand(path.join(folder, 'record.jsonl')) })})`,
    "  .then(() => console.log('finished'));",
  ].join('\n');
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 15_000, env: { ...process.env, MEDSYNTH_LOG_LEVEL: 'warn' } });
  assert.is(child.signal, null, `the process did not exit by itself within 15 s; stderr: ${child.stderr}`);
  assert.is(child.status, 0, child.stderr);
  assert.is(child.stdout.trim(), 'finished');
});

test.run();
