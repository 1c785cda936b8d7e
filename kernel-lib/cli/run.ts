import * as path from 'path';
import { trainDiffusionCommand } from './train-diffusion';
import { sampleCommand } from './sample';

/**
 * Runs `medsynth run <experiment>`. The experiment runner (real-test comparison of
 * augmentation arms) is not available yet. Until it is, `run demo` exercises the diffusion
 * core end to end on the generated demo data. It trains a small model for a short while,
 * then writes synthetic images of the rare class.
 */
export async function runCommand(argv: string[]): Promise<void> {
  const [experiment, ...rest] = argv;
  if (experiment !== 'demo') {
    throw new Error(
      `run: the experiment runner is not yet available (asked for '${experiment ?? ''}'); ` +
        "'medsynth run demo' runs the diffusion core on demo data, and train-diffusion and sample work on real data",
    );
  }
  if (rest.length > 0) throw new Error(`run demo: takes no options, got ${rest.join(' ')}`);
  const outDir = path.resolve('experiments', 'runs', 'demo-core');
  console.log('run demo: the experiment runner is not yet available; running the diffusion core on demo data instead');
  await trainDiffusionCommand([
    '--data', 'demo',
    '--out', path.join(outDir, 'model'),
    '--steps', '150',
    '--batch-size', '16',
    '--widths', '16,32',
    '--embedding-dim', '64',
    '--learning-rate', '1e-3',
    '--ema-decay', '0.99',
    '--checkpoint-every', '50',
  ]);
  await sampleCommand([
    '--model', path.join(outDir, 'model'),
    '--class', 'lesion',
    '--n', '16',
    '--steps', '25',
    '--sampler', 'dpmsolver++',
    '--out', path.join(outDir, 'samples'),
  ]);
}
