import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { dicomCommand } from '../../../kernel-lib/cli/dicom';
import { saveNpz } from '../../../kernel-lib/data/npz-writer';
import { loadDicomFolder } from '../../../kernel-lib/io/dicom/dicom-folder';
import { readDicomFile } from '../../../kernel-lib/io/dicom/read-dicom';
import { isValidUid } from '../../../kernel-lib/io/dicom/uid';
import { syntheticMarkBox } from '../../../kernel-lib/io/dicom/write-dicom';
import { grayDataset, makeDicom } from './make-dicom';

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsynth-cli-dicom-'));
test.after(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

const SIZE = 28;
const PIXELS = SIZE * SIZE;

/** Images whose pixel j of image i is (37 i + j) mod 256. */
function syntheticImages(count: number, offset: number): Uint8Array {
  return Uint8Array.from({ length: count * PIXELS }, (_, k) => (37 * (Math.floor(k / PIXELS) + offset) + (k % PIXELS)) % 256);
}

/** Creates a run directory with data.json, manifest.json and synthetic_seed<N>.npz for seeds 0 and 1. */
function makeRun(name: string): string {
  const runDir = path.join(tmpDir, name);
  fs.mkdirSync(path.join(runDir, 'synthetic'), { recursive: true });
  fs.writeFileSync(path.join(runDir, 'data.json'), JSON.stringify({ classNames: ['no finding', 'effusion', 'mass'] }));
  fs.writeFileSync(path.join(runDir, 'manifest.json'), JSON.stringify({ runId: 'test-run' }));
  // Seed 0: three effusion images and one mass image; seed 1: two effusion images.
  saveNpz(path.join(runDir, 'synthetic', 'synthetic_seed0.npz'), {
    images: { data: syntheticImages(4, 0), shape: [4, SIZE, SIZE] },
    labels: { data: Int32Array.from([1, 1, 2, 1]), shape: [4] },
    synthetic: { data: new Uint8Array(4).fill(1), shape: [4] },
  });
  saveNpz(path.join(runDir, 'synthetic', 'synthetic_seed1.npz'), {
    images: { data: syntheticImages(2, 10), shape: [2, SIZE, SIZE] },
    labels: { data: Int32Array.from([1, 1]), shape: [2] },
  });
  return runDir;
}

/** Runs the command in this process and returns what it printed with console.log. */
async function run(argv: string[]): Promise<string> {
  const printed: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => printed.push(args.join(' '));
  try {
    await dicomCommand(argv);
  } finally {
    console.log = original;
  }
  return printed.join('\n');
}

function outsideMark(values: ArrayLike<number>): number[] {
  const box = syntheticMarkBox(SIZE, SIZE);
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (Math.floor(i / SIZE) >= box.height || i % SIZE >= box.width) out.push(values[i]);
  }
  return out;
}

test('export writes every seed of a run', async () => {
  const runDir = makeRun('run-all');
  const out = path.join(tmpDir, 'out-all');
  const printed = await run(['export', runDir, '--out', out]);
  assert.match(printed, /dicom export: 6 synthetic images written to .*out-all as 8-bit Secondary Capture/);

  assert.equal(fs.readdirSync(out).sort(), ['effusion', 'mass']);
  assert.equal(fs.readdirSync(path.join(out, 'effusion')).sort(), ['seed0_00001.dcm', 'seed0_00002.dcm', 'seed0_00003.dcm', 'seed1_00001.dcm', 'seed1_00002.dcm']);
  assert.equal(fs.readdirSync(path.join(out, 'mass')), ['seed0_00001.dcm']);

  // The third effusion image of seed 0 is npz index 3.
  const image = readDicomFile(path.join(out, 'effusion', 'seed0_00003.dcm'), { expectedSize: { height: SIZE, width: SIZE } });
  assert.equal(outsideMark(image.pixels), outsideMark(syntheticImages(4, 0).subarray(3 * PIXELS)));
  assert.is(image.attributes.InstanceNumber, 3);
  assert.match(image.attributes.ImageComments as string, /^SYNTHETIC IMAGE .*\. Class: effusion\. Source: synthetic_seed0\.npz index 3\. Run: test-run$/);
  assert.equal(image.attributes.PatientName, [{ Alphabetic: 'SYNTHETIC^IMAGE' }]);
  assert.is(image.bitsAllocated, 8);
});

test('export groups a seed into one study and a class into one series', async () => {
  const runDir = makeRun('run-uids');
  const out = path.join(tmpDir, 'out-uids');
  await run(['export', runDir, '--out', out]);
  const attributes = (file: string) => readDicomFile(path.join(out, file)).attributes;
  const effusion1 = attributes('effusion/seed0_00001.dcm');
  const effusion2 = attributes('effusion/seed0_00002.dcm');
  const mass = attributes('mass/seed0_00001.dcm');
  const seed1 = attributes('effusion/seed1_00001.dcm');
  assert.is(effusion1.StudyInstanceUID, mass.StudyInstanceUID);
  assert.is(effusion1.SeriesInstanceUID, effusion2.SeriesInstanceUID);
  assert.is.not(effusion1.SeriesInstanceUID, mass.SeriesInstanceUID);
  assert.is.not(effusion1.SOPInstanceUID, effusion2.SOPInstanceUID);
  assert.is.not(seed1.StudyInstanceUID, effusion1.StudyInstanceUID);
  assert.is(mass.SeriesNumber, 2);
  for (const uid of [effusion1.StudyInstanceUID, effusion1.SeriesInstanceUID, effusion1.SOPInstanceUID]) assert.ok(isValidUid(uid as string), String(uid));
});

