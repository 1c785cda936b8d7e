import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { selectBackend } from '../../kernel-lib/backend/select';
import {
  densityRatioMembershipAttack,
  distanceMembershipAttack,
  summarizeMembershipScores,
} from '../../kernel-lib/privacy/membership-inference';
import { RecordSet } from '../../kernel-lib/privacy/records';
import { Random } from '../../kernel-lib/util/random';
import { assertClose, assertRejects, records } from './helpers';

test.before(async () => {
  await selectBackend({ backend: 'cpu' });
});

const description = { featureSpace: 'toy standard normal', scaling: 'none' };

function normalRecords(random: Random, numRecords: number, numFeatures: number): RecordSet {
  const data = new Float64Array(numRecords * numFeatures);
  for (let i = 0; i < data.length; i++) data[i] = random.normal();
  return { data, numRecords, numFeatures };
}

// Null distribution of the AUC: with members and non-members drawn from the same population and
// the synthetic data independent of both, their scores are exchangeable, and the AUC (a
// Mann-Whitney statistic) has mean 0.5 and standard deviation √((m + n + 1) / (12 m n)) = 0.029
// for m = n = 200. The tolerance is four standard deviations.
const NULL_AUC_TOLERANCE = 4 * Math.sqrt(401 / (12 * 200 * 200));

test('AUC and advantage on a hand case', () => {
  // Pairs (member, non-member): 0.9 beats all three; 0.4 beats 0.1, ties 0.4 and loses to 0.6,
  // so AUC = (3 + 1.5) / 6. At threshold 0.9: TPR 1/2, FPR 0, the largest TPR − FPR.
  const summary = summarizeMembershipScores([0.9, 0.4], [0.6, 0.1, 0.4]);
  assert.is(summary.auc, 0.75);
  assert.is(summary.advantage, 0.5);
  assert.is(summary.advantageThreshold, 0.9);
});

test('distance attack on a hand case', async () => {
  // Scores are minus the distance to the nearest synthetic point: members −1, −0.5 and
  // non-members −5, −0.5, −10. AUC = (2 + 2.5) / 6; at threshold −1, TPR − FPR = 1 − 1/3.
  const report = await distanceMembershipAttack({
    ...description,
    synthetic: records([[0], [10]]),
    members: records([[1], [9.5]]),
    nonMembers: records([[5], [0.5], [20]]),
  });
  assert.equal(Array.from(report.memberScores), [-1, -0.5]);
  assert.equal(Array.from(report.nonMemberScores), [-5, -0.5, -10]);
  assert.is(report.auc, 0.75);
  assertClose(report.advantage, 2 / 3, 1e-15, 'advantage');
  assert.is(report.advantageThreshold, -1);
  assert.is(report.attack, 'distance');
  assert.is(report.featureSpace, description.featureSpace);
});

test('copied members are found by both attacks', async () => {
  // 8 features and 50 records: nearest neighbours lie about 2.5 apart, Scott's bandwidth is
  // about 0.7, so the kernel on each copied member dominates the synthetic density there.
  const random = new Random(21);
  const members = normalRecords(random, 50, 8);
  const nonMembers = normalRecords(random, 50, 8);
  const reference = normalRecords(random, 100, 8);
  const synthetic = { ...members, data: members.data.slice() };

  const distance = await distanceMembershipAttack({ ...description, synthetic, members, nonMembers });
  assert.is(distance.auc, 1);
  assert.is(distance.advantage, 1);

  const density = densityRatioMembershipAttack({ ...description, synthetic, members, nonMembers, reference });
  assert.ok(density.auc > 0.95, `expected density-ratio AUC near 1, got ${density.auc}`);
});

test('independent synthetic data gives AUC near 0.5', async () => {
  const random = new Random(22);
  const members = normalRecords(random, 200, 4);
  const nonMembers = normalRecords(random, 200, 4);
  const reference = normalRecords(random, 200, 4);
  const synthetic = normalRecords(random, 200, 4);

  const distance = await distanceMembershipAttack({ ...description, synthetic, members, nonMembers });
  assertClose(distance.auc, 0.5, NULL_AUC_TOLERANCE, 'distance attack AUC');
  const density = densityRatioMembershipAttack({ ...description, synthetic, members, nonMembers, reference });
  assertClose(density.auc, 0.5, NULL_AUC_TOLERANCE, 'density-ratio attack AUC');
});

test('density-ratio score is the log density ratio', () => {
  // One feature; reference [-1, 1] has mean 0 and standard deviation √2, so standardised values
  // are x / √2. With bandwidth 1 (standardised units) both KDEs are one or two unit Gaussians.
  const report = densityRatioMembershipAttack({
    ...description,
    synthetic: records([[0]]),
    reference: records([[-1], [1]]),
    members: records([[0]]),
    nonMembers: records([[2]]),
    bandwidth: 1,
  });
  const logNormal = (z: number) => -0.5 * z * z - 0.5 * Math.log(2 * Math.PI);
  const score = (x: number) => {
    const z = x / Math.SQRT2;
    const synthetic = logNormal(z);
    const reference = Math.log(0.5 * Math.exp(logNormal(z + 1 / Math.SQRT2)) + 0.5 * Math.exp(logNormal(z - 1 / Math.SQRT2)));
    return synthetic - reference;
  };
  assertClose(report.memberScores[0], score(0), 1e-12, 'member score');
  assertClose(report.nonMemberScores[0], score(2), 1e-12, 'non-member score');
});

test('distance attack leaves the tensor count unchanged', async () => {
  const before = tf.memory().numTensors;
  await distanceMembershipAttack({ ...description, synthetic: records([[0], [1]]), members: records([[2]]), nonMembers: records([[3]]) });
  assert.is(tf.memory().numTensors, before);
});

test('rejects overlapping members and non-members', async () => {
  await assertRejects(
    () => distanceMembershipAttack({ ...description, synthetic: records([[0]]), members: records([[1], [2]]), nonMembers: records([[3], [2]]) }),
    /distanceMembershipAttack: `nonMembers` overlaps `members`: 1 of its 2 rows are identical to a members row, the first nonMembers row 1 = members row 1/,
  );
});

test('rejects a reference set that overlaps the members', () => {
  assert.throws(
    () =>
      densityRatioMembershipAttack({
        ...description,
        synthetic: records([[0]]),
        members: records([[1]]),
        nonMembers: records([[3]]),
        reference: records([[1], [4]]),
      }),
    /densityRatioMembershipAttack: `reference` overlaps `members`/,
  );
});

test('rejects NaN and mismatched features', async () => {
  await assertRejects(
    () => distanceMembershipAttack({ ...description, synthetic: records([[0, 1]]), members: records([[1]]), nonMembers: records([[3]]) }),
    /`members` has 1 features but `synthetic` has 2/,
  );
  assert.throws(
    () =>
      densityRatioMembershipAttack({
        ...description,
        synthetic: records([[0]]),
        members: records([[1]]),
        nonMembers: records([[NaN]]),
        reference: records([[5], [6]]),
      }),
    /`nonMembers` contains 1 non-finite value\(s\) \(NaN or ±Infinity\), the first NaN at row 0, column 0/,
  );
});

test.run();
