import { trainDiffusionCommand } from './train-diffusion';
import { sampleCommand } from './sample';
import { runCommand } from './run';
import { datasetsCommand } from './datasets';

const COMMANDS: Record<string, { summary: string; run: (argv: string[]) => Promise<void> }> = {
  'train-diffusion': { summary: 'train a class-conditional image diffusion model', run: trainDiffusionCommand },
  sample: { summary: 'generate synthetic images of one class from a trained model', run: sampleCommand },
  run: { summary: 'run an experiment: rare-condition image augmentation or EHR synthesis (config file or name in experiments/)', run: runCommand },
  datasets: { summary: "list the registered datasets, or fetch one ('datasets fetch <name>')", run: datasetsCommand },
  figures: { summary: 'export the figures of a run as SVG, PNG and PDF for papers', run: (argv) => import('./figures').then((m) => m.figuresCommand(argv)) },
  fidelity: { summary: "measure FID, KID, precision/recall and memorisation of a run's synthetic images", run: (argv) => import('./fidelity').then((m) => m.fidelityCommand(argv)) },
  dicom: { summary: "export a run's synthetic images as DICOM, or print a DICOM file's attributes ('dicom export|info')", run: (argv) => import('./dicom').then((m) => m.dicomCommand(argv)) },
  review: { summary: "serve a visual Turing test of a run's synthetic images, or score it ('review serve|score <run dir>')", run: (argv) => import('./review').then((m) => m.reviewCommand(argv)) },
  reproduce: { summary: 'rerun a recorded run from its manifest and compare every metric with the recorded one', run: (argv) => import('./reproduce').then((m) => m.reproduceCommand(argv)) },
  ehr: { summary: "generate synthetic ICU patients from a trained EHR model ('ehr generate --model <dir> --condition death=1')", run: (argv) => import('./ehr').then((m) => m.ehrCommand(argv)) },
  'modality-dropout': {
    summary: 'train fusion classifiers of ICU death with modality dropout and report test AUROC for every subset of modalities',
    run: (argv) => import('./modality-dropout').then((m) => m.modalityDropoutCommand(argv)),
  },
  release: { summary: 'check a synthetic dataset for re-identification risk and utility against a policy; writes a report and a dataset card', run: (argv) => import('./release').then((m) => m.releaseCommand(argv)) },
  'report-image': {
    summary: 'text and images: CLIP-style report encoder, retrieval, report-conditioned generation and report variations',
    run: (argv) => import('./report-image').then((m) => m.reportImageCommand(argv)),
  },
  notebook: { summary: "execute a notebook headless through the tslab kernel ('notebook run <file.ipynb>')", run: async (argv) => (await import('./notebook')).notebookCommand(argv) },
};

function usage(): string {
  const lines = ['usage: medsynth <command> [options]', '', 'commands:'];
  for (const [name, { summary }] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(18)}${summary}`);
  lines.push('', "Run 'medsynth <command> --help' for its options.");
  return lines.join('\n');
}

/** Runs the CLI; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === 'help') {
    console.log(usage());
    return name ? 0 : 1;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`medsynth: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    await command.run(rest);
    return 0;
  } catch (err) {
    console.error(`medsynth ${name}: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.MEDSYNTH_DEBUG) console.error(err);
    return 1;
  }
}
