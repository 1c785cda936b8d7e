import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseDicom, readDicomFile } from '../../../kernel-lib/io/dicom/read-dicom';
import { isValidUid, MEDSYNTH_IMPLEMENTATION_CLASS_UID, SECONDARY_CAPTURE_SOP_CLASS_UID } from '../../../kernel-lib/io/dicom/uid';
import {
  burnInSyntheticMark,
  encodeDicomFile,
  encodeSyntheticDicom,
  newSyntheticSeries,
  PixelBox,
  SyntheticDicomImage,
  syntheticMarkBox,
  writeSyntheticDicom,
} from '../../../kernel-lib/io/dicom/write-dicom';
import { Random } from '../../../kernel-lib/util/random';
import { RawElement, walkExplicitLittle } from './make-dicom';

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-write-dicom-'));
test.after(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

const TEXT_VRS = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UT']);

function randomPixels(count: number, max: number, seed: number): number[] {
  const random = new Random(seed);
  return Array.from({ length: count }, () => random.int(max + 1));
}

function image8(height: number, width: number, seed = 1): SyntheticDicomImage {
  return {
    pixels: Uint8Array.from(randomPixels(height * width, 255, seed)),
    height,
    width,
    series: newSyntheticSeries(),
    instanceNumber: 1,
    details: { Class: 'effusion', Seed: '0' },
  };
}

function elementsByTag(bytes: Uint8Array): Map<string, RawElement> {
  return new Map(walkExplicitLittle(bytes).map((element) => [element.tag, element]));
}

/** Returns the value of a text element without its padding. */
function textOf(elements: Map<string, RawElement>, tag: string): string | undefined {
  return elements.get(tag)?.value.toString('latin1').replace(/[ \0]+$/, '');
}

/** Draws pixels as '#' (white), '.' (black) or '-' (anything else). */
function asciiArt(values: ArrayLike<number>, white: number): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (values[i] === white) line += '#';
    else if (values[i] === 0) line += '.';
    else line += '-';
  }
  return line;
}

function outsideBox(box: PixelBox, width: number, values: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const y = Math.floor(i / width);
    const x = i % width;
    const inside = y >= box.top && y < box.top + box.height && x >= box.left && x < box.left + box.width;
    if (!inside) out.push(values[i]);
  }
  return out;
}

test('PatientName Doe^J is padded with a space', () => {
  const bytes = encodeDicomFile({ SOPClassUID: SECONDARY_CAPTURE_SOP_CLASS_UID, SOPInstanceUID: '1.2.3.4.5.6', PatientName: 'Doe^J', StudyInstanceUID: '1.2.3.4.5' });
  const name = elementsByTag(bytes).get('0010,0010')!;
  assert.is(name.vr, 'PN');
  assert.is(name.value.length, 6);
  assert.is(name.value[5], 0x20);
  assert.is(name.value.toString('latin1', 0, 5), 'Doe^J');
});

test('StudyInstanceUID 1.2.3.4.5 is padded with NUL', () => {
  const image = image8(8, 8);
  image.series = { ...image.series, studyInstanceUid: '1.2.3.4.5' };
  const uid = elementsByTag(encodeSyntheticDicom(image)).get('0020,000D')!;
  assert.is(uid.vr, 'UI');
  assert.is(uid.value.length, 10);
  assert.is(uid.value[9], 0x00);
  assert.is(uid.value.toString('latin1', 0, 9), '1.2.3.4.5');
});

test('every value length is even', () => {
  // 9 × 9 = 81 bytes of 8-bit pixel data, padded to 82.
  const elements = walkExplicitLittle(encodeSyntheticDicom(image8(9, 9)));
  for (const element of elements) {
    assert.is(element.value.length % 2, 0, `${element.tag} ${element.vr} has odd length ${element.value.length}`);
    if (element.vr === 'UI' && element.value.length > 0) {
      const last = element.value[element.value.length - 1];
      assert.ok(last === 0x00 || (last >= 0x30 && last <= 0x39), `${element.tag}: UI padded with byte ${last}`);
    }
    if (TEXT_VRS.has(element.vr)) {
      assert.not.ok(element.value.includes(0x00), `${element.tag} ${element.vr} contains a NUL byte`);
    }
  }
  const pixelData = elements.find((element) => element.tag === '7FE0,0010')!;
  assert.is(pixelData.vr, 'OB');
  assert.is(pixelData.value.length, 82);
});

