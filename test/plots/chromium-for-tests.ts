import { test } from 'uvu';
import { findChromium } from '../../kernel-lib/plots/chromium';

/** Chromium found as the library finds it, or null; browser tests are skipped without it. */
export const CHROMIUM: string | null = (() => {
  try {
    return findChromium('tests');
  } catch (err) {
    console.log(`NOTE: browser tests skipped: ${(err as Error).message}`);
    return null;
  }
})();

/** `test` when Chromium is installed, else `test.skip`. */
export const browserTest = CHROMIUM === null ? test.skip : test;
