import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatElapsedTime, parseElapsedTime, parsePhysionetRecord } from '../../kernel-lib/ehr/physionet-record';

// Hand-written record in the challenge format, with each parsing trap once.
const EXAMPLE = [
  'Time,Parameter,Value',
  '00:00,RecordID,132539',
  '00:00,Age,54',
  '00:00,Gender,0',
  '00:00,Height,-1',
  '00:00,ICUType,4',
  '00:00,Weight,-1',
  '00:07,GCS,15',
  '00:07,HR,88',
  '03:06,DiasABP,-1',
  '03:06,HR,77',
  '25:40,HR,81',
  '47:59,Weight,80.5',
  '48:00,NIDiasABP,-1',
  '',
].join('\n');

function seriesOf(text: string, variable: string): { minutes: number[]; values: number[] } {
  const { record } = parsePhysionetRecord(text, '132539.txt');
  const rows = record.observations.filter((o) => o.variable === variable);
  return { minutes: rows.map((o) => o.minute), values: rows.map((o) => o.value) };
}

test('HR readings keep minutes past 24:00', () => {
  const hr = seriesOf(EXAMPLE, 'HR');
  assert.equal(hr.minutes, [7, 186, 1540]);
  assert.equal(hr.values, [88, 77, 81]);
});

test('example has five observations', () => {
  const { record, issues, missingSeriesValues } = parsePhysionetRecord(EXAMPLE, '132539.txt');
  assert.is(record.observations.length, 5);
  assert.is(seriesOf(EXAMPLE, 'GCS').values.length, 1);
  assert.equal(seriesOf(EXAMPLE, 'Weight').minutes, [2879]);
  assert.equal(seriesOf(EXAMPLE, 'Weight').values, [80.5]);
  assert.is(seriesOf(EXAMPLE, 'DiasABP').values.length, 0);
  assert.is(seriesOf(EXAMPLE, 'NIDiasABP').values.length, 0);
  assert.is(issues.length, 0);
  assert.is(missingSeriesValues, 2);
});

test('descriptors with -1 are null', () => {
  const { record } = parsePhysionetRecord(EXAMPLE, '132539.txt');
  assert.equal(record.descriptors, { Age: 54, Gender: 0, Height: null, ICUType: 4, Weight: null });
});

test('RecordID is the identifier, not a measurement', () => {
  const { record } = parsePhysionetRecord(EXAMPLE, 'set-a/132539.txt');
  assert.is(record.recordId, 132539);
  assert.not.ok(record.observations.some((o) => (o.variable as string) === 'RecordID'));
});

test('readings sharing a minute are all kept', () => {
  const text = 'Time,Parameter,Value\n00:00,RecordID,7\n01:00,Urine,30\n01:00,Urine,20\n01:00,HR,70\n';
  const { record } = parsePhysionetRecord(text, '7.txt');
  assert.is(record.observations.length, 3);
  const urine = record.observations.filter((o) => o.variable === 'Urine').map((o) => o.value);
  assert.equal(urine, [30, 20]);
});

test('later Weight at 00:00 is a series value', () => {
  const text = 'Time,Parameter,Value\n00:00,RecordID,5\n00:00,Weight,70\n00:00,Weight,71\n';
  const { record } = parsePhysionetRecord(text, '5.txt');
  assert.is(record.descriptors.Weight, 70);
  assert.equal(record.observations, [{ minute: 0, variable: 'Weight', value: 71 }]);
});

test('descriptors found between series rows', () => {
  const text = 'Time,Parameter,Value\n00:00,RecordID,5\n00:00,HR,90\n00:00,Age,77\n00:00,Weight,60\n';
  const { record } = parsePhysionetRecord(text, '5.txt');
  assert.is(record.descriptors.Age, 77);
  assert.is(record.descriptors.Weight, 60);
  assert.equal(record.observations, [{ minute: 0, variable: 'HR', value: 90 }]);
});

test('elapsed time converts both ways', () => {
  assert.is(parseElapsedTime('25:40'), 1540);
  assert.is(parseElapsedTime('48:00'), 2880);
  assert.is(parseElapsedTime('00:00'), 0);
  assert.is(parseElapsedTime('7:60'), null);
  assert.is(parseElapsedTime('ab:cd'), null);
  assert.is(formatElapsedTime(1540), '25:40');
  assert.is(formatElapsedTime(7), '00:07');
});

const BAD = [
  'Time,Parameter,Value',
  '00:00,RecordID,9',
  '00:10,HR,80,extra', // line 3: malformed row
  '00:20,Lactose,2', // line 4: unknown parameter
  '00:30,HR,abc', // line 5: non-numeric value
  '48:01,HR,70', // line 6: after 48:00
  '1:2,HR,70', // line 7: malformed time
  '02:00,Age,50', // line 8: descriptor not at admission
  '03:00,HR,75', // line 9: kept
  '',
].join('\n');

test('bad rows are skipped with file and line', () => {
  const { record, issues } = parsePhysionetRecord(BAD, 'set-a/9.txt');
  assert.equal(record.observations, [{ minute: 180, variable: 'HR', value: 75 }]);
  assert.equal(
    issues.map((issue) => [issue.kind, issue.line]),
    [
      ['malformed-row', 3],
      ['unknown-parameter', 4],
      ['non-numeric-value', 5],
      ['invalid-time', 6],
      ['invalid-time', 7],
      ['misplaced-descriptor', 8],
    ],
  );
  assert.ok(issues.every((issue) => issue.file === 'set-a/9.txt'));
  assert.match(issues[1].message, "unknown parameter 'Lactose'");
});

test('strict mode throws on the first bad row', () => {
  assert.throws(() => parsePhysionetRecord(BAD, 'set-a/9.txt', { strict: true }), /^parsePhysionetRecord: set-a\/9\.txt:3: expected 3 fields/);
});

test('wrong header is an error', () => {
  assert.throws(() => parsePhysionetRecord('RecordID,Age\n1,2\n', '1.txt'), /parsePhysionetRecord: 1\.txt:1: expected the header 'Time,Parameter,Value', got 'RecordID,Age'/);
});

test('RecordID disagreeing with file name is an error', () => {
  assert.throws(() => parsePhysionetRecord('Time,Parameter,Value\n00:00,RecordID,12\n', '13.txt'), /RecordID 12 disagrees with the file name/);
});

test.run();
