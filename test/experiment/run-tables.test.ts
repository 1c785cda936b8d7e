import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RunDirectory } from '../../kernel-lib/experiment/run-dir';
import { formatClassifierTable, formatGenerationTable, loadSyntheticExamples } from '../../kernel-lib/experiment/run-tables';
import { GenerationRecord } from '../../kernel-lib/experiment/stages/generation';
import { tinyExperimentConfig, uninterruptedTinyRun } from './tiny-experiment';

const record = (overrides: Partial<GenerationRecord>): GenerationRecord => ({
  seed: 0,
  className: 'effusion',
  classIndex: 1,
  target: 10,
  accepted: 10,
  generated: 14,
  rejected: { 'low-confidence': 3, memorised: 1 },
  surplus: 0,
  reachedTarget: true,
  ...overrides,
});

test('formatGenerationTable has one column per rejection reason and one row per record', () => {
  const text = formatGenerationTable([record({}), record({ seed: 1, accepted: 6, generated: 20, rejected: { 'low-confidence': 14 }, reachedTarget: false })]);
  const lines = text.split('\n');
  assert.is(lines.length, 4);
  assert.match(lines[0], '| Rejected: low-confidence | Rejected: memorised |');
  assert.is(lines[2], '| effusion | 0 | 10 | 14 | 10 | 3 | 1 | yes |');
  assert.is(lines[3], '| effusion | 1 | 10 | 20 | 6 | 14 | 0 | no: attempt limit |');
});

test('formatGenerationTable escapes class names', () => {
  assert.match(formatGenerationTable([record({ className: '<script>x</script>' })]), '&lt;script&gt;');
});

test('the tiny run has synthetic examples and a row per arm and seed', async () => {
  const run = new RunDirectory(await uninterruptedTinyRun());
  const config = tinyExperimentConfig();
  const examples = loadSyntheticExamples(run, 'effusion', 0);
  assert.equal(Object.keys(examples).sort(), ['accepted', 'low-confidence', 'memorised']);
  assert.ok(examples.accepted.length > 0, 'the tiny run accepts every synthetic image');
  assert.is(examples.accepted.length % (28 * 28), 0);
  assert.equal(loadSyntheticExamples(run, 'no finding', 0), {}, 'no examples for a class that was not generated');

  const table = formatClassifierTable(run, config).split('\n');
  assert.is(table.length, 2 + config.arms.length * config.seeds.length);
  assert.match(table[2], /^\| real-only \| 0 \| \d+ \/ \d+ \| \d+ \| \d\.\d{3} \|$/);
});

test.run();
