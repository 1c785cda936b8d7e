import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BackendInfo } from '../backend/select';
import { hashFile } from '../data/file-hash';
import { ExperimentConfig } from './config';

const RECORDED_PACKAGES = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu', 'zod', 'fast-png', 'plotly.js-dist-min'];

function gitCommit(projectRoot: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: projectRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function packageVersions(projectRoot: string): Record<string, string> {
  const versions: Record<string, string> = {};
  const own = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8'));
  versions.medsynth = own.version;
  for (const name of RECORDED_PACKAGES) {
    try {
      versions[name] = JSON.parse(fs.readFileSync(path.join(projectRoot, 'node_modules', name, 'package.json'), 'utf8')).version;
    } catch {
      versions[name] = 'not installed';
    }
  }
  return versions;
}

/**
 * Returns the run manifest: configuration, seed, git commit, package versions, backend and the
 * dataset's provenance. A dataset read from a file is hashed and the hashes recorded. A file that
 * differs from the official one is recorded as it is, never rejected.
 */
export function buildManifest(options: {
  runId: string;
  config: ExperimentConfig;
  configPath: string | null;
  projectRoot: string;
  backend: BackendInfo;
  dataset: { name: string; source: string; license?: string; citation?: string };
}): Record<string, unknown> {
  const { source } = options.dataset;
  const isFile = fs.existsSync(source) && fs.statSync(source).isFile();
  return {
    format: 'medsynth-experiment-run',
    version: 1,
    runId: options.runId,
    createdAt: new Date().toISOString(),
    configPath: options.configPath,
    config: options.config,
    seed: options.config.seed,
    gitCommit: gitCommit(options.projectRoot),
    node: process.version,
    packages: packageVersions(options.projectRoot),
    backend: options.backend,
    dataset: { ...options.dataset, file: isFile ? hashFile(source) : null },
    syntheticDataNote: 'Synthetic images in this run are marked synthetic in file names and PNG metadata; all metrics come from the real test split.',
  };
}
