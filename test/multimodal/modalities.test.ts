import * as fs from 'fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { prepareEhrData } from '../../kernel-lib/ehr/prepare-ehr-data';
import { NUM_STATIC_FEATURES } from '../../kernel-lib/ehr/static-features';
import { buildEhrMultimodalDataset, checkModality } from '../../kernel-lib/multimodal/modalities';
import { writePhysionetFixture } from '../helpers/physionet-fixture';

const fixture = writePhysionetFixture(60, 3);
const data = prepareEhrData({ recordFolder: fixture.recordFolder, outcomesPath: fixture.outcomesPath, hours: 24, splitSeed: 0 });

test.after(() => fs.rmSync(fixture.root, { recursive: true, force: true }));

test('time series packs filled values and mask', () => {
  const split = data.splits.train;
  const dataset = buildEhrMultimodalDataset(split);
  const [patients, hours, variables] = split.normalised.shape;
  const series = dataset.modalities.timeSeries!;
  assert.equal(series.exampleShape, [hours, 2 * variables]);
  assert.is(series.values.length, patients * hours * 2 * variables);
  let measured = 0;
  for (let cell = 0; cell < patients * hours * variables; cell++) {
    const row = Math.floor(cell / variables);
    const v = cell % variables;
    const value = split.normalised.values[cell];
    const packed = series.values[row * 2 * variables + v];
    const mask = series.values[row * 2 * variables + variables + v];
    assert.is(mask, split.normalised.mask[cell], `mask of cell ${cell}`);
    assert.is(packed, Number.isNaN(value) ? 0 : value, `value of cell ${cell}`);
    measured += mask;
  }
  assert.ok(measured > 0, 'the fixture has measurements');
});

test('descriptors are the static features', () => {
  const split = data.splits.validation;
  const dataset = buildEhrMultimodalDataset(split);
  assert.equal(dataset.modalities.descriptors!.exampleShape, [NUM_STATIC_FEATURES]);
  assert.equal(Array.from(dataset.modalities.descriptors!.values), Array.from(split.staticFeatures));
  assert.equal(Array.from(dataset.labels), Array.from(split.labels));
  assert.is(dataset.count, split.recordIds.length);
});

test('presence follows the data', () => {
  const split = data.splits.test;
  const empty = { ...split, normalised: { ...split.normalised, mask: new Float32Array(split.normalised.mask.length) }, descriptors: split.descriptors.map((d, i) => (i === 0 ? { ...d, Age: null, Gender: null, ICUType: null } : d)) };
  const dataset = buildEhrMultimodalDataset(empty);
  assert.ok(dataset.modalities.timeSeries!.presence.every((flag) => flag === 0), 'no measurement, no time series');
  assert.is(dataset.modalities.descriptors!.presence[0], 0);
  assert.ok(dataset.modalities.descriptors!.presence.slice(1).every((flag) => flag === 1));
  assert.ok(buildEhrMultimodalDataset(split).modalities.timeSeries!.presence.some((flag) => flag === 1));
});

test('checkModality names the valid modalities', () => {
  assert.throws(() => checkModality('f', 'text'), /f: unknown modality 'text'; valid modalities: timeSeries, descriptors/);
});

test.run();
