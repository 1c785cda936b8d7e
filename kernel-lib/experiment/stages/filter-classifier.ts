import { trainClassifier } from '../../classify/train';
import { disposeParams } from '../../nets/params';
import { StageContext } from '../context';
import { saveClassifier } from './classifier-io';

export const FILTER_CLASSIFIER_FILE = 'filter-classifier.safetensors';

/**
 * Trains the classifier that filters synthetic images, on the real training split only,
 * seeded with the experiment seed. Rows are oversampled to balance the classes. Trained on
 * the raw imbalance, the classifier gave every image about the prior of the rare class
 * (0.07 for a 6% class on the chest phantoms), so no threshold could tell good synthetic
 * images of that class from bad ones.
 */
export function runFilterClassifierStage(ctx: StageContext): void {
  const { dataset } = ctx.data;
  const { classifier } = ctx.config;
  const bar = ctx.progress('filter classifier', classifier.maxEpochs, 'epochs');
  const split = (name: 'train' | 'val') => {
    const s = dataset.splits[name];
    if (!s) throw new Error(`filter classifier: the dataset has no ${name} split`);
    return { pixels: s.images, labels: s.labels, height: dataset.height, width: dataset.width };
  };
  try {
    const trained = trainClassifier({
      train: split('train'),
      validation: split('val'),
      numClasses: dataset.classNames.length,
      widths: classifier.widths,
      batchSize: classifier.batchSize,
      maxEpochs: classifier.maxEpochs,
      learningRate: classifier.learningRate,
      patience: classifier.patience,
      sampler: 'oversample',
      seed: ctx.config.seed,
      onProgress: (p) => bar.update(p.epoch, `val AUROC ${p.valAuroc.toFixed(3)}`),
    });
    saveClassifier(ctx.run.path(FILTER_CLASSIFIER_FILE), trained.config, trained.params);
    ctx.say(`filter classifier: best validation AUROC ${trained.bestValAuroc.toFixed(3)} at epoch ${trained.bestEpoch}`);
    disposeParams(trained.params);
  } finally {
    bar.stop();
  }
}
