import * as zlib from 'zlib';
import { data as dcmjsData, NaturalizedDataset } from 'dcmjs';

// Builders of small DICOM files for the reader tests, written with dcmjs 0.52.2 in any
// transfer syntax, and a walker that lists the elements of Explicit VR Little Endian bytes
// without dcmjs, following PS3.5 section 7.1.2.

export const TRANSFER_SYNTAX = {
  implicitLittle: '1.2.840.10008.1.2',
  explicitLittle: '1.2.840.10008.1.2.1',
  deflatedLittle: '1.2.840.10008.1.2.1.99',
  explicitBig: '1.2.840.10008.1.2.2',
  jpegBaseline: '1.2.840.10008.1.2.4.50',
  jpegLossless: '1.2.840.10008.1.2.4.70',
  jpeg2000: '1.2.840.10008.1.2.4.90',
  rle: '1.2.840.10008.1.2.5',
} as const;

const SOP_CLASS = '1.2.840.10008.5.1.4.1.1.7';

/**
 * Attributes of a grayscale image, Rows × Columns, with `pixelData` bytes as they go into the
 * file. `overrides` replace or add attributes; a value of undefined removes one.
 */
export function grayDataset(rows: number, columns: number, pixelData: Uint8Array, overrides: NaturalizedDataset = {}): NaturalizedDataset {
  const bits = (overrides.BitsAllocated as number | undefined) ?? 16;
  const dataset: NaturalizedDataset = {
    _vrMap: { PixelData: bits === 8 ? 'OB' : 'OW' },
    SOPClassUID: SOP_CLASS,
    SOPInstanceUID: '1.2.3.4.5.6',
    StudyInstanceUID: '1.2.3.4',
    SeriesInstanceUID: '1.2.3.4.5',
    Modality: 'OT',
    PatientName: 'Doe^J',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: rows,
    Columns: columns,
    BitsAllocated: bits,
    BitsStored: bits,
    HighBit: bits - 1,
    PixelRepresentation: 0,
    PixelData: [pixelData.slice().buffer],
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete dataset[key];
    else dataset[key] = value;
  }
  return dataset;
}

/**
 * Encodes `dataset` as a Part 10 file in `transferSyntaxUid` with dcmjs. dcmjs copies the
 * Pixel Data bytes unchanged in every syntax, so for Explicit VR Big Endian pass them in
 * big-endian order. For the deflated syntax the data set is written in Explicit VR Little
 * Endian and then compressed with raw deflate (RFC 1951), as PS3.5 section A.5 specifies.
 */
export function makeDicom(dataset: NaturalizedDataset, transferSyntaxUid: string = TRANSFER_SYNTAX.explicitLittle): Uint8Array {
  if (transferSyntaxUid === TRANSFER_SYNTAX.deflatedLittle) return makeDeflated(dataset);
  const meta: NaturalizedDataset = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID ?? SOP_CLASS,
    MediaStorageSOPInstanceUID: dataset.SOPInstanceUID ?? '1.2.3.4.5.6',
    TransferSyntaxUID: transferSyntaxUid,
    ImplementationClassUID: '1.2.3.4.5.6.7',
  };
  const file = new dcmjsData.DicomDict(dcmjsData.DicomMetaDictionary.denaturalizeDataset(meta));
  file.dict = dcmjsData.DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(file.write());
}

function makeDeflated(dataset: NaturalizedDataset): Uint8Array {
  const explicit = Buffer.from(makeDicom(dataset, TRANSFER_SYNTAX.explicitLittle));
  // (0002,0000) group length: tag, 'UL', uint16 length 4, uint32 value at byte 140.
  const datasetStart = 132 + 12 + explicit.readUInt32LE(140);
  const deflated = zlib.deflateRawSync(explicit.subarray(datasetStart));

  const element = (elementNumber: number, vr: string, value: Buffer): Buffer => {
    const long = vr === 'OB';
    const header = Buffer.alloc(long ? 12 : 8);
    header.writeUInt16LE(0x0002, 0);
    header.writeUInt16LE(elementNumber, 2);
    header.write(vr, 4, 'latin1');
    if (long) header.writeUInt32LE(value.length, 8);
    else header.writeUInt16LE(value.length, 6);
    return Buffer.concat([header, value]);
  };
  const uid = (text: string) => Buffer.from(text.length % 2 === 0 ? text : text + '\0', 'latin1');
  const body = Buffer.concat([
    element(0x0001, 'OB', Buffer.from([0, 1])),
    element(0x0002, 'UI', uid(SOP_CLASS)),
    element(0x0003, 'UI', uid('1.2.3.4.5.6')),
    element(0x0010, 'UI', uid(TRANSFER_SYNTAX.deflatedLittle)),
  ]);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(body.length);
  return new Uint8Array(Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), element(0x0000, 'UL', groupLength), body, deflated]));
}

/** Little-endian bytes of 16-bit words. */
export function le16(words: number[]): Uint8Array {
  const out = Buffer.alloc(2 * words.length);
  words.forEach((word, i) => out.writeUInt16LE(word & 0xffff, 2 * i));
  return new Uint8Array(out);
}

/** Big-endian bytes of 16-bit words. */
export function be16(words: number[]): Uint8Array {
  const out = Buffer.alloc(2 * words.length);
  words.forEach((word, i) => out.writeUInt16BE(word & 0xffff, 2 * i));
  return new Uint8Array(out);
}

/** One element as found in the bytes: the tag as 'GGGG,EEEE', its VR, and its value bytes. */
export interface RawElement {
  tag: string;
  vr: string;
  value: Buffer;
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

/**
 * Lists the top-level elements of an Explicit VR Little Endian Part 10 file, meta group
 * included, reading the bytes directly. Throws on a sequence or undefined length, which the
 * files under test do not contain.
 */
export function walkExplicitLittle(bytes: Uint8Array): RawElement[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.toString('latin1', 128, 132) !== 'DICM') throw new Error("walkExplicitLittle: no 'DICM' at byte 128");
  const elements: RawElement[] = [];
  let offset = 132;
  while (offset < buffer.length) {
    const group = buffer.readUInt16LE(offset);
    const elementNumber = buffer.readUInt16LE(offset + 2);
    const vr = buffer.toString('latin1', offset + 4, offset + 6);
    const long = LONG_VRS.has(vr);
    const length = long ? buffer.readUInt32LE(offset + 8) : buffer.readUInt16LE(offset + 6);
    if (vr === 'SQ' || length === 0xffffffff) throw new Error(`walkExplicitLittle: sequence or undefined length at byte ${offset}`);
    const start = offset + (long ? 12 : 8);
    const tag = `${group.toString(16).toUpperCase().padStart(4, '0')},${elementNumber.toString(16).toUpperCase().padStart(4, '0')}`;
    elements.push({ tag, vr, value: buffer.subarray(start, start + length) });
    offset = start + length;
  }
  return elements;
}
