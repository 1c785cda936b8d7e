import { VARIABLE_INFO } from '../../kernel-lib/ehr/variables';

/** Plausible range of each time-series variable, by name, for range assertions. */
export const PLAUSIBLE: Record<string, readonly [number, number]> = Object.fromEntries(
  Object.entries(VARIABLE_INFO).map(([name, info]) => [name, info.plausibleRange]),
);