test('synthetic file has the Secondary Capture attributes', () => {
  const elements = elementsByTag(encodeSyntheticDicom(image8(8, 8)));
  const expected: [string, string][] = [
    ['0002,0002', SECONDARY_CAPTURE_SOP_CLASS_UID],
    ['0002,0010', '1.2.840.10008.1.2.1'],
    ['0002,0012', MEDSYNTH_IMPLEMENTATION_CLASS_UID],
    ['0008,0008', 'DERIVED\\SECONDARY'],
    ['0008,0016', SECONDARY_CAPTURE_SOP_CLASS_UID],
    ['0008,0060', 'OT'],
    ['0008,0064', 'SYN'],
    ['0010,0010', 'SYNTHETIC^IMAGE'],
    ['0010,0020', 'SYNTHETIC'],
    ['0012,0062', 'YES'],
    ['0028,0004', 'MONOCHROME2'],
    ['0028,0301', 'NO'],
  ];
  for (const [tag, value] of expected) assert.is(textOf(elements, tag), value, tag);
  assert.match(textOf(elements, '0008,103E')!, /^SYNTHETIC/);
  assert.match(textOf(elements, '0012,0063')!, /SYNTHETIC/);
  assert.match(textOf(elements, '0020,4000')!, /^SYNTHETIC IMAGE generated by a diffusion model; not a real patient image\. Class: effusion\. Seed: 0$/);
  // Bits: 8 allocated, 8 stored, high bit 7, unsigned.
  assert.equal(['0028,0100', '0028,0101', '0028,0102', '0028,0103'].map((tag) => elements.get(tag)!.value.readUInt16LE(0)), [8, 8, 7, 0]);
});

test('synthetic file stores no date, time or real identifier', () => {
  const elements = elementsByTag(encodeSyntheticDicom(image8(8, 8)));
  // StudyDate, StudyTime and AccessionNumber are type 2: present and empty.
  for (const tag of ['0008,0020', '0008,0030', '0008,0050', '0010,0030']) assert.is(elements.get(tag)?.value.length, 0, tag);
  // InstanceCreationDate/Time, ContentDate/Time, AcquisitionDateTime and Frame of Reference are absent.
  for (const tag of ['0008,0012', '0008,0013', '0008,0023', '0008,0033', '0008,002A', '0020,0052']) assert.not.ok(elements.has(tag), tag);
  for (const tag of ['0008,0018', '0020,000D', '0020,000E']) {
    const uid = textOf(elements, tag)!;
    assert.ok(isValidUid(uid), `${tag}: ${uid}`);
    assert.ok(uid.startsWith('2.25.'), `${tag}: ${uid}`);
  }
});

test('16-bit image is written as OW with 16 bits stored', () => {
  const pixels = Uint16Array.from(randomPixels(64, 65535, 2));
  const elements = elementsByTag(encodeSyntheticDicom({ pixels, height: 8, width: 8, series: newSyntheticSeries(), instanceNumber: 3 }));
  assert.is(elements.get('7FE0,0010')!.vr, 'OW');
  assert.equal(['0028,0100', '0028,0101', '0028,0102'].map((tag) => elements.get(tag)!.value.readUInt16LE(0)), [16, 16, 15]);
  assert.is(textOf(elements, '0020,0013'), '3');
});

test('8-bit round trip keeps pixels outside the mark', () => {
  const image = image8(28, 28, 5);
  const decoded = parseDicom(encodeSyntheticDicom(image));
  const box = syntheticMarkBox(28, 28);
  assert.equal(outsideBox(box, 28, decoded.pixels), outsideBox(box, 28, image.pixels));
  assert.is(decoded.height, 28);
  assert.is(decoded.width, 28);
  assert.is(decoded.photometricInterpretation, 'MONOCHROME2');
  assert.is(decoded.bitsStored, 8);
  assert.equal(decoded.valueRange, { min: 0, max: 255 });
});

