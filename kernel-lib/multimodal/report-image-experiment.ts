import * as fs from 'fs';
import * as path from 'path';
import { trainClassifier } from '../classify/train';
import { predictProbabilities } from '../classify/predict';
import { ClassifierConfig } from '../classify/cnn';
import { Params, disposeParams } from '../nets/params';
import { bootstrapIndices, percentileInterval } from '../eval/bootstrap';
import { generateImagesFromContexts, loadReportImageModel, trainReportImageDiffusion } from '../pipelines/report-image-diffusion';
import { embedImages, embedTexts, loadClipModel, saveClipModel, ClipModel, disposeClipModel } from '../text/clip';
import { trainClip } from '../text/clip-trainer';
import { trainTokenizer, tokenizeTexts } from '../text/tokenizer';
import { labelAgreementAtK, recallAtK, AtKValue, LabelAgreement } from '../text/retrieval';
import { makeDirectory } from '../util/make-directory';
import { writeJsonAtomic } from '../util/atomic-write';
import { Random } from '../util/random';
import { log } from '../util/log';
import { ReportImageData, PairedSplit } from './report-image-data';
import { ReportImageSettings } from './report-image-settings';
import { reportVariationSummary, ReportVariationSummary } from './report-variation-summary';

/**
 * The report experiment, in stages that each write their result to `outDir` and are
 * skipped when it is already there (a stopped run continues where it stopped):
 *
 * 1. CLIP: a tokenizer trained on the training reports, then image and text encoders
 *    trained with the symmetric contrastive loss on the training pairs (`clip/`).
 * 2. Retrieval on the held-out test split: label agreement at k in both directions, and
 *    for exact pairs recall at k.
 * 3. Report-conditioned diffusion on the training pairs, conditioned on the frozen text
 *    encoder's report embeddings (`diffusion/`).
 * 4. A task classifier on the real training images, its accuracy on the real test images.
 * 5. Finding agreement: images generated for held-out reports at each guidance scale,
 *    classified by the task classifier, compared with each report's class.
 * 6. Report variations per finding, built from training-report sentences.
 */

export interface ReportImageProgress {
  stage: 'clip' | 'diffusion' | 'classifier' | 'generation';
  step: number;
  total: number;
  detail?: string;
}

export interface FindingAgreement {
  guidanceScale: number;
  /** Fraction of generated images whose predicted class is their report's class. */
  agreement: number;
  /** 95% percentile interval from resampling reports. */
  low: number;
  high: number;
  perClass: { className: string; agreement: number; images: number }[];
  images: number;
}

export interface ReportImageMetrics {
  pairing: 'weak' | 'exact';
  pairingNote: string;
  source: string;
  counts: Record<string, { reports: number; images: number }>;
  clip: { steps: number; finalLoss: number | null; msPerStep: number | null };
  retrieval: {
    textToImage: LabelAgreement;
    imageToText: LabelAgreement;
    /** Exact pairs only: report i ↔ image i of the test split. */
    exactTextToImage: AtKValue[] | null;
    exactImageToText: AtKValue[] | null;
  };
  diffusion: { steps: number; finalLoss: number };
  classifier: { testAccuracy: number; bestEpoch: number; bestValAuroc: number };
  findingAgreement: FindingAgreement[];
  variations: ReportVariationSummary[];
}

export interface RunReportImageExperimentOptions {
  data: ReportImageData;
  settings: ReportImageSettings;
  outDir: string;
  onProgress?: (progress: ReportImageProgress) => void;
}

export const REPORT_METRICS_FILE = 'report-metrics.json';
const CLIP_DIR = 'clip';
const CLIP_WEIGHTS_FILE = 'clip-model.safetensors';
const DIFFUSION_DIR = 'diffusion';

function textsOf(split: PairedSplit): string[] {
  return Array.from(split.pairs.reportIndex, (r) => split.reports[r].text);
}

