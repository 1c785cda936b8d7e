import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeTimesteps, roundHalfEven, TIMESTEP_SPACINGS } from '../../kernel-lib/diffusion/timesteps';

const STEP_COUNTS = [1, 3, 9, 27, 36, 37, 61, 101, 103, 110, 111, 121, 122, 250, 333, 500, 999, 1000];

function head(values: Int32Array, count: number): number[] {
  return Array.from(values.slice(0, count));
}

function tail(values: Int32Array, count: number): number[] {
  return Array.from(values.slice(values.length - count));
}

test('roundHalfEven rounds ties to even', () => {
  assert.is(roundHalfEven(0.5), 0);
  assert.is(roundHalfEven(1.5), 2);
  assert.is(roundHalfEven(2.5), 2);
  assert.is(roundHalfEven(499.5), 500);
  assert.is(roundHalfEven(937.5), 938);
  assert.is(roundHalfEven(812.5), 812);
  assert.is(roundHalfEven(-0.5), 0);
  assert.is(roundHalfEven(-1.5), -2);
  assert.is(roundHalfEven(2.4999), 2);
  assert.is(roundHalfEven(2.5001), 3);
});

test('every count and spacing gives S valid timesteps', () => {
  for (const spacing of TIMESTEP_SPACINGS) {
    for (const S of STEP_COUNTS) {
      const timesteps = makeTimesteps(1000, S, spacing);
      const label = `${spacing}, S = ${S}`;
      assert.ok(timesteps instanceof Int32Array, label);
      assert.is(timesteps.length, S, `${label}: length`);
      assert.ok(timesteps[0] <= 999, `${label}: first ${timesteps[0]}`);
      assert.ok(timesteps[S - 1] >= 0, `${label}: last ${timesteps[S - 1]}`);
      for (let i = 1; i < S; i++) {
        assert.ok(timesteps[i] < timesteps[i - 1], `${label}: [${i - 1}] = ${timesteps[i - 1]}, [${i}] = ${timesteps[i]}`);
      }
    }
  }
});

test('every count from 1 to 1000 stays strictly decreasing', () => {
  for (const spacing of TIMESTEP_SPACINGS) {
    for (let S = 1; S <= 1000; S++) {
      const timesteps = makeTimesteps(1000, S, spacing);
      assert.is(timesteps.length, S);
      let ok = timesteps[0] <= 999 && timesteps[S - 1] >= 0;
      for (let i = 1; i < S && ok; i++) ok = timesteps[i] < timesteps[i - 1];
      assert.ok(ok, `${spacing}, S = ${S}: ${Array.from(timesteps).join(', ')}`);
    }
  }
});

test('trailing and linspace start at 999, leading ends at 0', () => {
  for (const S of STEP_COUNTS) {
    assert.is(makeTimesteps(1000, S, 'trailing')[0], 999, `trailing S = ${S}`);
    assert.is(makeTimesteps(1000, S, 'linspace')[0], 999, `linspace S = ${S}`);
    // One linspace step is [T - 1], so it cannot also end at 0.
    if (S > 1) assert.is(makeTimesteps(1000, S, 'linspace')[S - 1], 0, `linspace S = ${S}`);
    assert.is(makeTimesteps(1000, S, 'leading')[S - 1], 0, `leading S = ${S}`);
  }
});

test('one step', () => {
  assert.equal(Array.from(makeTimesteps(1000, 1, 'linspace')), [999]);
  assert.equal(Array.from(makeTimesteps(1000, 1, 'trailing')), [999]);
  assert.equal(Array.from(makeTimesteps(1000, 1, 'leading')), [0]);
});

test('three steps', () => {
  assert.equal(Array.from(makeTimesteps(1000, 3, 'leading')), [666, 333, 0]);
  assert.equal(Array.from(makeTimesteps(1000, 3, 'trailing')), [999, 666, 332]);
  // (999 * 1) / 2 = 499.5 rounds to the even 500.
  assert.equal(Array.from(makeTimesteps(1000, 3, 'linspace')), [999, 500, 0]);
});

test('leading 27 steps of 37', () => {
  const timesteps = makeTimesteps(1000, 27, 'leading');
  assert.equal(head(timesteps, 3), [962, 925, 888]);
  assert.equal(tail(timesteps, 3), [74, 37, 0]);
  for (let i = 0; i < 27; i++) assert.is(timesteps[i], (26 - i) * 37);
});

test('trailing 27 steps', () => {
  const timesteps = makeTimesteps(1000, 27, 'trailing');
  assert.equal(head(timesteps, 3), [999, 962, 925]);
  assert.equal(tail(timesteps, 3), [110, 73, 36]);
});

test('linspace 27 steps', () => {
  const timesteps = makeTimesteps(1000, 27, 'linspace');
  assert.equal(head(timesteps, 4), [999, 961, 922, 884]);
  assert.equal(tail(timesteps, 3), [77, 38, 0]);
});

test('trailing 16 steps rounds ties to even', () => {
  // 1000 - i * 62.5 hits x.5 at odd i: 937.5 -> 938, 812.5 -> 812, 687.5 -> 688, 562.5 -> 562, ...
  const timesteps = makeTimesteps(1000, 16, 'trailing');
  assert.equal(
    Array.from(timesteps),
    [999, 937, 874, 811, 749, 687, 624, 561, 499, 437, 374, 311, 249, 187, 124, 61],
  );
});

test('linspace 37 steps rounds ties to even', () => {
  // 999 * k / 36 = 27.75 k is x.5 for k = 30, 22, 14, 6: 832.5, 610.5, 388.5, 166.5.
  // Rounding half up would give 833, 611, 389, 167 instead.
  const timesteps = Array.from(makeTimesteps(1000, 37, 'linspace'));
  for (const expected of [832, 610, 388, 166]) assert.ok(timesteps.includes(expected), `missing ${expected}`);
  for (const halfUp of [833, 611, 389, 167]) assert.not.ok(timesteps.includes(halfUp), `unexpected ${halfUp}`);
});

test('all timesteps when S equals T', () => {
  for (const spacing of TIMESTEP_SPACINGS) {
    const timesteps = makeTimesteps(1000, 1000, spacing);
    for (let i = 0; i < 1000; i++) assert.is(timesteps[i], 999 - i, `${spacing} [${i}]`);
  }
});

test('rejects step counts outside [1, T]', () => {
  assert.throws(
    () => makeTimesteps(1000, 0, 'leading'),
    /^makeTimesteps: `numInferenceSteps` must be an integer in \[1, 1000\], got 0$/,
  );
  assert.throws(() => makeTimesteps(1000, 1001, 'leading'), /in \[1, 1000\], got 1001/);
  assert.throws(() => makeTimesteps(1000, 2.5, 'trailing'), /in \[1, 1000\], got 2\.5/);
  assert.throws(() => makeTimesteps(50, 51, 'linspace'), /in \[1, 50\], got 51/);
});

test('rejects an unknown spacing, listing valid names', () => {
  assert.throws(
    () => makeTimesteps(1000, 10, 'uniform'),
    /^makeTimesteps: unknown `timestepSpacing` 'uniform'; use one of leading, trailing, linspace$/,
  );
});

test.run();
