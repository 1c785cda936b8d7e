import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HourlyGrid } from '../../../kernel-lib/ehr/hourly-grid';
import { TimeSeriesVariable } from '../../../kernel-lib/ehr/variables';
import {
  EhrFidelityReport,
  autocorrelationComparison,
  correlationDistance,
  ehrFidelityReport,
  formatEhrFidelityMarkdown,
  marginalDistances,
  missingnessComparison,
  worstByWasserstein,
} from '../../../kernel-lib/eval/ehr';

const VARIABLES: TimeSeriesVariable[] = ['HR', 'Temp', 'pH', 'MechVent'];

/** Builds a 4-hour grid whose only measured hour is hour 0, from firstHour[patient][variable]. */
function gridOfFirstHour(firstHour: (number | null)[][]): HourlyGrid {
  const hours = 4;
  const numVariables = VARIABLES.length;
  const values = new Float32Array(firstHour.length * hours * numVariables).fill(NaN);
  const mask = new Float32Array(values.length);
  firstHour.forEach((row, p) =>
    row.forEach((value, v) => {
      if (value === null) return;
      const cell = p * hours * numVariables + v;
      values[cell] = value;
      mask[cell] = 1;
    }),
  );
  return { values, mask, shape: [firstHour.length, hours, numVariables], recordIds: firstHour.map((_, p) => p), variables: VARIABLES };
}

// HR: W1 = 5, real SD = sqrt(200/3), so W1 / SD ≈ 0.612. Temp: real [36, 38] (SD 1) against
// [40, 40] gives W1 = 3. pH: constant real values, so any W1 > 0 is infinitely far relative to SD.
// MechVent: real only.
const REAL = gridOfFirstHour([
  [80, 36, 7.4, 1],
  [90, 38, 7.4, null],
  [100, null, null, null],
]);
const SYNTHETIC = gridOfFirstHour([
  [85, 40, 7.3, null],
  [95, 40, null, null],
]);

test('report combines the four metrics', () => {
  const report = ehrFidelityReport(REAL, SYNTHETIC);
  assert.is(report.featureSpace, 'measured hourly cells, clinical units');
  assert.is(report.realPatients, 3);
  assert.is(report.syntheticPatients, 2);
  assert.is(report.hours, 4);
  assert.equal(report.variables, VARIABLES);
  assert.equal(report.marginals, marginalDistances(REAL, SYNTHETIC));
  assert.equal(report.correlation, correlationDistance(REAL, SYNTHETIC));
  assert.equal(report.missingness, missingnessComparison(REAL, SYNTHETIC));
  assert.equal(report.autocorrelation, autocorrelationComparison(REAL, SYNTHETIC, { maxLag: 3 }));
  assert.is(ehrFidelityReport(REAL, SYNTHETIC, { maxLag: 1 }).autocorrelation.rows.length, 4);
});

test('worstByWasserstein ranks by W1 over real SD', () => {
  const report = ehrFidelityReport(REAL, SYNTHETIC);
  const worst = worstByWasserstein(report, 2);
  assert.equal(
    worst.map((rank) => rank.variable),
    ['pH', 'Temp'],
  );
  assert.is(worst[0].relativeWasserstein1, Infinity);
  assert.is(worst[0].realStd, 0);
  assert.ok(Math.abs(worst[0].wasserstein1 - 0.1) < 1e-6);
  assert.is(worst[1].unit, '°C');
  assert.is(worst[1].wasserstein1, 3);
  assert.is(worst[1].realStd, 1);
  assert.is(worst[1].relativeWasserstein1, 3);

  const all = worstByWasserstein(report, 10);
  assert.equal(
    all.map((rank) => rank.variable),
    ['pH', 'Temp', 'HR'],
  );
  assert.ok(Math.abs(all[2].relativeWasserstein1 - 5 / Math.sqrt(200 / 3)) < 1e-12);
});

test('worstByWasserstein zero W1 on constant values', () => {
  const constant = gridOfFirstHour([[null, null, 7.4, null], [null, null, 7.4, null]]);
  const [rank] = worstByWasserstein(ehrFidelityReport(constant, constant), 1);
  assert.is(rank.variable, 'pH');
  assert.is(rank.relativeWasserstein1, 0);
});

test('markdown tables hold the values', () => {
  const markdown = formatEhrFidelityMarkdown(ehrFidelityReport(REAL, SYNTHETIC), { worstCount: 2 });
  assert.ok(markdown.includes('Feature space: measured hourly cells, clinical units.'));
  assert.ok(markdown.includes('Real patients: 3. Synthetic patients: 2. Hours: 4. Variables: 4.'));
  assert.ok(markdown.includes('| pH | pH | 0.1 | 0 | ∞ |'), 'worst table, pH row');
  assert.ok(markdown.includes('| Temp | °C | 3 | 1 | 3 |'), 'worst table, Temp row');
  assert.ok(markdown.includes('| HR | bpm | 3 | 2 | 5 | 0.612 | 0.333 |  |'), 'marginal table, HR row');
  assert.ok(markdown.includes('| MechVent | flag | 1 | 0 | – | – | – | the synthetic grid has no measured values of MechVent |'));
  // HR missing rate: 9 of 12 real and 6 of 8 synthetic patient-hours, both 0.75.
  assert.ok(markdown.includes('| HR | 0.75 | 0.75 | 0 | 6 | 6 | 0 |'), 'missingness table, HR row');
  assert.ok(markdown.includes('| HR | 1 | – | – | – | 0 | 0 |'), 'autocorrelation table, HR lag 1');
  for (const heading of ['### Largest marginal distances', '### Marginal distances', '### Correlation', '### Missingness', '### Autocorrelation']) {
    assert.ok(markdown.includes(heading), heading);
  }
  const worstTable = markdown.split('### Marginal distances')[0];
  assert.not.ok(worstTable.includes('| HR |'), 'worstCount 2 leaves HR out');
});

test('report rejects bad input', () => {
  assert.throws(() => ehrFidelityReport(REAL, SYNTHETIC, { maxLag: 4 }), /ehrFidelityReport: `maxLag` must be an integer from 1 to hours − 1 = 3, got 4/);
  const oneHour: HourlyGrid = { ...REAL, values: REAL.values.slice(0, 12), mask: REAL.mask.slice(0, 12), shape: [3, 1, 4] };
  assert.throws(() => ehrFidelityReport(oneHour, oneHour), /ehrFidelityReport: the grids have 1 hour/);
  assert.throws(() => ehrFidelityReport(REAL, { ...SYNTHETIC, variables: ['HR', 'Temp', 'MechVent', 'pH'] }), /ehrFidelityReport: variable 2 is pH in `real` but MechVent in `synthetic`/);

  const report = ehrFidelityReport(REAL, SYNTHETIC);
  assert.throws(() => worstByWasserstein(report, 0), /worstByWasserstein: `k` must be a positive integer, got 0/);
  assert.throws(() => formatEhrFidelityMarkdown(report, { worstCount: -1 }), /formatEhrFidelityMarkdown: `worstCount` must be a positive integer, got -1/);
  assert.throws(
    () => formatEhrFidelityMarkdown({ marginals: [] } as unknown as EhrFidelityReport),
    /formatEhrFidelityMarkdown: `report` lacks variables, correlation, missingness, autocorrelation; pass the result of ehrFidelityReport/,
  );
});

test.run();