/** Stage 1: tokenizer and CLIP, or the saved model when the stage finished before. */
function clipStage(options: RunReportImageExperimentOptions): { model: ClipModel; info: ReportImageMetrics['clip'] } {
  const { data, settings, outDir } = options;
  const dir = path.join(outDir, CLIP_DIR);
  const donePath = path.join(dir, 'done.json');
  if (fs.existsSync(donePath)) {
    log.info(`CLIP model found in ${dir}; skipping its training`);
    return { model: loadClipModel(dir), info: JSON.parse(fs.readFileSync(donePath, 'utf8')) };
  }

  makeDirectory(dir);
  const train = data.splits.train;
  const tokenizer = trainTokenizer(
    train.reports.map((r) => r.text),
    { vocabSize: settings.tokenizer.vocabSize },
  );
  const encoded = tokenizeTexts(tokenizer, textsOf(train), settings.text.maxLength, 'reportImageExperiment');
  const started = Date.now();
  const result = trainClip({
    images: train.pairs.images,
    height: data.height,
    width: data.width,
    tokenIds: encoded.ids,
    // Rows that share a report are positives of each other in a batch.
    textGroup: train.pairs.reportIndex,
    textConfig: { vocabSize: tokenizer.vocabSize, outputDim: settings.embeddingDim, ...settings.text },
    imageConfig: { widths: settings.image.widths, outputDim: settings.embeddingDim },
    tokenizer,
    batchSize: settings.clip.batchSize,
    numSteps: settings.clip.numSteps,
    learningRate: settings.clip.learningRate,
    seed: settings.seed,
    checkpointPath: path.join(dir, 'checkpoint.safetensors'),
    onProgress: (p) => options.onProgress?.({ stage: 'clip', step: p.step, total: p.total, detail: `loss ${p.loss.toFixed(3)}` }),
  });

  saveClipModel(dir, result.model);
  const ranSteps = result.lossHistory.length;
  const last = result.lossHistory[ranSteps - 1];
  const info = {
    steps: settings.clip.numSteps,
    finalLoss: last ? last.loss : null,
    msPerStep: ranSteps > 0 ? (Date.now() - started) / ranSteps : null,
  };
  writeJsonAtomic(donePath, info);
  return { model: result.model, info };
}

/** Stage 2: retrieval between held-out reports (each once) and held-out images. */
function retrievalStage(model: ClipModel, data: ReportImageData): ReportImageMetrics['retrieval'] {
  const test = data.splits.test;
  const dim = model.textConfig.outputDim;
  const reportEmbeddings = embedTexts(model, test.reports.map((r) => r.text));
  const reportLabels = Int32Array.from(test.reports, (r) => r.imageClass);
  const imageEmbeddings = embedImages(model, test.pairs.images, test.pairs.count);
  const ks = [1, 5, 10].filter((k) => k <= Math.min(test.reports.length, test.pairs.count));
  const textToImage = labelAgreementAtK(reportEmbeddings, imageEmbeddings, dim, reportLabels, test.pairs.labels, ks);
  const imageToText = labelAgreementAtK(imageEmbeddings, reportEmbeddings, dim, test.pairs.labels, reportLabels, ks);
  let exactTextToImage: AtKValue[] | null = null;
  let exactImageToText: AtKValue[] | null = null;
  if (data.pairing === 'exact') {
    // Report i was written for image i: gather the report rows in pair order.
    const pairedReports = new Float32Array(test.pairs.count * dim);
    test.pairs.reportIndex.forEach((r, i) => pairedReports.set(reportEmbeddings.subarray(r * dim, (r + 1) * dim), i * dim));
    exactTextToImage = recallAtK(pairedReports, imageEmbeddings, dim, ks);
    exactImageToText = recallAtK(imageEmbeddings, pairedReports, dim, ks);
  }
  return { textToImage, imageToText, exactTextToImage, exactImageToText };
}

