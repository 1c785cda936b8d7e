/**
 * Writes synthetic ICU patients batch by batch, so memory stays bounded by one batch:
 * - `<prefix>_timeseries.csv`: PhysioNet 2012 long format `RecordID,Time,Parameter,Value`,
 *   descriptors at 00:00 first, then one row per measured hourly cell, with Time the start
 *   of the hour (hourly means, or sums for Urine, as in the training grid);
 * - `<prefix>_outcomes.csv`: `RecordID,In-hospital_death` (the condition the patient was generated for);
 * - the same two tables as Parquet, converted by nodejs-polars in streaming mode;
 * - `<prefix>_metadata.json`: `synthetic: true`, the model, seed, condition and counts.
 * The prefix starts with `synthetic_`. Every file is streamed to a temporary file beside its
 * target and renamed into place only when complete.
 */
import * as fs from 'fs';
import * as path from 'path';
import pl from 'nodejs-polars';
import { renameIntoPlace, writeJsonAtomic } from '../util/atomic-write';
import { makeDirectory } from '../util/make-directory';
import { HourlyGrid } from './hourly-grid';
import { formatElapsedTime, PhysionetDescriptors } from './physionet-record';
import { DESCRIPTOR_NAMES } from './variables';

export interface SyntheticEhrFiles {
  timeseriesCsv: string;
  outcomesCsv: string;
  timeseriesParquet: string;
  outcomesParquet: string;
  metadata: string;
}

/** Formats a value with at most 4 decimals and no trailing zeros. */
function formatValue(x: number): string {
  return String(Math.round(x * 1e4) / 1e4);
}

class StreamedFile {
  readonly tempPath: string;
  private readonly fd: number;

  constructor(readonly filePath: string, header: string) {
    this.tempPath = path.join(path.dirname(filePath), `.${path.basename(filePath)}.${process.pid}.partial`);
    this.fd = fs.openSync(this.tempPath, 'w');
    this.write(header);
  }

  write(text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    let written = 0;
    while (written < bytes.length) written += fs.writeSync(this.fd, bytes, written, bytes.length - written);
  }

  commit(): void {
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    renameIntoPlace(this.tempPath, this.filePath);
  }

  abandon(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
    fs.rmSync(this.tempPath, { force: true });
  }
}

export class SyntheticEhrWriter {
  readonly files: SyntheticEhrFiles;
  private readonly timeseries: StreamedFile;
  private readonly outcomes: StreamedFile;
  private patients = 0;
  private rows = 0;
  private readonly labelCounts = new Map<number, number>();
  private finished = false;

  private readonly synthetic: boolean;

  /**
   * @param outDir folder of the output files (created when missing)
   * @param prefix file name prefix; must start with `synthetic_` (or `real_` with `synthetic: false`) so every file name marks its content
   * @param options `synthetic: false` writes REAL records (a split of the source data, in the same format, for the
   *   privacy and utility comparisons); default true
   */
  constructor(outDir: string, prefix = 'synthetic_physionet2012', options: { synthetic?: boolean } = {}) {
    this.synthetic = options.synthetic ?? true;
    const marker = this.synthetic ? 'synthetic_' : 'real_';
    if (!prefix.startsWith(marker) || !/^[A-Za-z0-9._-]+$/.test(prefix)) {
      throw new Error(`SyntheticEhrWriter: prefix '${prefix}' must start with '${marker}' and hold only letters, digits, dot, underscore and hyphen`);
    }
    makeDirectory(outDir);
    const file = (suffix: string) => path.join(outDir, `${prefix}_${suffix}`);
    this.files = {
      timeseriesCsv: file('timeseries.csv'),
      outcomesCsv: file('outcomes.csv'),
      timeseriesParquet: file('timeseries.parquet'),
      outcomesParquet: file('outcomes.parquet'),
      metadata: file('metadata.json'),
    };
    this.timeseries = new StreamedFile(this.files.timeseriesCsv, 'RecordID,Time,Parameter,Value\n');
    this.outcomes = new StreamedFile(this.files.outcomesCsv, 'RecordID,In-hospital_death\n');
  }