test('16-bit round trip keeps full depth', () => {
  const pixels = Uint16Array.from(randomPixels(64 * 64, 65535, 6));
  pixels[64 * 63 + 63] = 65535;
  pixels[64 * 63 + 62] = 258;
  const decoded = parseDicom(encodeSyntheticDicom({ pixels, height: 64, width: 64, series: newSyntheticSeries(), instanceNumber: 1 }));
  const box = syntheticMarkBox(64, 64);
  assert.equal(outsideBox(box, 64, decoded.pixels), outsideBox(box, 64, pixels));
  assert.is(decoded.pixels[64 * 63 + 62], 258);
});

test('round trip keeps the attributes', () => {
  const image = image8(8, 8);
  const series = newSyntheticSeries({ seriesNumber: 4 });
  const decoded = parseDicom(encodeSyntheticDicom({ ...image, series, instanceNumber: 7, window: { center: 127.5, width: 256 } }));
  const ds = decoded.attributes;
  assert.equal(ds.PatientName, [{ Alphabetic: 'SYNTHETIC^IMAGE' }]);
  assert.is(ds.PatientID, 'SYNTHETIC');
  assert.is(ds.StudyInstanceUID, series.studyInstanceUid);
  assert.is(ds.SeriesInstanceUID, series.seriesInstanceUid);
  assert.is(ds.SeriesNumber, 4);
  assert.is(ds.InstanceNumber, 7);
  assert.is(ds.SeriesDescription, 'SYNTHETIC - diffusion model, not a real patient');
  assert.equal(ds.ImageType, ['DERIVED', 'SECONDARY']);
  assert.is(ds.ConversionType, 'SYN');
  assert.is(ds.BurnedInAnnotation, 'NO');
  assert.is(ds.PatientIdentityRemoved, 'YES');
  assert.is(ds.SOPClassUID, SECONDARY_CAPTURE_SOP_CLASS_UID);
  assert.equal(decoded.window, { center: 127.5, width: 256 });
});

test('writer leaves the input pixels unchanged', () => {
  const image = image8(28, 28);
  const before = Array.from(image.pixels);
  encodeSyntheticDicom(image);
  assert.equal(Array.from(image.pixels), before);
});

test('UIDs differ between files and series', () => {
  const image = image8(8, 8);
  const first = elementsByTag(encodeSyntheticDicom(image));
  const second = elementsByTag(encodeSyntheticDicom(image));
  assert.is.not(textOf(first, '0008,0018'), textOf(second, '0008,0018'));
  assert.is(textOf(first, '0020,000E'), textOf(second, '0020,000E'));
  const a = newSyntheticSeries();
  const b = newSyntheticSeries({ studyInstanceUid: a.studyInstanceUid });
  assert.is.not(a.seriesInstanceUid, b.seriesInstanceUid);
  assert.is(b.studyInstanceUid, a.studyInstanceUid);
  assert.is.not(newSyntheticSeries().studyInstanceUid, a.studyInstanceUid);
});

test('mark spells SYNTHETIC at 64 px', () => {
  const marked = burnInSyntheticMark(new Uint8Array(64 * 64).fill(100), 64, 64);
  const rows = Array.from({ length: 8 }, (_, y) => asciiArt(marked.subarray(y * 64, y * 64 + 40), 255));
  assert.equal(rows, [
    '......................................--',
    '..##.#.#.#..#.###.#.#.###.###.###..##.--',
    '.#...#.#.##.#..#..#.#.#....#...#..#...--',
    '..#...#..#.##..#..###.##...#...#..#...--',
    '...#..#..#..#..#..#.#.#....#...#..#...--',
    '.##...#..#..#..#..#.#.###..#..###..##.--',
    '......................................--',
    '----------------------------------------',
  ]);
  assert.equal(syntheticMarkBox(64, 64), { top: 0, left: 0, height: 7, width: 38 });
});