/** Stage 4: the task classifier on real images; its test accuracy is the ceiling of finding agreement. */
function classifierStage(options: RunReportImageExperimentOptions): { config: ClassifierConfig; params: Params; info: ReportImageMetrics['classifier'] } {
  const { data, settings } = options;
  const rows = (split: PairedSplit) => ({ pixels: split.pairs.images, labels: split.pairs.labels, height: data.height, width: data.width });
  const trained = trainClassifier({
    train: rows(data.splits.train),
    validation: rows(data.splits.validation),
    numClasses: data.classNames.length,
    maxEpochs: settings.classifier.maxEpochs,
    batchSize: settings.classifier.batchSize,
    patience: settings.classifier.patience,
    sampler: 'oversample',
    seed: settings.seed,
    onProgress: (p) => options.onProgress?.({ stage: 'classifier', step: p.epoch, total: p.maxEpochs, detail: `val AUROC ${p.valAuroc.toFixed(3)}` }),
  });
  const test = data.splits.test;
  const predicted = argmaxRows(predictProbabilities(trained.config, trained.params, rows(test)), data.classNames.length);
  let correct = 0;
  predicted.forEach((c, i) => (correct += c === test.pairs.labels[i] ? 1 : 0));
  return {
    config: trained.config,
    params: trained.params,
    info: { testAccuracy: correct / test.pairs.count, bestEpoch: trained.bestEpoch, bestValAuroc: trained.bestValAuroc },
  };
}

function argmaxRows(probabilities: Float64Array, numClasses: number): Int32Array {
  const rows = probabilities.length / numClasses;
  return Int32Array.from({ length: rows }, (_, i) => {
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (probabilities[i * numClasses + c] > probabilities[i * numClasses + best]) best = c;
    return best;
  });
}

/** Held-out reports for generation: up to `perClass` of each class, drawn with the seed, in a fixed order. */
export function chooseEvaluationReports(split: PairedSplit, numClasses: number, perClass: number, seed: number): number[] {
  const rng = new Random(seed);
  const chosen: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const ofClass = split.reports.map((r, i) => (r.imageClass === c ? i : -1)).filter((i) => i >= 0);
    const order = rng.permutation(ofClass.length);
    chosen.push(...Array.from(order.slice(0, perClass), (k) => ofClass[k]));
  }
  return chosen;
}

/** Stage 5: finding agreement per guidance scale, with an interval from resampling reports. */
function agreementStage(
  options: RunReportImageExperimentOptions,
  clip: ClipModel,
  classifier: { config: ClassifierConfig; params: Params },
): FindingAgreement[] {
  const { data, settings, outDir } = options;
  const { evaluation } = settings;
  const test = data.splits.test;
  const chosen = chooseEvaluationReports(test, data.classNames.length, evaluation.reportsPerClass, settings.seed + 7);
  const contexts = embedTexts(clip, chosen.map((r) => test.reports[r].text));
  const reportClasses = chosen.map((r) => test.reports[r].imageClass);
  const loaded = loadReportImageModel(path.join(outDir, DIFFUSION_DIR), (texts) => embedTexts(clip, texts), path.join(outDir, CLIP_DIR, CLIP_WEIGHTS_FILE));
  const perReport = evaluation.samplesPerReport;
  const results: FindingAgreement[] = [];
  try {
    evaluation.guidanceScales.forEach((guidanceScale, g) => {
      const pixels = generateImagesFromContexts(loaded, contexts, {
        guidanceScale,
        numSamples: perReport,
        seed: settings.seed + 100,
        sampler: evaluation.sampler,
        numInferenceSteps: evaluation.numInferenceSteps,
        onProgress: (p) =>
          options.onProgress?.({
            stage: 'generation',
            // Images finished before this batch; the batch counts once its last step is done.
            step: g * chosen.length * perReport + p.done,
            total: evaluation.guidanceScales.length * chosen.length * perReport,
            detail: `guidance ${guidanceScale}`,
          }),
      });
      const predicted = argmaxRows(
        predictProbabilities(classifier.config, classifier.params, { pixels, height: data.height, width: data.width }),
        data.classNames.length,
      );
      // Agreement per report (mean over its samples), so the interval resamples reports.
      const perReportAgreement = chosen.map((_, r) => {
        let hits = 0;
        for (let s = 0; s < perReport; s++) hits += predicted[r * perReport + s] === reportClasses[r] ? 1 : 0;
        return hits / perReport;
      });
      const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
      const resamples = bootstrapIndices(perReportAgreement.length, 1000, new Random(settings.seed + 11)).map((rows) => mean(Array.from(rows, (i) => perReportAgreement[i])));
      const interval = percentileInterval(resamples);
      results.push({
        guidanceScale,
        agreement: mean(perReportAgreement),
        low: interval.lower,
        high: interval.upper,
        images: predicted.length,
        perClass: data.classNames.map((className, c) => {
          const rows = perReportAgreement.filter((_, r) => reportClasses[r] === c);
          return { className, agreement: rows.length > 0 ? mean(rows) : NaN, images: rows.length * perReport };
        }),
      });
    });
  } finally {
    loaded.dispose();
  }
  return results;
}

