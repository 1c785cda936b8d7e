import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  DEFAULT_RELEASE_POLICY,
  licenseForbidsDerivatives,
  loadReleasePolicy,
  parseReleasePolicy,
} from '../../kernel-lib/release/policy';
import { assertThrows } from './helpers';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-release-policy-'));
test.after(() => fs.rmSync(work, { recursive: true, force: true }));

test('policy defaults', () => {
  assert.equal(DEFAULT_RELEASE_POLICY, {
    dcr: { minRatioToHoldout: 1 },
    exactCopies: { maxShare: 0 },
    membershipInference: { maxAuc: 0.55 },
    utility: { enabled: true, maxTstrAurocDrop: 0.1, maxDiscriminativeScore: 0.35, discriminativeFolds: 5, l2: 1 },
    imageFidelity: { enabled: true, k: 3, minPrecisionRatio: 0.5, minRecallRatio: 0.5 },
    attributeInference: { k: 5 },
    license: { rejectNoDerivatives: true },
  });
  assert.equal(parseReleasePolicy({}), DEFAULT_RELEASE_POLICY);
});

test('policy overrides keep the other defaults', () => {
  const policy = parseReleasePolicy({ membershipInference: { maxAuc: 0.6 }, utility: { enabled: false } });
  assert.is(policy.membershipInference.maxAuc, 0.6);
  assert.is(policy.utility.enabled, false);
  assert.is(policy.utility.maxTstrAurocDrop, 0.1);
  assert.is(policy.exactCopies.maxShare, 0);
  assert.is(policy.license.rejectNoDerivatives, true);
});

test('policy file read and validated', async () => {
  const file = path.join(work, 'policy.json');
  fs.writeFileSync(file, JSON.stringify({ dcr: { minRatioToHoldout: 1.5 } }));
  assert.is(loadReleasePolicy(file).dcr.minRatioToHoldout, 1.5);

  const cases: [string, RegExp][] = [
    ['{"membershipInference": {"maxAUC": 0.6}}', /invalid: membershipInference: Unrecognized key\(s\) in object: 'maxAUC'/],
    ['{"membershipInference": {"maxAuc": 2}}', /membershipInference\.maxAuc: Number must be less than or equal to 1 \(got 2\); fix those fields/],
    ['{"exactCopies": {"maxShare": -0.1}}', /exactCopies\.maxShare: Number must be greater than or equal to 0 \(got -0\.1\)/],
    ['{"utility": {"enabled": "no"}}', /utility\.enabled: Expected boolean, received string \(got "no"\)/],
    ['{"privacy": {}}', /\(root\): Unrecognized key\(s\) in object: 'privacy'/],
    ['[1, 2]', /must be a JSON object/],
    ['{"dcr": ', /is not valid JSON/],
  ];
  for (const [text, pattern] of cases) {
    fs.writeFileSync(file, text);
    await assertThrows(() => loadReleasePolicy(file), pattern);
  }
  await assertThrows(() => loadReleasePolicy(path.join(work, 'none.json')), /^loadReleasePolicy: policy file not found: .*none\.json; check the path, or leave out --policy/);
});

test('licences with a NoDerivatives term', () => {
  const forbidden = ['CC BY-NC-ND 4.0', 'CC BY-ND 4.0', 'CC-BY-NC-ND-4.0', 'cc-by-nd-3.0', 'Creative Commons Attribution-NoDerivatives 4.0', 'NoDerivs'];
  const allowed = ['CC BY 4.0', 'CC BY-NC-SA 4.0', 'ODC-BY 1.0', 'PhysioNet Credentialed Health Data License 1.5.0', 'MIT', 'Standard licence and terms'];
  for (const license of forbidden) assert.ok(licenseForbidsDerivatives(license), license);
  for (const license of allowed) assert.not.ok(licenseForbidsDerivatives(license), license);
});

test.run();