test('mark at 28 px is an S in a 5×7 box', () => {
  const marked = burnInSyntheticMark(new Uint16Array(28 * 28).fill(1000), 28, 28);
  const rows = Array.from({ length: 8 }, (_, y) => asciiArt(marked.subarray(y * 28, y * 28 + 6), 65535));
  assert.equal(rows, ['.....-', '..##.-', '.#...-', '..#..-', '...#.-', '.##..-', '.....-', '------']);
  assert.equal(syntheticMarkBox(28, 28), { top: 0, left: 0, height: 7, width: 5 });
});

test('mark doubles in size at 256 px', () => {
  assert.equal(syntheticMarkBox(256, 256), { top: 0, left: 0, height: 14, width: 76 });
  const marked = burnInSyntheticMark(new Uint8Array(256 * 256).fill(100), 256, 256);
  // Top-left of the S: font row 0 is '.##', so pixels (2..3, 4..7) are lit at scale 2.
  assert.equal(Array.from(marked.subarray(2 * 256, 2 * 256 + 8)), [0, 0, 0, 0, 255, 255, 255, 255]);
  assert.equal(Array.from(marked.subarray(3 * 256, 3 * 256 + 8)), [0, 0, 0, 0, 255, 255, 255, 255]);
  assert.is(marked[14 * 256], 100);
});

test('writeSyntheticDicom writes a readable file', () => {
  const file = path.join(tmpDir, 'nested', 'a.dcm');
  const image = image8(16, 16);
  writeSyntheticDicom(file, image);
  const decoded = readDicomFile(file, { expectedSize: { height: 16, width: 16 } });
  const box = syntheticMarkBox(16, 16);
  assert.equal(outsideBox(box, 16, decoded.pixels), outsideBox(box, 16, image.pixels));
  assert.equal(fs.readdirSync(path.dirname(file)), ['a.dcm']);
});

test('rejects invalid images', () => {
  const image = image8(8, 8);
  assert.throws(() => encodeSyntheticDicom({ ...image, pixels: new Float32Array(64) as unknown as Uint8Array }), /^encodeSyntheticDicom: `pixels` must be a Uint8Array \(8-bit\) or Uint16Array \(16-bit\), got Float32Array/);
  assert.throws(() => encodeSyntheticDicom({ ...image, height: 7, pixels: new Uint8Array(56) }), /`height` must be an integer in \[8, 65535\] so the SYNTHETIC mark fits, got 7/);
  assert.throws(() => encodeSyntheticDicom({ ...image, width: 9 }), /64 pixels do not fill 8 × 9/);
  assert.throws(() => encodeSyntheticDicom({ ...image, instanceNumber: 0 }), /`instanceNumber` must be an integer in \[1, 2\^31 − 1\], got 0/);
  assert.throws(() => encodeSyntheticDicom({ ...image, details: { Class: 'épanchement' } }), /detail "Class": "épanchement" must be printable ASCII/);
  assert.throws(() => encodeSyntheticDicom({ ...image, window: { center: 0, width: 0 } }), /`window` needs a finite center and a width of at least 1/);
});

test('rejects series that do not say SYNTHETIC', () => {
  const image = image8(8, 8);
  assert.throws(() => newSyntheticSeries({ seriesDescription: 'Chest PA' }), /^newSyntheticSeries: `series.seriesDescription` must contain the word SYNTHETIC/);
  assert.throws(() => encodeSyntheticDicom({ ...image, series: { ...image.series, studyInstanceUid: '1.2.03' } }), /`series.studyInstanceUid` must be a valid UID, got "1.2.03"/);
  assert.throws(() => encodeDicomFile({ SOPClassUID: SECONDARY_CAPTURE_SOP_CLASS_UID }), /^encodeDicomFile: `SOPInstanceUID` must be a valid UID, got undefined/);
});

test.run();