test('exports of the same run get new UIDs', async () => {
  const runDir = makeRun('run-twice');
  await run(['export', runDir, '--out', path.join(tmpDir, 'twice-a'), '--seed', '1']);
  await run(['export', runDir, '--out', path.join(tmpDir, 'twice-b'), '--seed', '1']);
  const a = readDicomFile(path.join(tmpDir, 'twice-a', 'effusion', 'seed1_00001.dcm'));
  const b = readDicomFile(path.join(tmpDir, 'twice-b', 'effusion', 'seed1_00001.dcm'));
  assert.is.not(a.attributes.SOPInstanceUID, b.attributes.SOPInstanceUID);
  assert.is.not(a.attributes.StudyInstanceUID, b.attributes.StudyInstanceUID);
  assert.equal(Array.from(a.pixels), Array.from(b.pixels));
});

test('exported folder loads as a dataset', async () => {
  const runDir = makeRun('run-load');
  const out = path.join(tmpDir, 'out-load');
  await run(['export', runDir, '--out', out, '--seed', '0']);
  const ds = loadDicomFolder(out);
  assert.equal(ds.classNames, ['effusion', 'mass']);
  assert.is(ds.splits.train.count, 4);
  assert.equal(Array.from(ds.splits.train.labels), [0, 0, 0, 1]);
});

test('16-bit export scales by 257', async () => {
  const runDir = makeRun('run-16');
  const out = path.join(tmpDir, 'out-16');
  await run(['export', path.join(runDir, 'synthetic', 'synthetic_seed1.npz'), '--out', out, '--bits', '16']);
  const image = readDicomFile(path.join(out, 'effusion', 'seed1_00002.dcm'));
  assert.is(image.bitsAllocated, 16);
  const expected = Array.from(syntheticImages(2, 10).subarray(PIXELS), (v) => v * 257);
  assert.equal(outsideMark(image.pixels), outsideMark(expected));
});

test('export names missing seeds and bad options', async () => {
  const runDir = makeRun('run-errors');
  const out = path.join(tmpDir, 'out-errors');
  // The message of the error the command throws, or 'no error'.
  const rejection = async (argv: string[]) => run(argv).then(() => 'no error', (err: Error) => err.message);
  assert.match(await rejection(['export', runDir, '--out', out, '--seed', '5']), /^dicom export: the run has no synthetic images for seed 5; its seeds are 0, 1$/);
  assert.match(await rejection(['export', runDir, '--out', out, '--bits', '12']), /^dicom export: --bits must be 8 or 16, got 12/);
  assert.match(await rejection(['export', runDir]), /^dicom export: missing required option --out/);
  assert.match(await rejection(['export', path.join(tmpDir, 'absent'), '--out', out]), /^dicom export: not found: .*absent/);
  assert.match(await rejection(['frobnicate']), /^dicom: expected a subcommand, one of export, info, got 'frobnicate'/);
});

test('info prints the main attributes', async () => {
  const runDir = makeRun('run-info');
  const out = path.join(tmpDir, 'out-info');
  await run(['export', runDir, '--out', out, '--seed', '1']);
  const printed = await run(['info', path.join(out, 'effusion', 'seed1_00001.dcm')]);
  assert.match(printed, /transfer syntax\s+1\.2\.840\.10008\.1\.2\.1 \(Explicit VR Little Endian\)/);
  assert.match(printed, /SOP class\s+1\.2\.840\.10008\.5\.1\.4\.1\.1\.7 \(Secondary Capture Image Storage\)/);
  assert.match(printed, /synthetic\s+yes/);
  assert.match(printed, /PatientName\s+SYNTHETIC\^IMAGE/);
  assert.match(printed, /ConversionType\s+SYN/);
  assert.match(printed, /ImageType\s+DERIVED\\SECONDARY/);
  assert.match(printed, /Rows\s+28\n/);
  assert.match(printed, /pixel values\s+0 to 255 after rescale/);
});

test('info reports a compressed file without failing', async () => {
  const file = path.join(tmpDir, 'jpeg.dcm');
  fs.writeFileSync(file, makeDicom(grayDataset(2, 2, Uint8Array.from([0xff, 0xd8, 0xff, 0xd9]), { BitsAllocated: 8 }), '1.2.840.10008.1.2.4.50'));
  const printed = await run(['info', file]);
  assert.match(printed, /transfer syntax\s+1\.2\.840\.10008\.1\.2\.4\.50 \(JPEG Baseline \(Process 1\)\)/);
  assert.match(printed, /synthetic\s+no marker found/);
  assert.match(printed, /pixels\s+not decoded: .*is compressed, which is not supported/);
});

test('medsynth dicom info runs from the command line', () => {
  const file = path.join(tmpDir, 'cli.dcm');
  fs.writeFileSync(file, makeDicom(grayDataset(1, 2, Uint8Array.from([4, 5]), { BitsAllocated: 8 })));
  let root = __dirname;
  while (!fs.existsSync(path.join(root, 'bin', 'medsynth.js'))) root = path.dirname(root);
  const result = spawnSync(process.execPath, [path.join(root, 'bin', 'medsynth.js'), 'dicom', 'info', file], { encoding: 'utf8' });
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stdout, /PatientName\s+Doe\^J/);
  assert.match(result.stdout, /pixel values\s+4 to 5/);
});

test.run();
