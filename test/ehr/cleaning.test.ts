import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanRecords } from '../../kernel-lib/ehr/cleaning';
import { PhysionetRecord } from '../../kernel-lib/ehr/physionet-record';

function makeRecord(recordId: number, observations: PhysionetRecord['observations'], height: number | null = 170): PhysionetRecord {
  return { recordId, descriptors: { Age: 60, Gender: 1, Height: height, ICUType: 3, Weight: 80 }, observations };
}

const RECORDS = [
  makeRecord(1, [
    { minute: 60, variable: 'pH', value: 7.4 },
    { minute: 61, variable: 'pH', value: 94 },
    { minute: 1540, variable: 'pH', value: 187 },
    { minute: 90, variable: 'HR', value: 0 },
    { minute: 95, variable: 'HR', value: 85 },
    { minute: 100, variable: 'Urine', value: 0 },
  ]),
  makeRecord(2, [{ minute: 30, variable: 'Temp', value: -17.8 }, { minute: 40, variable: 'Temp', value: 36.6 }], 431.8),
];

test('default ranges remove slips and artifacts', () => {
  const { records, report } = cleanRecords(RECORDS);
  assert.equal(records[0].observations.map((o) => o.value), [7.4, 85, 0]);
  assert.equal(records[1].observations.map((o) => o.value), [36.6]);
  assert.is(report.removedTotal, 4);
  assert.is(report.byVariable.pH?.removed, 2);
  assert.is(report.byVariable.HR?.removed, 1);
  assert.is(report.byVariable.Temp?.removed, 1);
  assert.is(report.byVariable.Urine, undefined);
});

test('report examples name record, time and value', () => {
  const { report } = cleanRecords(RECORDS);
  assert.equal(report.byVariable.pH?.examples, [
    { recordId: 1, minute: 61, time: '01:01', value: 94 },
    { recordId: 1, minute: 1540, time: '25:40', value: 187 },
  ]);
  assert.equal(report.byVariable.pH?.range, [6.5, 8.0]);
});

test('implausible height becomes null', () => {
  const { records, report } = cleanRecords(RECORDS);
  assert.is(records[1].descriptors.Height, null);
  assert.is(records[0].descriptors.Height, 170);
  assert.is(report.byDescriptor.Height?.removed, 1);
  assert.is(report.byDescriptor.Height?.examples[0].value, 431.8);
});

test('input records are left unchanged', () => {
  cleanRecords(RECORDS);
  assert.is(RECORDS[0].observations.length, 6);
  assert.is(RECORDS[1].descriptors.Height, 431.8);
});

test('custom range replaces the default', () => {
  const { report } = cleanRecords(RECORDS, { ranges: { HR: [0, 300] }, maxExamples: 1 });
  assert.is(report.byVariable.HR, undefined);
  assert.is(report.byVariable.pH?.removed, 2);
  assert.is(report.byVariable.pH?.examples.length, 1);
});

test('invalid range options are rejected', () => {
  assert.throws(() => cleanRecords(RECORDS, { ranges: { HR: [10, 1] } }), /cleanRecords: range of HR must be \[min, max\] with finite min <= max, got \[10,1\]/);
  assert.throws(() => cleanRecords(RECORDS, { ranges: { Pulse: [1, 2] } as never }), /cleanRecords: unknown variable 'Pulse'/);
});

test.run();
