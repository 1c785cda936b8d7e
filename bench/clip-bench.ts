import { selectBackend } from '../kernel-lib/backend/select';
import { disposeClipModel } from '../kernel-lib/text/clip';
import { trainClip } from '../kernel-lib/text/clip-trainer';
import { imageEncoderParamCount } from '../kernel-lib/text/image-encoder';
import { TextEncoderConfig, textEncoderParamCount } from '../kernel-lib/text/text-encoder';
import { CLS_ID, SEP_ID } from '../kernel-lib/text/tokenizer';
import { Random } from '../kernel-lib/util/random';

/**
 * CLIP training step benchmark. Prints one JSON line: the median time of `--steps` training
 * steps (default 10) after two warm-up steps, at batch `--batch-size` (default 64).
 * Images are 28×28 through the default image encoder (widths [16, 32, 64]). Texts are 64 real
 * tokens (no padding) through a 2-block text encoder of width 64. Data are random.
 * Usage: node dist/bench/clip-bench.js [--steps N] [--batch-size N] [--backend wasm|cpu]
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: string): string => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const backend = await selectBackend({ backend: option('backend', 'wasm') });
  const steps = Number(option('steps', '10'));
  const batchSize = Number(option('batch-size', '64'));
  const count = 4 * batchSize;
  const height = 28;
  const width = 28;
  const textConfig: TextEncoderConfig = { vocabSize: 1000, maxLength: 64, modelDim: 64, numLayers: 2, numHeads: 4, mlpRatio: 4, outputDim: 64 };
  const imageConfig = { outputDim: 64 };

  // Random pixels and full-length token rows [CLS] t … t [SEP].
  const rng = new Random(0);
  const images = Uint8Array.from({ length: count * height * width }, () => rng.int(256));
  const tokenIds = new Int32Array(count * 64);
  for (let row = 0; row < count; row++) {
    tokenIds[row * 64] = CLS_ID;
    for (let i = 1; i < 63; i++) tokenIds[row * 64 + i] = 6 + rng.int(994);
    tokenIds[row * 64 + 63] = SEP_ID;
  }

  const times: number[] = [];
  let last = Date.now();
  const { model } = trainClip({
    images,
    height,
    width,
    tokenIds,
    textConfig,
    imageConfig,
    batchSize,
    numSteps: steps + 2,
    learningRate: 1e-3,
    seed: 0,
    onProgress: ({ step }) => {
      const now = Date.now();
      if (step > 2) times.push(now - last);
      last = now;
    },
  });
  disposeClipModel(model);
  times.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      bench: 'clip-train-step',
      backend: backend.name,
      batchSize,
      imageSize: `${height}x${width}`,
      textTokens: 64,
      textParams: textEncoderParamCount(textConfig),
      imageParams: imageEncoderParamCount(imageConfig),
      medianMsPerStep: times[Math.floor(times.length / 2)],
      minMsPerStep: times[0],
      maxMsPerStep: times[times.length - 1],
      steps,
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
