import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encode } from 'fast-png';
import { makeDemoDataset } from '../../kernel-lib/data/demo';
import { classCounts, ImageDataset } from '../../kernel-lib/data/image-dataset';
import { getDatasetInfo, listDatasets, loadImageDataset } from '../../kernel-lib/data/registry';
import { npy, writeNpz } from '../helpers/npz-writer';

// The compiled test runs from dist/test/data, so the project root is three levels up.
const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..');

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-registry-'));
test.after(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

test('registry lists the known datasets', () => {
  assert.equal(listDatasets().map((info) => info.name), ['breastmnist', 'chest-phantom', 'demo', 'pneumoniamnist']);
});

test('pneumoniamnist entry has classes, license and download', () => {
  const info = getDatasetInfo('pneumoniamnist');
  assert.equal(info.classNames, ['normal', 'pneumonia']);
  assert.is(info.license, 'CC BY 4.0');
  assert.match(info.citation!, 'Scientific Data 2023;10:41');
  assert.match(info.citation!, 'Cell 2018;172(5):1122-1131');
  assert.is(info.download!.url, 'https://zenodo.org/records/6496656/files/pneumoniamnist.npz');
  assert.is(info.download!.md5, '28209eda62fecd6e6a2d98b1501bb15f');
});

test('breastmnist entry has its classes and md5', () => {
  const info = getDatasetInfo('breastmnist');
  assert.equal(info.classNames, ['malignant', 'normal or benign']);
  assert.match(info.citation!, 'Data in Brief 2020;28:104863');
  assert.is(info.download!.md5, '750601b1f35ba3300ea97c75c52ff8f6');
});

test('unknown name lists known names and mentions paths', () => {
  assert.throws(() => getDatasetInfo('chestmnist'), (err: Error) => {
    assert.match(err.message, 'getDatasetInfo: unknown dataset "chestmnist"; known datasets: breastmnist, chest-phantom, demo, pneumoniamnist');
    assert.match(err.message, 'a path to a .npz file or to a folder of PNG images');
    return true;
  });
});

test('demo name generates the seeded demo set', () => {
  const ds = loadImageDataset('demo', { seed: 9 });
  const expected = makeDemoDataset({ seed: 9 });
  assert.is(ds.name, 'demo');
  assert.ok(Buffer.from(ds.splits.train.images).equals(Buffer.from(expected.splits.train.images)));
});

test('npz path loads as MedMNIST', () => {
  const filePath = writeNpz(path.join(tmpDir, 'tiny.npz'), {
    'train_images.npy': npy('|u1', [2, 1, 2], Uint8Array.from([1, 2, 3, 4])),
    'train_labels.npy': npy('|u1', [2, 1], Uint8Array.from([1, 0])),
  });
  const ds = loadImageDataset(filePath);
  assert.is(ds.name, 'tiny');
  assert.is(ds.height, 1);
  assert.is(ds.width, 2);
  assert.equal(Array.from(ds.splits.train.labels), [1, 0]);
  assert.equal(Array.from(ds.splits.train.images), [1, 2, 3, 4]);
});

test('a registered name with a path reads that file under the registry\'s class names and licence', () => {
  const filePath = writeNpz(path.join(tmpDir, 'copy-of-pneumoniamnist.npz'), {
    'train_images.npy': npy('|u1', [2, 1, 2], Uint8Array.from([1, 2, 3, 4])),
    'train_labels.npy': npy('|u1', [2, 1], Uint8Array.from([1, 0])),
  });
  const ds = loadImageDataset('pneumoniamnist', { path: filePath });
  assert.is(ds.name, 'pneumoniamnist');
  assert.equal(ds.classNames, ['normal', 'pneumonia']);
  assert.is(ds.license, getDatasetInfo('pneumoniamnist').license);
  assert.equal(Array.from(ds.splits.train.images), [1, 2, 3, 4]);
});

test('invalid dataset path is rejected', () => {
  assert.throws(() => loadImageDataset('pneumoniamnist', { path: path.join(tmpDir, 'missing.npz') }), /the file given for 'pneumoniamnist', .*missing\.npz, does not exist/);
  assert.throws(() => loadImageDataset('demo', { path: 'x.npz' }), /'demo' is generated at run time, so `path` \(x\.npz\) does not apply/);
});

test('folder path loads PNG images', () => {
  const root = path.join(tmpDir, 'pngs');
  for (const [className, value] of [['a', 10], ['b', 20]] as const) {
    fs.mkdirSync(path.join(root, className), { recursive: true });
    const png = encode({ width: 2, height: 2, data: new Uint8Array(4).fill(value), channels: 1, depth: 8 });
    fs.writeFileSync(path.join(root, className, 'x.png'), png);
  }
  const ds = loadImageDataset(root);
  assert.equal(ds.classNames, ['a', 'b']);
  assert.equal(Array.from(ds.splits.train.images), [10, 10, 10, 10, 20, 20, 20, 20]);
});

test('other values are rejected naming them', () => {
  assert.throws(() => loadImageDataset('pneumonia-mnist'), /loadImageDataset: "pneumonia-mnist" is not a registered dataset/);
  assert.throws(() => loadImageDataset(''), /`nameOrPath` must be a dataset name or a path, got ""/);
});

test('missing local copy names candidates, url and md5', () => {
  const root = path.join(tmpDir, 'project');
  fs.mkdirSync(path.join(root, 'datasets'), { recursive: true });
  fs.copyFileSync(path.join(PROJECT_ROOT, 'datasets', 'registry.json'), path.join(root, 'datasets', 'registry.json'));
  assert.throws(() => loadImageDataset('breastmnist', { projectRoot: root }), (err: Error) => {
    assert.match(err.message, `loadImageDataset: no local copy of 'breastmnist'; looked for ${path.resolve(root, '../shared/datasets/breastmnist/breastmnist.npz')}`);
    assert.match(err.message, 'https://zenodo.org/records/6496656/files/breastmnist.npz');
    assert.match(err.message, 'md5 750601b1f35ba3300ea97c75c52ff8f6');
    return true;
  });
});

test('invalid registry file is reported', () => {
  const root = path.join(tmpDir, 'bad-project');
  fs.mkdirSync(path.join(root, 'datasets'), { recursive: true });
  fs.writeFileSync(path.join(root, 'datasets', 'registry.json'), JSON.stringify({ datasets: { x: { kind: 'tarball' } } }));
  assert.throws(() => listDatasets({ projectRoot: root }), /listDatasets: dataset registry .* is invalid: datasets\.x\.title/);
});

// Real developer copies, when present next to the project (the first of each entry's localCandidates).
const REAL_SETS: [string, string, Record<string, [number, number]>][] = [
  ['pneumoniamnist', 'pneumoniamnist.npz', { train: [1032, 2970], val: [115, 331], test: [199, 332] }],
  ['breastmnist', 'breastmnist.npz', { train: [118, 319], val: [17, 46], test: [34, 91] }],
];
for (const [name, fileName, expected] of REAL_SETS) {
  const filePath = path.resolve(PROJECT_ROOT, '..', 'shared', 'datasets', name, fileName);
  test(`${name} developer copy has documented counts`, () => {
    if (!fs.existsSync(filePath)) {
      console.log(`skipping ${name} check: ${filePath} is absent`);
      return;
    }
    const ds: ImageDataset = loadImageDataset(name);
    assert.is(ds.height, 28);
    assert.is(ds.width, 28);
    assert.is(ds.source, filePath);
    assert.is(ds.license, 'CC BY 4.0');
    for (const split of ['train', 'val', 'test'] as const) {
      // The developer copy's documented counts: the official splits minus the held-out images.
      assert.equal(classCounts(ds.splits[split]!, 2), expected[split], `${name} ${split}`);
      assert.is(ds.splits[split]!.count, expected[split][0] + expected[split][1], `${name} ${split} total`);
    }
  });
}

test.run();
