#!/usr/bin/env node
'use strict';
// Runs the TypeScript benchmark and, when Debian's python3-torch is installed, the PyTorch peer
// in the same sitting, so both figures come from one machine state.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
if (process.argv.includes('--help')) {
  console.log('usage: npm run bench -- [--train-steps N] [--workers N] [--sample-count N] [--sample-steps N] [--fast-steps N]');
  console.log('                        [--guidance-interval first,last] [--backend NAME] [--profile]');
  console.log('Times a training step (batch 64, 32x32) on the main thread and split between --workers worker threads');
  console.log('(default 2, 0 to skip), DDIM-50 sampling with guidance and DPM-Solver++ at --fast-steps (default 20)');
  console.log('with guidance at every step and inside --guidance-interval (default 82,579) on the active backend,');
  console.log('with peak resident memory and the wasm heap,');
  console.log('the DCR nearest-neighbour search (10,000 x 10,000 x 64),');
  console.log('the EHR trajectory transformer training step (and 10,000-patient EHR generation with MEDSYNTH_BENCH_EHR_MODEL=<model dir>),');
  console.log('then the PyTorch peer when Debian python3-torch is installed. Results go in BENCHMARKS.md.');
  process.exit(0);
}
const entry = path.join(root, 'dist', 'bench', 'diffusion-bench.js');
if (!fs.existsSync(entry)) {
  console.error(`bench: ${entry} is missing; run 'npm run build' first`);
  process.exit(1);
}
const ours = spawnSync(process.execPath, [entry, ...process.argv.slice(2)], { stdio: 'inherit' });
if (ours.status !== 0) process.exit(ours.status || 1);

// medsynth-only figures: the EHR transformer's training step, and EHR generation when MEDSYNTH_BENCH_EHR_MODEL names a trained model.
const ehrArgs = [path.join(root, 'dist', 'bench', 'ehr-bench.js'), '--train-steps', '10'];
if (process.env.MEDSYNTH_BENCH_EHR_MODEL) ehrArgs.push('--model', process.env.MEDSYNTH_BENCH_EHR_MODEL, '--n', '10000');
const ehr = spawnSync(process.execPath, ehrArgs, { stdio: 'inherit' });
if (ehr.status !== 0) process.exit(ehr.status || 1);

// Nearest-neighbour search of the privacy metrics (DCR): 10,000 queries against 10,000 records of 64 features.
const nn = spawnSync(process.execPath, [path.join(root, 'dist', 'bench', 'privacy-nn.js')], { stdio: 'inherit' });
if (nn.status !== 0) process.exit(nn.status || 1);

const peer = path.join(root, '..', 'shared', 'bench', 'reference_unet.py');
const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!fs.existsSync(peer) || !hasTorch) {
  console.error('bench: PyTorch peer skipped (needs ../shared/bench/reference_unet.py and Debian python3-torch)');
  process.exit(0);
}
const reference = spawnSync('/usr/bin/python3', [peer, '2'], { stdio: 'inherit' });
process.exit(reference.status || 0);
