import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseDicom, parseDicomHeader, readDicomFile } from '../../../kernel-lib/io/dicom/read-dicom';
import { toDisplayUint8 } from '../../../kernel-lib/io/png16';
import { setLogSink } from '../../../kernel-lib/util/log';
import { be16, grayDataset, le16, makeDicom, TRANSFER_SYNTAX } from './make-dicom';

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-read-dicom-'));
test.after(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

/** A 16-bit image with 12 bits stored, as CT scanners write it. */
const ct12 = (rows: number, columns: number, words: number[], overrides = {}) =>
  grayDataset(rows, columns, le16(words), { BitsStored: 12, HighBit: 11, ...overrides });

test('slope 0.5 and intercept -1024 rescale stored values', () => {
  const image = parseDicom(makeDicom(ct12(2, 2, [0, 1000, 2000, 4095], { RescaleSlope: 0.5, RescaleIntercept: -1024 })));
  // v = stored × 0.5 − 1024, exact in float32.
  assert.equal(Array.from(image.pixels), [-1024, -524, -24, 1023.5]);
  assert.is(image.height, 2);
  assert.is(image.width, 2);
  assert.is(image.rescaleSlope, 0.5);
  assert.is(image.rescaleIntercept, -1024);
  assert.equal(image.valueRange, { min: -1024, max: 1023.5 });
});

test('negative slope rescales and swaps the range', () => {
  const image = parseDicom(makeDicom(ct12(1, 3, [0, 100, 300], { RescaleSlope: -10, RescaleIntercept: 3000 })));
  assert.equal(Array.from(image.pixels), [3000, 2000, 0]);
  // Stored 0..4095 maps to 3000..−37950.
  assert.equal(image.valueRange, { min: -37950, max: 3000 });
});

test('missing rescale means slope 1 and intercept 0', () => {
  const image = parseDicom(makeDicom(ct12(1, 3, [0, 7, 4095])));
  assert.equal(Array.from(image.pixels), [0, 7, 4095]);
  assert.is(image.rescaleSlope, 1);
  assert.is(image.rescaleIntercept, 0);
});

test('MONOCHROME1 inverts after rescaling', () => {
  const dataset = ct12(1, 3, [0, 1000, 4095], { RescaleSlope: 0.5, RescaleIntercept: -1024, PhotometricInterpretation: 'MONOCHROME1' });
  const image = parseDicom(makeDicom(dataset));
  // Rescaled [−1024, −524, 1023.5]; BitsStored range [−1024, 1023.5]; v′ = −1024 + 1023.5 − v.
  assert.equal(Array.from(image.pixels), [1023.5, 523.5, -1024]);
  assert.is(image.photometricInterpretation, 'MONOCHROME1');
});

test('MONOCHROME1 window selects the same values', () => {
  const stored = [0, 80, 100, 117, 255];
  const window = { WindowCenter: 100, WindowWidth: 51 };
  const common = { BitsAllocated: 8, ...window };
  const mono2 = parseDicom(makeDicom(grayDataset(1, 5, Uint8Array.from(stored), common)));
  const mono1 = parseDicom(makeDicom(grayDataset(1, 5, Uint8Array.from(stored), { ...common, PhotometricInterpretation: 'MONOCHROME1' })));
  assert.equal(mono2.window, { center: 100, width: 51 });
  // Centre mirrored as min + max − c + 1 = 0 + 255 − 100 + 1.
  assert.equal(mono1.window, { center: 156, width: 51 });
  // The window spans [74.5, 124.5]; none of the stored values lands on a rounding tie there.
  const display2 = Array.from(toDisplayUint8(mono2.pixels, { window: mono2.window }));
  const display1 = Array.from(toDisplayUint8(mono1.pixels, { window: mono1.window }));
  assert.equal(display2, [0, 28, 130, 217, 255]);
  assert.equal(display1, display2.map((y) => 255 - y));
});

test('signed 12-bit values ignore bits above HighBit', () => {
  // Low 12 bits 0x800, 0xFFF, 0x000, 0x7FF under junk high bits; two's complement gives −2048, −1, 0, 2047.
  const image = parseDicom(makeDicom(ct12(2, 2, [0xa800, 0xffff, 0x5000, 0x37ff], { PixelRepresentation: 1 })));
  assert.equal(Array.from(image.pixels), [-2048, -1, 0, 2047]);
  assert.equal(image.valueRange, { min: -2048, max: 2047 });
  assert.is(image.pixelRepresentation, 1);
});

test('HighBit 15 with 12 bits stored reads the top bits', () => {
  // Stored value in bits 4..15, junk in bits 0..3.
  const image = parseDicom(makeDicom(ct12(1, 3, [(0 << 4) | 0xf, (1 << 4) | 0x3, (4095 << 4) | 0x9], { HighBit: 15 })));
  assert.equal(Array.from(image.pixels), [0, 1, 4095]);
  assert.is(image.highBit, 15);
});

test('unsigned 16-bit uses the full range', () => {
  const image = parseDicom(makeDicom(grayDataset(1, 3, le16([0, 258, 65535]))));
  assert.equal(Array.from(image.pixels), [0, 258, 65535]);
});

test('signed 8-bit values', () => {
  const image = parseDicom(makeDicom(grayDataset(2, 2, Uint8Array.from([0x80, 0xff, 0x00, 0x7f]), { BitsAllocated: 8, PixelRepresentation: 1 })));
  assert.equal(Array.from(image.pixels), [-128, -1, 0, 127]);
});

test('odd pixel count with padded 8-bit data', () => {
  // 3 × 3 = 9 bytes, which dcmjs pads to 10.
  const stored = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  const image = parseDicom(makeDicom(grayDataset(3, 3, Uint8Array.from(stored), { BitsAllocated: 8 })));
  assert.equal(Array.from(image.pixels), stored);
});

test('Implicit VR Little Endian reads like explicit', () => {
  const dataset = ct12(2, 2, [0, 1000, 2000, 4095], { RescaleSlope: 0.5, RescaleIntercept: -1024 });
  const messages: string[] = [];
  const previousSink = setLogSink((level, message) => messages.push(`${level}: ${message}`));
  const printed: string[] = [];
  const originals = { log: console.log, warn: console.warn, error: console.error, info: console.info, debug: console.debug };
  for (const method of Object.keys(originals) as (keyof typeof originals)[]) console[method] = (...args: unknown[]) => printed.push(args.join(' '));
  let image;
  try {
    image = parseDicom(makeDicom(dataset, TRANSFER_SYNTAX.implicitLittle));
  } finally {
    Object.assign(console, originals);
    setLogSink(previousSink);
  }
  assert.equal(Array.from(image.pixels), [-1024, -524, -24, 1023.5]);
  assert.is(image.transferSyntaxUid, TRANSFER_SYNTAX.implicitLittle);
  assert.is(image.transferSyntaxName, 'Implicit VR Little Endian');
  // dcmjs's warning about the open Pixel Data VR goes to medsynth's log, not the console.
  assert.equal(printed, []);
  assert.not.ok(messages.some((message) => message.startsWith('warn')), messages.join('\n'));
});

test('Explicit VR Big Endian 16-bit', () => {
  const dataset = grayDataset(2, 2, be16([0, 1000, 2000, 4095]), { BitsStored: 12, HighBit: 11, RescaleSlope: 0.5, RescaleIntercept: -1024 });
  const image = parseDicom(makeDicom(dataset, TRANSFER_SYNTAX.explicitBig));
  assert.equal(Array.from(image.pixels), [-1024, -524, -24, 1023.5]);
  assert.is(image.height, 2);
});

test('Explicit VR Big Endian 8-bit in OB', () => {
  const image = parseDicom(makeDicom(grayDataset(1, 3, Uint8Array.from([10, 20, 30]), { BitsAllocated: 8 }), TRANSFER_SYNTAX.explicitBig));
  assert.equal(Array.from(image.pixels), [10, 20, 30]);
});

test('Explicit VR Big Endian 8-bit in OW swaps bytes', () => {
  // Pixels 10, 20, 30 packed into little-endian words (20 << 8 | 10), (0 << 8 | 30), written big-endian.
  const dataset = grayDataset(1, 3, be16([(20 << 8) | 10, 30]), { BitsAllocated: 8, _vrMap: { PixelData: 'OW' } });
  const image = parseDicom(makeDicom(dataset, TRANSFER_SYNTAX.explicitBig));
  assert.equal(Array.from(image.pixels), [10, 20, 30]);
});

test('Deflated Explicit VR Little Endian', () => {
  const image = parseDicom(makeDicom(ct12(1, 3, [0, 100, 300], { RescaleSlope: -10, RescaleIntercept: 3000 }), TRANSFER_SYNTAX.deflatedLittle));
  assert.equal(Array.from(image.pixels), [3000, 2000, 0]);
  assert.is(image.transferSyntaxUid, TRANSFER_SYNTAX.deflatedLittle);
});

test('header attributes are returned without pixels', () => {
  const image = parseDicom(makeDicom(ct12(1, 1, [5], { WindowCenter: [40, 50], WindowWidth: [400, 500], NumberOfFrames: 1 })));
  assert.equal(image.window, { center: 40, width: 400 });
  assert.is(image.attributes.PixelData, undefined);
  assert.is(image.attributes.StudyInstanceUID, '1.2.3.4');
  assert.is(image.hasPixelData, true);
  assert.is(image.meta.TransferSyntaxUID, TRANSFER_SYNTAX.explicitLittle);
});

test('readDicomFile reads from disk', () => {
  const file = path.join(tmpDir, 'ct.dcm');
  fs.writeFileSync(file, makeDicom(ct12(1, 2, [1, 2])));
  const image = readDicomFile(file, { expectedSize: { height: 1, width: 2 } });
  assert.equal(Array.from(image.pixels), [1, 2]);
});

test('rejects data without the DICM marker', () => {
  const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array(200).fill(0)]);
  assert.throws(() => parseDicom(png), /^parseDicom: DICOM data: not a DICOM file: no 'DICM' marker at byte 128/);
  assert.throws(() => parseDicom(new Uint8Array(10), { source: 'tiny.bin' }), /^parseDicom: tiny\.bin: not a DICOM file/);
  assert.throws(() => parseDicomHeader(new Uint8Array(300)), /^parseDicomHeader: DICOM data: not a DICOM file/);
});

