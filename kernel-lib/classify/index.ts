/**
 * Downstream classifier and classic rebalancing baselines: a small CNN, its training loop
 * with early stopping on validation AUROC, batched prediction, augmentation, oversampling
 * and class weights.
 */
export {
  ClassifierConfig,
  DEFAULT_CLASSIFIER_WIDTHS,
  classifierForward,
  classifierParamCount,
  classifierParamSpecs,
  defaultClassifierConfig,
  validateClassifierConfig,
} from './cnn';
export {
  CLASSIFIER_SAMPLERS,
  ClassifierEpoch,
  ClassifierProgress,
  ClassifierSampler,
  LabeledImageRows,
  TrainClassifierOptions,
  TrainedClassifier,
  trainClassifier,
  weightedCrossEntropy,
} from './train';
export { ClassifierPixels, ImageRows, predictProbabilities, toModelRange } from './predict';
export {
  AugmentOptions,
  AugmentTransform,
  ValueRange,
  augmentImage,
  drawAugmentation,
  inverseFrequencyWeights,
  oversampleIndices,
  transformImage,
  validateAugmentOptions,
} from './augment';
