import * as fs from 'fs';
import * as path from 'path';
import { saveNpz } from '../../kernel-lib/data/npz-writer';
import { makeTempDir, tinyExperimentJson } from '../experiment/tiny-experiment';

// A run directory with the files a review session reads, made in milliseconds instead of the
// seconds a tiny experiment takes: manifest.json with the tiny experiment's config (chest-phantom,
// 28 × 28, classes 'no finding' and 'effusion'), state.json up to the generation stage, and
// synthetic_seed<N>.npz for seeds 0 and 1.

/** Image size of the chest-phantom dataset the tiny config uses. */
export const FAKE_RUN_SIZE = 28;

/**
 * Pixels of synthetic image `index` of `seed`: a constant image of value 200 + 10·seed + index,
 * so that a test can tell every synthetic image apart (and from the phantom's real images).
 */
export function fakeSyntheticPixels(seed: number, index: number): Uint8Array {
  return new Uint8Array(FAKE_RUN_SIZE * FAKE_RUN_SIZE).fill(200 + 10 * seed + index);
}

/** Creates a fake run with `perSeed` synthetic images of 'effusion' (class 1) per seed. */
export function makeFakeRun(perSeed = 8): string {
  const runDir = path.join(makeTempDir('medsynth-review-'), 'run');
  fs.mkdirSync(path.join(runDir, 'synthetic'), { recursive: true });
  fs.writeFileSync(path.join(runDir, 'manifest.json'), JSON.stringify({ format: 'medsynth-experiment-run', version: 1, config: tinyExperimentJson() }));
  fs.writeFileSync(path.join(runDir, 'state.json'), JSON.stringify({ finished: ['data', 'diffusion', 'filter-classifier', 'generation'] }));
  for (const seed of [0, 1]) {
    const images = new Uint8Array(perSeed * FAKE_RUN_SIZE * FAKE_RUN_SIZE);
    for (let i = 0; i < perSeed; i++) images.set(fakeSyntheticPixels(seed, i), i * FAKE_RUN_SIZE * FAKE_RUN_SIZE);
    saveNpz(path.join(runDir, 'synthetic', `synthetic_seed${seed}.npz`), {
      images: { data: images, shape: [perSeed, FAKE_RUN_SIZE, FAKE_RUN_SIZE] },
      labels: { data: new Int32Array(perSeed).fill(1), shape: [perSeed] },
      synthetic: { data: new Uint8Array(perSeed).fill(1), shape: [perSeed] },
    });
  }
  return runDir;
}
