import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadDicomFolder } from '../../../kernel-lib/io/dicom/dicom-folder';
import { newSyntheticSeries, syntheticMarkBox, writeSyntheticDicom } from '../../../kernel-lib/io/dicom/write-dicom';
import { grayDataset, le16, makeDicom } from './make-dicom';

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-dicom-folder-'));
test.after(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

/** An 8 × 8 image whose pixel i is (start + i) mod 256. */
const ramp = (start: number) => Uint8Array.from({ length: 64 }, (_, i) => (start + i) % 256);

function writeSynthetic(filePath: string, pixels: Uint8Array | Uint16Array, size = 8): void {
  writeSyntheticDicom(filePath, { pixels, height: size, width: size, series: newSyntheticSeries(), instanceNumber: 1 });
}

/** Pixels of an 8 × 8 image at and below row 7, which the 5 × 7 mark box leaves untouched. */
const lastRow = (images: Uint8Array, index: number) => Array.from(images.subarray(64 * index + 56, 64 * index + 64));

function writeCt(filePath: string, words: number[], overrides = {}): void {
  fs.mkdirSync(path.dirname(filePath), { recursive: true });
  const dataset = grayDataset(1, 4, le16(words), { BitsStored: 12, HighBit: 11, RescaleSlope: 1, RescaleIntercept: -1024, ...overrides });
  fs.writeFileSync(filePath, makeDicom(dataset));
}

test('class folders load synthetic files', () => {
  const root = path.join(tmpDir, 'classes');
  writeSynthetic(path.join(root, 'normal', 'b.dcm'), ramp(100));
  writeSynthetic(path.join(root, 'normal', 'a.DCM'), ramp(0));
  writeSynthetic(path.join(root, 'lesion', 'IM0001'), ramp(200)); // no extension, found by its DICM marker
  fs.writeFileSync(path.join(root, 'lesion', 'README'), 'not DICOM');
  fs.writeFileSync(path.join(root, 'lesion', 'notes.txt'), 'ignored');
  fs.writeFileSync(path.join(root, 'lesion', '.hidden.dcm'), 'ignored');
  fs.writeFileSync(path.join(root, 'lesion', 'DICOMDIR'), 'ignored');

  const ds = loadDicomFolder(root);
  assert.is(ds.name, 'classes');
  assert.is(ds.height, 8);
  assert.is(ds.width, 8);
  assert.equal(ds.classNames, ['lesion', 'normal']);
  assert.is(ds.splits.train.count, 3);
  assert.equal(Array.from(ds.splits.train.labels), [0, 1, 1]);
  assert.is(ds.splits.val, undefined);
  // 8-bit files keep their values under 'stored-range'; files in code-point order a.DCM, b.dcm.
  assert.equal(syntheticMarkBox(8, 8), { top: 0, left: 0, height: 7, width: 5 });
  assert.equal(lastRow(ds.splits.train.images, 0), Array.from(ramp(200).subarray(56)));
  assert.equal(lastRow(ds.splits.train.images, 1), Array.from(ramp(0).subarray(56)));
  assert.equal(lastRow(ds.splits.train.images, 2), Array.from(ramp(100).subarray(56)));
});

test('16-bit synthetic files scale back to 8 bits', () => {
  const root = path.join(tmpDir, 'sixteen');
  const pixels = ramp(3);
  writeSynthetic(path.join(root, 'only', 'x.dcm'), Uint16Array.from(pixels, (v) => v * 257));
  const ds = loadDicomFolder(root);
  // round(v × 257 × 255 / 65535) = v.
  assert.equal(lastRow(ds.splits.train.images, 0), Array.from(pixels.subarray(56)));
});

test('split folders load into splits', () => {
  const root = path.join(tmpDir, 'splits');
  writeSynthetic(path.join(root, 'train', 'a', '1.dcm'), ramp(0));
  writeSynthetic(path.join(root, 'train', 'b', '1.dcm'), ramp(1));
  writeSynthetic(path.join(root, 'test', 'b', '1.dcm'), ramp(2));
  const ds = loadDicomFolder(root, { name: 'split-set' });
  assert.is(ds.name, 'split-set');
  assert.is(ds.splits.train.count, 2);
  assert.is(ds.splits.test!.count, 1);
  assert.equal(Array.from(ds.splits.test!.labels), [1]);
  assert.is(ds.splits.val, undefined);
});

test('scalings map CT values to 8 bits', () => {
  const root = path.join(tmpDir, 'ct');
  // Stored [24, 1024, 1064, 2024] − 1024 = [−1000, 0, 40, 1000] HU; BitsStored 12 spans [−1024, 3071].
  writeCt(path.join(root, 'chest', 'a.dcm'), [24, 1024, 1064, 2024], { WindowCenter: 40, WindowWidth: 400 });

  // 'stored-range': y = round(255 × (x + 1024) / 4095): 1.49 → 1, 63.77 → 64, 66.26 → 66, 126.04 → 126.
  assert.equal(Array.from(loadDicomFolder(root).splits.train.images), [1, 64, 66, 126]);
  // 'image-min-max': y = round(255 × (x + 1000) / 2000): 0, 127.5 → 128, 132.6 → 133, 255.
  assert.equal(Array.from(loadDicomFolder(root, { scaling: 'image-min-max' }).splits.train.images), [0, 128, 133, 255]);
  // 'file-window' c 40, w 400: [c − 0.5 − 199.5, c − 0.5 + 199.5] = [−160, 239], y = round(255 × (x + 160) / 399):
  // clipped 0, 102.26 → 102, 127.82 → 128, clipped 255.
  assert.equal(Array.from(loadDicomFolder(root, { scaling: 'file-window' }).splits.train.images), [0, 102, 128, 255]);
  // Explicit window c 0, w 2001: [−1000.5, 999.5], y = round(255 × (x + 1000.5) / 2000): 0.06 → 0, 127.56 → 128, 132.66 → 133, 255.
  assert.equal(Array.from(loadDicomFolder(root, { window: { center: 0, width: 2001 } }).splits.train.images), [0, 128, 133, 255]);
});

test('file-window needs a window in each file', () => {
  const root = path.join(tmpDir, 'no-window');
  writeCt(path.join(root, 'chest', 'a.dcm'), [0, 1, 2, 3]);
  assert.throws(() => loadDicomFolder(root, { scaling: 'file-window' }), /^loadDicomFolder: .*a\.dcm has no WindowCenter\/WindowWidth for scaling 'file-window'/);
});

test('rejects images of different sizes', () => {
  const root = path.join(tmpDir, 'sizes');
  writeSynthetic(path.join(root, 'a', '1.dcm'), ramp(0));
  writeSynthetic(path.join(root, 'b', '1.dcm'), new Uint8Array(100), 10);
  assert.throws(() => loadDicomFolder(root), /b\/1\.dcm is 10 rows × 10 columns but .*a\/1\.dcm is 8 × 8; all images must have one size/);
  assert.throws(() => loadDicomFolder(root, { expectedSize: { height: 10, width: 10 } }), /^readDicomFile: .*a\/1\.dcm: the image is 8 rows × 8 columns, expected 10 × 10/);
});

test('rejects bad folders and options', () => {
  assert.throws(() => loadDicomFolder(path.join(tmpDir, 'absent')), /^loadDicomFolder: folder not found: .*absent/);
  const empty = path.join(tmpDir, 'empty-class');
  fs.mkdirSync(path.join(empty, 'a'), { recursive: true });
  fs.writeFileSync(path.join(empty, 'a', 'notes.txt'), 'x');
  assert.throws(() => loadDicomFolder(empty), /class folder .*empty-class\/a contains no DICOM files/);
  assert.throws(() => loadDicomFolder(empty, { scaling: 'auto' as never }), /`scaling` must be one of stored-range, image-min-max, file-window, got "auto"/);
});

test('rejects a compressed file by name', () => {
  const root = path.join(tmpDir, 'compressed');
  fs.mkdirSync(path.join(root, 'a'), { recursive: true });
  const jpeg = makeDicom(grayDataset(2, 2, Uint8Array.from([0xff, 0xd8, 0xff, 0xd9]), { BitsAllocated: 8 }), '1.2.840.10008.1.2.4.50');
  fs.writeFileSync(path.join(root, 'a', 'x.dcm'), jpeg);
  assert.throws(() => loadDicomFolder(root), /x\.dcm: transfer syntax 1\.2\.840\.10008\.1\.2\.4\.50 \(JPEG Baseline \(Process 1\)\) is compressed/);
});

test.run();