  /** Appends one batch: its grid in clinical units, descriptors and labels in the grid's patient order. */
  append(grid: HourlyGrid, descriptors: readonly PhysionetDescriptors[], labels: ArrayLike<number>): void {
    if (this.finished) throw new Error('SyntheticEhrWriter.append: the writer is finished; create a new writer for more patients');
    const [patients, hours, numVariables] = grid.shape;
    if (descriptors.length !== patients || labels.length !== patients) {
      throw new Error(`SyntheticEhrWriter.append: ${patients} patients but ${descriptors.length} descriptor rows and ${labels.length} labels; pass one of each per patient`);
    }
    for (let p = 0; p < patients; p++) {
      if (labels[p] !== 0 && labels[p] !== 1) {
        throw new Error(`SyntheticEhrWriter.append: label ${labels[p]} of RecordID ${grid.recordIds[p]} must be 0 or 1 (in-hospital death)`);
      }
    }
    const lines: string[] = [];
    const outcomeLines: string[] = [];
    for (let p = 0; p < patients; p++) {
      const id = grid.recordIds[p];
      lines.push(`${id},00:00,RecordID,${id}`);
      for (const name of DESCRIPTOR_NAMES) {
        const value = descriptors[p][name];
        lines.push(`${id},00:00,${name},${value === null ? -1 : formatValue(value)}`);
      }
      for (let h = 0; h < hours; h++) {
        const time = formatElapsedTime(h * 60);
        for (let v = 0; v < numVariables; v++) {
          const i = (p * hours + h) * numVariables + v;
          if (grid.mask[i] !== 1) continue;
          const x = grid.values[i];
          if (!Number.isFinite(x)) {
            throw new Error(`SyntheticEhrWriter.append: measured cell of RecordID ${id}, hour ${h}, ${grid.variables[v]} is ${x}, not a finite number; the generator diverged, so check the model and sampler settings`);
          }
          lines.push(`${id},${time},${grid.variables[v]},${formatValue(x)}`);
        }
      }
      outcomeLines.push(`${id},${labels[p]}`);
      this.labelCounts.set(labels[p], (this.labelCounts.get(labels[p]) ?? 0) + 1);
    }
    this.timeseries.write(lines.join('\n') + '\n');
    this.outcomes.write(outcomeLines.join('\n') + '\n');
    this.patients += patients;
    this.rows += lines.length;
  }

  /**
   * Completes the CSV files, converts them to Parquet in streaming mode and writes the
   * metadata with `extra` merged in. Returns the paths.
   */
  finish(extra: Record<string, unknown>): SyntheticEhrFiles {
    if (this.finished) throw new Error('SyntheticEhrWriter.finish: already finished');
    if (this.patients === 0) {
      this.abandon();
      throw new Error('SyntheticEhrWriter.finish: no patients were appended; generate at least one patient');
    }
    this.finished = true;
    this.timeseries.commit();
    this.outcomes.commit();
    toParquet(this.files.timeseriesCsv, this.files.timeseriesParquet, { RecordID: pl.Int64, Time: pl.Utf8, Parameter: pl.Utf8, Value: pl.Float64 });
    toParquet(this.files.outcomesCsv, this.files.outcomesParquet, { RecordID: pl.Int64, 'In-hospital_death': pl.Int32 });
    writeJsonAtomic(this.files.metadata, {
      synthetic: this.synthetic,
      notice: this.synthetic
        ? 'SYNTHETIC patients generated by a medsynth model; not real patient data and not for clinical use.'
        : 'REAL patient records (hourly bins of a split of the source data); subject to the source licence, not for release.',
      format: 'PhysioNet/CinC Challenge 2012 long format (RecordID,Time,Parameter,Value); Time is the start of an hourly bin',
      patients: this.patients,
      timeseriesRows: this.rows,
      patientsPerLabel: Object.fromEntries([...this.labelCounts.entries()].sort((a, b) => a[0] - b[0])),
      files: Object.fromEntries(Object.entries(this.files).map(([k, v]) => [k, path.basename(v)])),
      createdAt: new Date().toISOString(),
      ...extra,
    });
    return this.files;
  }

  /** Removes the temporary files of an unfinished writer (after a failed generation). */
  abandon(): void {
    this.finished = true;
    this.timeseries.abandon();
    this.outcomes.abandon();
  }
}

function toParquet(csvPath: string, parquetPath: string, schema: Record<string, typeof pl.Int64 | typeof pl.Int32 | typeof pl.Float64 | typeof pl.Utf8>): void {
  const temp = path.join(path.dirname(parquetPath), `.${path.basename(parquetPath)}.${process.pid}.partial`);
  try {
    pl.scanCSV(csvPath, { schema }).sinkParquet(temp).collectSync();
    const fd = fs.openSync(temp, 'r+');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    renameIntoPlace(temp, parquetPath);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw new Error(`SyntheticEhrWriter: converting ${csvPath} to Parquet failed (${(err as Error).message}); the CSV file is complete and can be converted again`);
  }
}
