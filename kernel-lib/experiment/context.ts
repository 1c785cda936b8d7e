import { ExperimentConfig } from './config';
import { ExperimentData } from './prepare-data';
import { RunDirectory } from './run-dir';

/** A progress display for one long stage; the CLI draws a bar, a notebook an updating line. */
export interface StageProgress {
  update(value: number, status: string): void;
  stop(): void;
}

export type ProgressFactory = (label: string, total: number, unit: string) => StageProgress;

/** Inputs shared by every stage. */
export interface StageContext {
  config: ExperimentConfig;
  run: RunDirectory;
  data: ExperimentData;
  progress: ProgressFactory;
  /** Writes a line for the user (the CLI prints it). */
  say: (line: string) => void;
}

/** Progress factory that shows nothing, for tests and silent runs. */
export const silentProgress: ProgressFactory = () => ({ update: () => undefined, stop: () => undefined });
