import { trainImageDiffusion } from '../../pipelines/image-diffusion';
import { StageContext } from '../context';

/** Trains the conditional diffusion model on the (reduced) real training split; resumes from its checkpoint. */
export function runDiffusionStage(ctx: StageContext): void {
  const { diffusion } = ctx.config;
  const bar = ctx.progress('diffusion', diffusion.training.numSteps, 'steps');
  try {
    trainImageDiffusion({
      dataset: ctx.data.dataset,
      modelDir: ctx.run.path('diffusion'),
      unet: diffusion.unet,
      schedule: diffusion.schedule,
      predictionType: diffusion.predictionType,
      training: diffusion.training,
      resume: true,
      onProgress: (p) => bar.update(p.step, `loss ${p.loss.toFixed(4)} | ${Math.round(p.msPerStep)} ms/step`),
    });
  } finally {
    bar.stop();
  }
}