/** Runs all stages and writes `report-metrics.json` to `outDir`; see the module comment. */
export function runReportImageExperiment(options: RunReportImageExperimentOptions): ReportImageMetrics {
  const { data, settings, outDir } = options;
  makeDirectory(outDir);

  const clip = clipStage(options);
  try {
    const retrieval = retrievalStage(clip.model, data);
    log.info(`retrieval text→image label agreement: ${retrieval.textToImage.atK.map((a) => `@${a.k} ${a.value.toFixed(3)}`).join(', ')} (chance ${retrieval.textToImage.chance.toFixed(3)})`);

    const train = data.splits.train;
    const contexts = embedTexts(clip.model, textsOf(train));
    const diffusion = trainReportImageDiffusion({
      pairs: { images: train.pairs.images, height: data.height, width: data.width, contexts, contextDim: settings.embeddingDim },
      modelDir: path.join(outDir, DIFFUSION_DIR),
      encoderDir: path.join(outDir, CLIP_DIR),
      encoderWeightsFile: CLIP_WEIGHTS_FILE,
      dataset: { name: data.pairing === 'weak' ? 'weakly paired reports and images' : 'paired phantoms', source: data.source, license: data.license, pairing: data.pairingNote },
      unet: settings.diffusion.unet,
      schedule: settings.diffusion.schedule,
      training: { seed: settings.seed, ...settings.diffusion.training },
      onProgress: (p) => options.onProgress?.({ stage: 'diffusion', step: p.step, total: p.total, detail: `loss ${p.loss.toFixed(4)}` }),
    });

    const classifier = classifierStage(options);
    let findingAgreement: FindingAgreement[];
    try {
      findingAgreement = agreementStage(options, clip.model, classifier);
    } finally {
      disposeParams(classifier.params);
    }

    const variations = reportVariationSummary(data, settings.variations.n, settings.seed, outDir);
    const counts: ReportImageMetrics['counts'] = {};
    for (const [name, split] of Object.entries(data.splits)) counts[name] = { reports: split.reports.length, images: split.pairs.count };
    const metrics: ReportImageMetrics = {
      pairing: data.pairing,
      pairingNote: data.pairingNote,
      source: data.source,
      counts,
      clip: clip.info,
      retrieval,
      diffusion: { steps: diffusion.steps, finalLoss: diffusion.finalLoss },
      classifier: classifier.info,
      findingAgreement,
      variations,
    };
    writeJsonAtomic(path.join(outDir, REPORT_METRICS_FILE), metrics);
    return metrics;
  } finally {
    disposeClipModel(clip.model);
  }
}
