import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MODALITIES } from '../../kernel-lib/multimodal/modalities';
import { drawModalityKeep, resolveDropoutRates } from '../../kernel-lib/multimodal/modality-dropout';
import { Random } from '../../kernel-lib/util/random';

const COUNT = 4000;
const ALL_PRESENT = { timeSeries: new Uint8Array(COUNT).fill(1), descriptors: new Uint8Array(COUNT).fill(1) };
const ROWS = Int32Array.from({ length: COUNT }, (_, i) => i);

test('resolveDropoutRates expands one rate', () => {
  assert.equal(resolveDropoutRates(0.3, MODALITIES), { timeSeries: 0.3, descriptors: 0.3 });
  assert.equal(resolveDropoutRates({ descriptors: 0.5 }, MODALITIES), { timeSeries: 0, descriptors: 0.5 });
});

test('resolveDropoutRates rejects rates outside [0, 1)', () => {
  assert.throws(() => resolveDropoutRates(1, MODALITIES), /'timeSeries' must be in \[0, 1\), got 1/);
  assert.throws(() => resolveDropoutRates({ descriptors: -0.1 }, MODALITIES), /'descriptors' must be in \[0, 1\), got -0.1/);
  assert.throws(() => resolveDropoutRates({ image: 0.2 } as never, MODALITIES), /unknown modality 'image'/);
});

test('never drops every present modality', () => {
  const rates = resolveDropoutRates(0.9, MODALITIES);
  const keep = drawModalityKeep(ALL_PRESENT, MODALITIES, rates, ROWS, new Random(1));
  for (let i = 0; i < COUNT; i++) assert.ok(keep.timeSeries[i] + keep.descriptors[i] >= 1, `example ${i} has no modality kept`);
});

test('drop rate follows the probability', () => {
  // P(drop m) = p · (1 − p/2) with two modalities: both dropped (p²) gives one back at random.
  const p = 0.3;
  const keep = drawModalityKeep(ALL_PRESENT, MODALITIES, resolveDropoutRates(p, MODALITIES), ROWS, new Random(2));
  const expected = p * (1 - p / 2);
  for (const modality of MODALITIES) {
    const dropped = 1 - keep[modality].reduce((a, b) => a + b, 0) / COUNT;
    // The binomial standard error at n = 4000 is about 0.007, so this allows about 4 of them.
    assert.ok(Math.abs(dropped - expected) < 0.03, `${modality}: dropped ${dropped.toFixed(3)}, expected ${expected.toFixed(3)}`);
  }
});

test('missing modality is never kept', () => {
  const presence = { timeSeries: Uint8Array.from(ROWS, (i) => i % 3 === 0 ? 0 : 1), descriptors: new Uint8Array(COUNT).fill(1) };
  const keep = drawModalityKeep(presence, MODALITIES, resolveDropoutRates(0.5, MODALITIES), ROWS, new Random(3));
  for (let i = 0; i < COUNT; i += 3) {
    assert.is(keep.timeSeries[i], 0, `example ${i}: absent time series kept`);
    assert.is(keep.descriptors[i], 1, `example ${i}: its only modality dropped`);
  }
});

test('no dropout keeps what is present', () => {
  const presence = { timeSeries: Uint8Array.from(ROWS, (i) => i % 2), descriptors: new Uint8Array(COUNT).fill(1) };
  const keep = drawModalityKeep(presence, MODALITIES, resolveDropoutRates(0, MODALITIES), ROWS, new Random(4));
  assert.equal(Array.from(keep.timeSeries), Array.from(presence.timeSeries));
  assert.equal(Array.from(keep.descriptors), Array.from(presence.descriptors));
});

test('same seed gives same flags', () => {
  const rates = resolveDropoutRates(0.4, MODALITIES);
  const a = drawModalityKeep(ALL_PRESENT, MODALITIES, rates, ROWS, new Random(5));
  const b = drawModalityKeep(ALL_PRESENT, MODALITIES, rates, ROWS, new Random(5));
  const c = drawModalityKeep(ALL_PRESENT, MODALITIES, rates, ROWS, new Random(6));
  assert.equal(Array.from(a.timeSeries), Array.from(b.timeSeries));
  assert.not.equal(Array.from(a.timeSeries), Array.from(c.timeSeries));
});

test.run();
