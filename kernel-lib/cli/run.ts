import * as path from 'path';
import { runExperiment } from '../experiment/runner';
import { resolveExperimentConfig } from '../experiment/config';
import { findProjectRoot } from '../data/registry';
import { OptionSpec, formatHelp, parseOptions } from './args';
import { createProgressBar } from './progress';

export const RUN_OPTIONS: Record<string, OptionSpec> = {
  resume: { type: 'string', description: 'continue the run in this directory from its last finished stage' },
  'runs-dir': { type: 'string', description: 'parent folder of new run directories (default experiments/runs)' },
  'run-id': { type: 'string', description: 'name of the new run directory (default <name>-<date>-<time>)' },
  backend: { type: 'string', description: 'auto, node-gpu, node, wasm or cpu (default: MEDSYNTH_BACKEND or auto)' },
  help: { type: 'boolean', description: 'show this help' },
};

const SUMMARY = [
  'Runs a rare-condition augmentation experiment: medsynth run <config.json | name in experiments/>.',
  'Trains a diffusion model, generates filtered synthetic images of the rare class, trains a',
  'classifier per arm and seed, and compares the arms on the REAL test split.',
].join('\n');

export async function runCommand(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log(formatHelp('run', SUMMARY, RUN_OPTIONS));
    return;
  }
  const target = argv[0] && !argv[0].startsWith('--') ? argv[0] : undefined;
  const o = parseOptions('run', target ? argv.slice(1) : argv, RUN_OPTIONS);
  if (!target && !o.resume) throw new Error("run: name an experiment (e.g. 'medsynth run quickstart') or pass --resume <run dir>");
  if (target && o.resume) throw new Error('run: give either an experiment or --resume <run dir>, not both');

  const started = Date.now();
  const runDir = await runExperiment({
    config: target ? resolveExperimentConfig(target, findProjectRoot('run')) : undefined,
    resumeDir: o.resume as string | undefined,
    runsDir: o['runs-dir'] ? path.resolve(o['runs-dir'] as string) : undefined,
    runId: o['run-id'] as string | undefined,
    backend: o.backend as string | undefined,
    progress: createProgressBar,
    say: (line) => console.log(line),
  });
  console.log(`\nrun finished in ${((Date.now() - started) / 1000).toFixed(0)} s; every metric above is from the REAL test split`);
  console.log(`report: ${path.join(runDir, 'report.html')}`);
}
