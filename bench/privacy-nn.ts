import * as os from 'os';
import { selectBackend } from '../kernel-lib/backend/select';
import { findNearestNeighbours, findNearestNeighboursWithin } from '../kernel-lib/privacy/nearest-neighbours';
import { RecordSet } from '../kernel-lib/privacy/records';
import { Random } from '../kernel-lib/util/random';

/**
 * Times the exact nearest-neighbour search of the privacy metrics: queries × reference records of
 * standard normal features, k = 2 (as DCR uses), then the within-set search of the reference set.
 * Checks 100 queries against a float64 brute-force search. Prints one JSON line.
 * Usage: node dist/bench/privacy-nn.js [--queries N] [--reference N] [--features D] [--backend wasm|cpu]
 *        [--query-block N] [--reference-block N]
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const backendIndex = args.indexOf('--backend');
  const backendName = backendIndex >= 0 ? args[backendIndex + 1] : 'wasm';
  const numQueries = option('queries', 10_000);
  const numReference = option('reference', 10_000);
  const numFeatures = option('features', 64);
  const queryBlockSize = option('query-block', 1024);
  const referenceBlockSize = option('reference-block', 4096);

  const backend = await selectBackend({ backend: backendName });
  const random = new Random(0);
  const makeRecords = (numRecords: number): RecordSet => {
    const data = new Float32Array(numRecords * numFeatures);
    for (let i = 0; i < data.length; i++) data[i] = random.normal();
    return { data, numRecords, numFeatures };
  };
  const queries = makeRecords(numQueries);
  const reference = makeRecords(numReference);
  const search = { k: 2, queryBlockSize, referenceBlockSize };

  // Warm-up on a slice, so kernel compilation and heap growth are not timed.
  await findNearestNeighbours({ ...queries, numRecords: 256, data: queries.data.subarray(0, 256 * numFeatures) }, reference, search);

  let started = performance.now();
  const cross = await findNearestNeighbours(queries, reference, search);
  const crossMs = performance.now() - started;

  started = performance.now();
  const within = await findNearestNeighboursWithin(reference, search);
  const withinMs = performance.now() - started;

  // Brute-force float64 check of the first 100 queries.
  let mismatches = 0;
  for (let i = 0; i < Math.min(100, numQueries); i++) {
    let best = Infinity;
    let bestIndex = -1;
    for (let j = 0; j < numReference; j++) {
      let sum = 0;
      for (let f = 0; f < numFeatures; f++) {
        const d = queries.data[i * numFeatures + f] - reference.data[j * numFeatures + f];
        sum += d * d;
      }
      if (sum < best) {
        best = sum;
        bestIndex = j;
      }
    }
    if (cross.indices[2 * i] !== bestIndex || cross.distances[2 * i] !== Math.sqrt(best)) mismatches++;
  }

  console.log(
    JSON.stringify({
      benchmark: 'privacy-nearest-neighbours',
      backend: backend.name,
      wasmSimd: backend.wasmSimd,
      wasmThreads: backend.wasmThreads,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      queries: numQueries,
      reference: numReference,
      features: numFeatures,
      k: 2,
      queryBlockSize,
      referenceBlockSize,
      crossSeconds: +(crossMs / 1000).toFixed(2),
      withinSeconds: +(withinMs / 1000).toFixed(2),
      exactDistancesPerQuery: +(cross.exactDistanceCount / numQueries).toFixed(2),
      bruteForceMismatchesOf100: mismatches,
    }),
  );
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
