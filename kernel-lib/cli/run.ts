import * as path from 'path';
import { runExperiment } from '../experiment/runner';
import { resolveExperimentConfig } from '../experiment/config';
import { findProjectRoot } from '../data/registry';
import { OptionSpec, formatHelp, parseOptions } from './args';
import { createProgressBar } from './progress';
import { isEhrConfig, readConfigJson } from '../experiment/ehr/ehr-config';
import { runEhrExperiment } from '../experiment/ehr/ehr-runner';
import { RunDirectory } from '../experiment/run-dir';

/** Reads the config recorded in a run directory's manifest, to choose the runner on --resume. */
function readRecordedConfig(runDir: string): unknown {
  return RunDirectory.open(runDir).readJson<{ config: unknown }>('manifest.json').config;
}

export const RUN_OPTIONS: Record<string, OptionSpec> = {
  resume: { type: 'string', description: 'continue the run in this directory from its last finished stage' },
  'runs-dir': { type: 'string', description: 'parent folder of new run directories (default experiments/runs)' },
  'run-id': { type: 'string', description: 'name of the new run directory (default <name>-<date>-<time>)' },
  backend: { type: 'string', description: 'auto, node-gpu, node, wasm or cpu (default: MEDSYNTH_BACKEND or auto)' },
  help: { type: 'boolean', description: 'show this help' },
};

const SUMMARY = [
  'Runs an experiment: medsynth run <config.json | name in experiments/>.',
  'A config with "kind": "ehr" trains EHR generators on PhysioNet 2012 and scores TSTR against TRTR;',
  'any other config is a rare-condition image augmentation experiment:',
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
  const configPath = target ? resolveExperimentConfig(target, findProjectRoot('run')) : undefined;
  const isEhr = configPath ? isEhrConfig(readConfigJson(configPath)) : isEhrConfig(readRecordedConfig(o.resume as string));
  const runDir = await (isEhr ? runEhrExperiment : runExperiment)({
    config: configPath,
    resumeDir: o.resume as string | undefined,
    runsDir: o['runs-dir'] ? path.resolve(o['runs-dir'] as string) : undefined,
    runId: o['run-id'] as string | undefined,
    backend: o.backend as string | undefined,
    progress: createProgressBar,
    say: (line) => console.log(line),
  });
  console.log(`\nrun finished in ${((Date.now() - started) / 1000).toFixed(0)} s; every metric above is from the REAL test split`);
  console.log(`report: ${path.join(runDir, isEhr ? 'report.md' : 'report.html')}`);
}