test('rejects compressed syntaxes by UID and name', () => {
  const cases: [string, RegExp, RegExp][] = [
    [TRANSFER_SYNTAX.jpegBaseline, /1\.2\.840\.10008\.1\.2\.4\.50 \(JPEG Baseline \(Process 1\)\)/, /dcmdjpeg in\.dcm out\.dcm/],
    [TRANSFER_SYNTAX.jpegLossless, /1\.2\.840\.10008\.1\.2\.4\.70 \(JPEG Lossless, Non-Hierarchical, First-Order Prediction/, /dcmdjpeg/],
    [TRANSFER_SYNTAX.jpeg2000, /1\.2\.840\.10008\.1\.2\.4\.90 \(JPEG 2000 \(Lossless Only\)\)/, /gdcmconv --raw in\.dcm out\.dcm/],
    [TRANSFER_SYNTAX.rle, /1\.2\.840\.10008\.1\.2\.5 \(RLE Lossless\)/, /dcmdrle/],
  ];
  // An encapsulated JPEG fragment: SOI and EOI markers only.
  const dataset = grayDataset(2, 2, Uint8Array.from([0xff, 0xd8, 0xff, 0xd9]), { BitsAllocated: 8 });
  for (const [syntax, named, tool] of cases) {
    const bytes = makeDicom(dataset, syntax);
    assert.throws(() => parseDicom(bytes), named, `expected ${syntax} to be named`);
    assert.throws(() => parseDicom(bytes), /is compressed, which is not supported/);
    assert.throws(() => parseDicom(bytes), /gdcmconv --raw/);
    assert.throws(() => parseDicom(bytes), tool);
  }
});

test('header of a compressed file still parses', () => {
  const header = parseDicomHeader(makeDicom(grayDataset(2, 2, Uint8Array.from([0xff, 0xd8, 0xff, 0xd9]), { BitsAllocated: 8 }), TRANSFER_SYNTAX.jpegBaseline));
  assert.is(header.transferSyntaxName, 'JPEG Baseline (Process 1)');
  assert.is(header.attributes.Rows, 2);
  assert.is(header.hasPixelData, true);
});

test('rejects an unknown transfer syntax', () => {
  const bytes = makeDicom(ct12(1, 1, [0]), '1.2.3.4.999');
  assert.throws(() => parseDicom(bytes), /transfer syntax "1\.2\.3\.4\.999" is not supported; supported: 1\.2\.840\.10008\.1\.2 \(Implicit VR Little Endian\)/);
});

test('rejects multi-frame images', () => {
  const bytes = makeDicom(ct12(1, 1, [0, 0], { NumberOfFrames: 2 }));
  assert.throws(() => parseDicom(bytes), /^parseDicom: DICOM data: NumberOfFrames is 2; multi-frame images are not supported/);
});

test('rejects colour images', () => {
  const rgb = grayDataset(1, 1, Uint8Array.from([255, 0, 0]), { BitsAllocated: 8, SamplesPerPixel: 3, PhotometricInterpretation: 'RGB', PlanarConfiguration: 0 });
  assert.throws(() => parseDicom(makeDicom(rgb)), /SamplesPerPixel is 3 \(PhotometricInterpretation RGB\); colour images are not supported/);
  const palette = grayDataset(1, 1, Uint8Array.from([3]), { BitsAllocated: 8, PhotometricInterpretation: 'PALETTE COLOR' });
  assert.throws(() => parseDicom(makeDicom(palette)), /PhotometricInterpretation "PALETTE COLOR" is not supported; expected one of MONOCHROME1, MONOCHROME2/);
});

test('rejects missing pixel data', () => {
  const bytes = makeDicom(ct12(1, 1, [0], { PixelData: undefined }));
  assert.throws(() => parseDicom(bytes), /missing Pixel Data \(7FE0,0010\)/);
  assert.is(parseDicomHeader(bytes).hasPixelData, false);
});

test('rejects short pixel data', () => {
  const bytes = makeDicom(ct12(2, 2, [1, 2]));
  assert.throws(() => parseDicom(bytes), /Pixel Data has 4 bytes, but 2 × 2 pixels of 16 bits need 8; the file is truncated/);
});

test('rejects another size than expected', () => {
  const bytes = makeDicom(ct12(2, 3, [0, 0, 0, 0, 0, 0]));
  assert.throws(
    () => parseDicom(bytes, { expectedSize: { height: 28, width: 28 }, source: 'a.dcm' }),
    /^parseDicom: a\.dcm: the image is 2 rows × 3 columns, expected 28 × 28/,
  );
  assert.throws(() => parseDicom(bytes, { expectedSize: { height: 0, width: 28 } }), /`expectedSize` must have positive integer height and width/);
});

test('rejects inconsistent bit fields', () => {
  assert.throws(() => parseDicom(makeDicom(ct12(1, 1, [0], { HighBit: 5 }))), /HighBit must be an integer in \[11, 15\], got 5/);
  assert.throws(() => parseDicom(makeDicom(ct12(1, 1, [0], { BitsStored: 17 }))), /BitsStored must be an integer in \[1, 16\], got 17/);
  assert.throws(() => parseDicom(makeDicom(ct12(1, 1, [0], { Rows: undefined }))), /missing Rows/);
  assert.throws(() => parseDicom(makeDicom(ct12(1, 1, [0], { SamplesPerPixel: undefined }))), /missing SamplesPerPixel/);
  assert.throws(() => parseDicom(makeDicom(ct12(1, 1, [0], { RescaleSlope: 0 }))), /RescaleSlope must be a non-zero number/);
});

test('readDicomFile names a missing file', () => {
  assert.throws(() => readDicomFile(path.join(tmpDir, 'absent.dcm')), /^readDicomFile: file not found: .*absent\.dcm/);
});

test.run();
