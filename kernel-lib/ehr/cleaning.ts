/**
 * Plausible-range cleaning of PhysioNet 2012 records: values outside a variable's
 * range are removed (they become unmeasured) and counted per variable with examples.
 */
import { PhysionetDescriptors, PhysionetRecord, formatElapsedTime } from './physionet-record';
import {
  DESCRIPTOR_INFO,
  DESCRIPTOR_NAMES,
  DescriptorName,
  PlausibleRange,
  TIME_SERIES_VARIABLES,
  TimeSeriesVariable,
  VARIABLE_INFO,
  isDescriptorName,
  isTimeSeriesVariable,
} from './variables';

export interface CleaningOptions {
  /** Ranges that replace the defaults of VARIABLE_INFO for these variables. */
  ranges?: Partial<Record<TimeSeriesVariable, PlausibleRange>>;
  /** Ranges that replace the defaults of DESCRIPTOR_INFO for Age, Height or Weight. */
  descriptorRanges?: Partial<Record<DescriptorName, PlausibleRange>>;
  /** Examples kept per variable. Default 5. */
  maxExamples?: number;
}

/** A removed value. */
export interface RemovedValue {
  recordId: number;
  /** Minutes since admission; 0 for a descriptor. */
  minute: number;
  /** `HH:MM` elapsed since admission. */
  time: string;
  value: number;
}

/** Removals of one variable or descriptor. */
export interface RemovalSummary {
  removed: number;
  range: PlausibleRange;
  examples: RemovedValue[];
}

export interface CleaningReport {
  /** Time-series values removed, over all variables. */
  removedTotal: number;
  /** Only variables with at least one removal appear. */
  byVariable: Partial<Record<TimeSeriesVariable, RemovalSummary>>;
  /** Descriptors set to null, by descriptor; only those with a removal appear. */
  byDescriptor: Partial<Record<DescriptorName, RemovalSummary>>;
}

function checkRange(name: string, range: PlausibleRange): void {
  const ok = Array.isArray(range) && range.length === 2 && range.every(Number.isFinite) && range[0] <= range[1];
  if (!ok) {
    throw new Error(`cleanRecords: range of ${name} must be [min, max] with finite min <= max, got ${JSON.stringify(range)}`);
  }
}

/**
 * Removes time-series values outside their plausible range (ends inclusive) and sets
 * descriptors outside theirs to null. Returns new records, leaving the input as it
 * was, and a report per variable. Throws `cleanRecords: …` for an unknown variable
 * name or an invalid range in the options.
 */
export function cleanRecords<R extends PhysionetRecord>(
  records: readonly R[],
  options: CleaningOptions = {},
): { records: R[]; report: CleaningReport } {
  const maxExamples = options.maxExamples ?? 5;
  if (!Number.isInteger(maxExamples) || maxExamples < 0) {
    throw new Error(`cleanRecords: \`maxExamples\` must be a non-negative integer, got ${maxExamples}`);
  }

  // 1. Resolve the ranges: defaults, replaced by the options.
  const ranges = {} as Record<TimeSeriesVariable, PlausibleRange>;
  for (const name of TIME_SERIES_VARIABLES) ranges[name] = VARIABLE_INFO[name].plausibleRange;
  for (const [name, range] of Object.entries(options.ranges ?? {})) {
    if (!isTimeSeriesVariable(name)) {
      throw new Error(`cleanRecords: unknown variable '${name}' in \`ranges\`; valid names: ${TIME_SERIES_VARIABLES.join(', ')}`);
    }
    checkRange(name, range as PlausibleRange);
    ranges[name] = range as PlausibleRange;
  }
  const descriptorRanges: Partial<Record<DescriptorName, PlausibleRange>> = {};
  for (const name of DESCRIPTOR_NAMES) {
    const range = DESCRIPTOR_INFO[name].plausibleRange;
    if (range !== undefined) descriptorRanges[name] = range;
  }
  for (const [name, range] of Object.entries(options.descriptorRanges ?? {})) {
    if (!isDescriptorName(name)) {
      throw new Error(`cleanRecords: unknown descriptor '${name}' in \`descriptorRanges\`; valid names: ${DESCRIPTOR_NAMES.join(', ')}`);
    }
    checkRange(name, range as PlausibleRange);
    descriptorRanges[name] = range as PlausibleRange;
  }

  const report: CleaningReport = { removedTotal: 0, byVariable: {}, byDescriptor: {} };
  const noteRemoval = (summaries: Partial<Record<string, RemovalSummary>>, name: string, range: PlausibleRange, removed: RemovedValue): void => {
    const summary = (summaries[name] ??= { removed: 0, range, examples: [] });
    summary.removed++;
    if (summary.examples.length < maxExamples) summary.examples.push(removed);
  };

  // 2. Filter each record.
  const cleaned = records.map((record) => {
    const observations = record.observations.filter((observation) => {
      const [min, max] = ranges[observation.variable];
      if (observation.value >= min && observation.value <= max) return true;
      report.removedTotal++;
      noteRemoval(report.byVariable, observation.variable, ranges[observation.variable], {
        recordId: record.recordId,
        minute: observation.minute,
        time: formatElapsedTime(observation.minute),
        value: observation.value,
      });
      return false;
    });

    const descriptors: PhysionetDescriptors = { ...record.descriptors };
    for (const name of DESCRIPTOR_NAMES) {
      const range = descriptorRanges[name];
      const value = descriptors[name];
      if (range === undefined || value === null) continue;
      if (value >= range[0] && value <= range[1]) continue;
      descriptors[name] = null;
      noteRemoval(report.byDescriptor, name, range, { recordId: record.recordId, minute: 0, time: '00:00', value });
    }
    return { ...record, descriptors, observations };
  });
  return { records: cleaned, report };
}
