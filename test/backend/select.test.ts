import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseBackendChoice, selectBackend } from '../../kernel-lib/backend/select';
import { probeTrainingStep } from '../../kernel-lib/backend/probe';
import { conv2dBackpropFilterWasmConfig } from '../../kernel-lib/backend/wasm-kernels/conv2d-backprop-filter';
import { setLogLevel, setLogSink } from '../../kernel-lib/util/log';

test.before(() => setLogLevel('debug'));
test.after(() => setLogLevel('info'));

test('auto skips the uninstalled node packages and picks wasm', async () => {
  // @tensorflow/tfjs-node(-gpu) cannot be installed in this environment, so auto falls through.
  const saved = process.env.MEDSYNTH_BACKEND;
  delete process.env.MEDSYNTH_BACKEND;
  const info = await selectBackend();
  if (saved !== undefined) process.env.MEDSYNTH_BACKEND = saved;
  assert.is(info.name, 'wasm');
  assert.is(info.source, 'auto');
  assert.equal(info.skipped.map((s) => s.name), ['node-gpu', 'node']);
  assert.is(tf.getBackend(), 'wasm');
  assert.match(info.package, /@tensorflow\/tfjs-backend-wasm@\d/);
});

test('option overrides the environment variable', async () => {
  process.env.MEDSYNTH_BACKEND = 'wasm';
  const info = await selectBackend({ backend: 'cpu' });
  delete process.env.MEDSYNTH_BACKEND;
  assert.is(info.name, 'cpu');
  assert.is(info.source, 'option');
  assert.is(tf.getBackend(), 'cpu');
});

test('environment variable selects the backend', async () => {
  process.env.MEDSYNTH_BACKEND = 'cpu';
  const info = await selectBackend();
  delete process.env.MEDSYNTH_BACKEND;
  assert.is(info.name, 'cpu');
  assert.is(info.source, 'env');
});

test('choice is logged once', async () => {
  const lines: string[] = [];
  const previous = setLogSink((level, message) => lines.push(`${level}: ${message}`));
  await selectBackend({ backend: 'wasm' });
  await selectBackend({ backend: 'wasm' });
  setLogSink(previous);
  assert.is(lines.filter((l) => l.startsWith('info: backend: wasm')).length, 1, lines.join('\n'));
});

test('explicit missing package is an error, not a fallback', async () => {
  try {
    await selectBackend({ backend: 'node' });
    assert.unreachable('expected selectBackend to throw');
  } catch (err) {
    assert.match((err as Error).message, /backend 'node' could not start/);
    assert.match((err as Error).message, /MEDSYNTH_BACKEND/);
  }
});

test('unknown backend lists the valid names', () => {
  assert.throws(() => parseBackendChoice('tpu', 'option'), /unknown backend 'tpu'; use one of auto, node-gpu, node, wasm, cpu/);
});

test('probe passes on wasm and cpu', async () => {
  for (const name of ['wasm', 'cpu']) {
    await selectBackend({ backend: name });
    const before = tf.memory().numTensors;
    probeTrainingStep();
    assert.is(tf.memory().numTensors, before, `${name}: no tensors left`);
  }
});

test('probe names a missing kernel', async () => {
  await selectBackend({ backend: 'wasm' });
  tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
  try {
    assert.throws(() => probeTrainingStep(), /backend 'wasm' has no kernel 'Conv2DBackpropFilter', which training needs/);
  } finally {
    tf.registerKernel(conv2dBackpropFilterWasmConfig);
  }
  probeTrainingStep();
});

test.run();
