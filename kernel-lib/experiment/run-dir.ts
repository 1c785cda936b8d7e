import * as fs from 'fs';
import { makeDirectory } from '../util/make-directory';
import * as path from 'path';
import { writeJsonAtomic } from '../util/atomic-write';

/** Stages of an experiment run, in order. Each writes its outputs, then is marked finished. */
export const STAGES = ['data', 'diffusion', 'filter-classifier', 'generation', 'classifiers', 'evaluation', 'report'] as const;
export type Stage = (typeof STAGES)[number];

interface RunState {
  finished: string[];
}

/** A run directory `experiments/runs/<id>/` with its record of finished stages and timings. */
export class RunDirectory {
  constructor(readonly dir: string) {}

  path(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  /** Creates the directory, checking that it is writable before any work starts. */
  static create(dir: string): RunDirectory {
    try {
      makeDirectory(dir);
      fs.accessSync(dir, fs.constants.W_OK);
    } catch (err) {
      throw new Error(`cannot write the run directory ${dir} (${(err as Error).message}); choose a writable location with --runs-dir`);
    }
    return new RunDirectory(dir);
  }

  static open(dir: string): RunDirectory {
    const run = new RunDirectory(path.resolve(dir));
    if (!fs.existsSync(run.path('manifest.json'))) {
      throw new Error(`${dir} is not an experiment run directory (no manifest.json); pass a folder under experiments/runs/`);
    }
    return run;
  }

  private readState(): RunState {
    const file = this.path('state.json');
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as RunState) : { finished: [] };
  }

  isFinished(stage: string): boolean {
    return this.readState().finished.includes(stage);
  }

  markFinished(stage: string, seconds: number): void {
    const state = this.readState();
    if (!state.finished.includes(stage)) state.finished.push(stage);
    writeJsonAtomic(this.path('state.json'), state);
    const timingsFile = this.path('timings.json');
    const timings = fs.existsSync(timingsFile) ? JSON.parse(fs.readFileSync(timingsFile, 'utf8')) : { stages: {} };
    timings.stages[stage] = { seconds: Math.round(seconds * 10) / 10, finishedAt: new Date().toISOString() };
    writeJsonAtomic(timingsFile, timings);
  }

  readJson<T>(...parts: string[]): T {
    return JSON.parse(fs.readFileSync(this.path(...parts), 'utf8')) as T;
  }

  writeJson(value: unknown, ...parts: string[]): void {
    writeJsonAtomic(this.path(...parts), value);
  }
}
