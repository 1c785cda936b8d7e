#!/usr/bin/env python3
"""Writes notebooks/01-07 from the cell sources below, with empty outputs.

Editing a notebook's JSON by hand is error-prone; edit the cells here and run
`/usr/bin/python3 scripts/build-notebooks.py`, or edit in Jupyter and keep this file in step.

`--record DIR [NAME ...]` instead copies the outputs of a headless run
(`medsynth notebook run --all --output-dir DIR`, or one notebook written to DIR/NAME/NAME.ipynb) into notebooks/, so that the versioned
notebooks show the recorded numbers. The output that loads plotly.js (about 5 MB) is left
out: figures keep their plotly JSON and static PNG, and re-running a notebook loads plotly.js
again for the HTML view.
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PARAMETERS = '''// Parameters: `medsynth notebook run <this notebook> -p name=value` replaces them.
let datasetPath: string | null = null; // a MedMNIST .npz, e.g. '../../shared/datasets/pneumoniamnist/pneumoniamnist.npz'; null: built-in chest phantoms
let runDir: string | null = null; // shared by notebooks 01-04; null: experiments/runs/notebooks-<experiment name>
let seed = 0;
let overrides: Record<string, unknown> = {}; // experiment config fields to change, e.g. { classifier: { maxEpochs: 3 } }
let backend = 'auto';'''

OPEN = '''import * as ms from '../kernel-lib';

// tslab does not resolve shorthand properties ({ seed }) that name another cell's variable: spell them out.
const ctx = await ms.openExperiment({
  datasetPath: datasetPath,
  runDir: runDir,
  seed: seed,
  overrides: overrides,
  backend: backend,
  progress: ms.notebookProgress(),
  say: (line: string) => console.log(line),
});
ms.showExperiment(ctx);'''


def md(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text.strip("\n")}


def code(text, tags=None):
    metadata = {"tags": tags} if tags else {}
    return {"cell_type": "code", "execution_count": None, "metadata": metadata, "outputs": [], "source": text.strip("\n")}


def parameters_cells():
    return [code(PARAMETERS, ["parameters"]), code(OPEN)]


NOTEBOOKS = {
    "01-data-and-baseline": [
        md('''
# 01 · Data and the real-only baseline

The rare-condition experiment starts from the real data: which classes there are, how rare the positive class is, what the images look like, and how well a classifier trained on the real images alone detects the rare class. That classifier is the baseline every later arm is compared with.

By default the notebook runs on the built-in chest-radiograph **phantoms** (generated at run time, not medical data), so it works on a fresh machine. Set `datasetPath` to PneumoniaMNIST's `.npz` to run the rare-50 setting on real radiographs: pneumonia is then kept to 50 training images, while the validation and test splits stay untouched. Notebooks 02-04 continue in the same run directory.
'''),
        *parameters_cells(),
        md('''
## Class counts and data check

The data stage records the class counts of every split and checks for images duplicated across splits or carrying conflicting labels. It writes `data.json` into the run directory.
'''),
        code('''
ms.runStages(ctx, ['data']);
const { dataset } = ctx.data;
const classNames = dataset.classNames;
await ms.showFigure({
  data: Object.entries(ctx.data.classCounts).map(([split, counts]) => ({ type: 'bar', name: split, x: classNames, y: counts })),
  layout: { title: { text: 'Real images per class and split' }, barmode: 'group', yaxis: { title: { text: 'images' }, type: 'log' } },
});'''),
        md('''
## Real training images

Up to 24 training images per class, as the classifier and the diffusion model see them.
'''),
        code('''
const train = dataset.splits.train;
classNames.forEach((className, k) => {
  const images = ms.imagesOfClass(train, k, dataset.height * dataset.width, 24);
  ms.showImages(images, { height: dataset.height, width: dataset.width, columns: 12, scale: 3, caption: `REAL training images: ${className} (${images.length / (dataset.height * dataset.width)} shown)` });
});'''),
        md('''
## The real-only classifier

A small CNN trained on the real training split, with early stopping on the real validation split's AUROC. The decision threshold is chosen on the validation split (Youden's J) and applied unchanged to the test split.
'''),
        code('''
const val = dataset.splits.val!;
const test = dataset.splits.test!;
const rows = (split: ms.ImageSplit) => ({ pixels: split.images, labels: split.labels, height: dataset.height, width: dataset.width });
const recipe = ctx.config.classifier;
const live = ms.newLiveDisplay();
const baseline = ms.trainClassifier({
  train: rows(train),
  validation: rows(val),
  numClasses: classNames.length,
  widths: recipe.widths,
  batchSize: recipe.batchSize,
  maxEpochs: recipe.maxEpochs,
  learningRate: recipe.learningRate,
  patience: recipe.patience,
  minEpochs: recipe.minEpochs,
  seed: ctx.config.seed,
  onProgress: (p) => live.update(`epoch ${p.epoch}/${p.maxEpochs}: loss ${p.loss.toFixed(4)}, validation AUROC ${p.valAuroc.toFixed(3)}`),
});
console.log(`best epoch ${baseline.bestEpoch}, validation AUROC ${baseline.bestValAuroc.toFixed(3)}${baseline.stoppedEarly ? ' (stopped early)' : ''}`);'''),
        code('''
const positive = ctx.data.positiveClass;
const positiveScores = (split: ms.ImageSplit) => {
  const probabilities = ms.predictProbabilities(baseline.config, baseline.params, rows(split));
  return Array.from(split.labels, (_, i) => probabilities[i * classNames.length + positive]);
};
const isPositive = (split: ms.ImageSplit) => Array.from(split.labels, (label) => (label === positive ? 1 : 0));
const threshold = ms.youdenThreshold(isPositive(val), positiveScores(val)).threshold;
const report = ms.evaluateBinary({
  labels: isPositive(test),
  scores: positiveScores(test),
  threshold: threshold,
  positiveClass: classNames[positive],
  bins: ctx.config.evaluation.eceBins,
  resamples: ctx.config.evaluation.bootstrapResamples,
  seed: ctx.config.seed,
});
ms.showMarkdown(ms.formatBinaryReport(report));'''),
        code('''
const roc = ms.rocCurve(isPositive(test), positiveScores(test));
await ms.showFigure({
  data: [
    { type: 'scatter', mode: 'lines', name: 'real-only', x: roc.fpr, y: roc.tpr },
    { type: 'scatter', mode: 'lines', name: 'chance', x: [0, 1], y: [0, 1], line: { dash: 'dash', color: '#999' } },
  ],
  layout: { title: { text: `ROC on the real test split (AUROC ${report.auroc.value.toFixed(3)})` }, xaxis: { title: { text: 'false-positive rate' }, range: [0, 1] }, yaxis: { title: { text: 'sensitivity' }, range: [0, 1] } },
});
ms.disposeParams(baseline.params);'''),
        md('''
Every number above comes from the **real held-out test split**; no synthetic image has been made yet. Notebook 02 trains the diffusion model that will make them.
'''),
    ],
    "02-train-diffusion": [
        md('''
# 02 · Train the conditional diffusion model

Trains the class-conditional U-Net of the experiment config on the (reduced) real training split, with classifier-free guidance dropout, and shows the loss curve and samples of every class at several guidance scales. The model is saved in the run directory, where a stopped training resumes from its last checkpoint. Every sample shown here is **synthetic** and labelled so.
'''),
        code(PARAMETERS + '''
let guidanceScales = [0, 1, 3, 5];
let samplesPerClass = 8;''', ["parameters"]),
        code(OPEN),
        code('''
ms.runStages(ctx, ['data', 'diffusion']);'''),
        md('''
## Loss curve

Mean squared error of the predicted noise per training step, on a log scale, with its moving average over 50 steps.
'''),
        code('''
const lossHistory = ms.loadCheckpoint(ctx.run.path('diffusion', 'checkpoint.safetensors')).lossHistory;
const steps = lossHistory.map((entry) => entry.step);
const losses = lossHistory.map((entry) => entry.loss);
await ms.showFigure({
  data: [
    { type: 'scatter', mode: 'lines', name: 'loss', x: steps, y: losses, line: { width: 1, color: '#9ab' } },
    { type: 'scatter', mode: 'lines', name: 'moving average (50)', x: steps, y: ms.movingAverage(losses, 50), line: { width: 2, color: '#1f77b4' } },
  ],
  layout: { title: { text: 'Diffusion training loss' }, xaxis: { title: { text: 'step' } }, yaxis: { title: { text: 'loss' }, type: 'log' } },
});'''),
        md('''
## Samples per class and guidance scale

Guidance 0 samples the unconditional model, and 1 the conditional one. Larger scales push samples towards what the model considers typical of the class, at the cost of variety.
'''),
        code('''
const model = ms.loadImageDiffusionModel(ctx.run.path('diffusion'));
const { height, width, classNames } = ctx.data.dataset;
const { sampler, numInferenceSteps } = ctx.config.generation;
for (const guidanceScale of guidanceScales) {
  classNames.forEach((className, classIndex) => {
    const pixels = ms.generateImages(model, { classIndex: classIndex, count: samplesPerClass, guidanceScale: guidanceScale, sampler: sampler, numInferenceSteps: numInferenceSteps, seed: ctx.config.seed });
    ms.showImages(ms.toUint8(pixels), { height: height, width: width, columns: samplesPerClass, scale: 3, caption: `SYNTHETIC ${className}, guidance ${guidanceScale}, ${sampler} ${numInferenceSteps} steps` });
  });
}
model.dispose();'''),
    ],
    "03-augmented-training": [
        md('''
# 03 · Generate, filter, and train the arms

Generates synthetic images of the rare class with the model of notebook 02, keeps those that pass the filter (a classifier trained on the real training data must give the intended class a probability above the threshold, and a synthetic image closer to a training image than the memorisation threshold is rejected as a near-copy), then trains one classifier per arm and seed with the same recipe: real-only, class-weighted loss, oversampling, standard augmentation, real + synthetic, synthetic-only and, where the file allows, all real images.
'''),
        *parameters_cells(),
        code('''
ms.runStages(ctx, ['data', 'diffusion', 'filter-classifier', 'generation']);'''),
        md('''
## Accepted and rejected synthetic images

Per rare class and seed: the target count, how many were generated, accepted, and rejected for each reason.
'''),
        code('''
const generation = ctx.run.readJson<{ records: ms.GenerationRecord[] }>('generation.json').records;
ms.showMarkdown(ms.formatGenerationTable(generation));'''),
        code('''
const { height, width } = ctx.data.dataset;
const firstSeed = ctx.config.seeds[0];
for (const record of generation.filter((r) => r.seed === firstSeed)) {
  const examples = ms.loadSyntheticExamples(ctx.run, record.className, firstSeed);
  for (const [outcome, images] of Object.entries(examples)) {
    const count = images.length / (height * width);
    if (count === 0) continue;
    ms.showImages(images, { height: height, width: width, columns: 12, scale: 3, caption: `SYNTHETIC ${record.className}, ${outcome} (${count} shown, seed ${firstSeed})` });
  }
}'''),
        md('''
## One classifier per arm and seed

The real validation split chooses each classifier's best epoch; its predictions on the real validation and test splits are stored for notebook 04.
'''),
        code('''
ms.runStages(ctx, ['classifiers']);
ms.showMarkdown(ms.formatClassifierTable(ctx.run, ctx.config));'''),
    ],
    "04-real-test-comparison": [
        md('''
# 04 · Comparison on the real test split

Every arm's classifier is judged on the **real held-out test split**; synthetic images are never used for evaluation. Each arm's decision threshold is chosen on the real validation split and applied unchanged to the test split. Values are means over seeds. Intervals are 95% percentile bootstrap intervals over test-set resamples, and the differences from the real-only arm are paired on the same resamples.
'''),
        *parameters_cells(),
        code('''
ms.runStages(ctx, ms.STAGES);
const data = ms.buildReportData(ctx);
ms.showMarkdown(ms.formatComparisonTable(data));'''),
        md('''
## ROC curves, sensitivity and specificity, calibration
'''),
        code('''
await ms.showFigure(ms.rocFigure(data));
await ms.showFigure(ms.sensitivitySpecificityFigure(data));
await ms.showFigure(ms.reliabilityFigure(data));'''),
        code('''
console.log(`All numbers above come from the real held-out test split (${ctx.data.dataset.splits.test!.count} images); the full report is ${ctx.run.path('report.html')}.`);'''),
    ],

    "05-ehr-synthesis": [
        md("""
# 05 · Synthetic ICU patients (PhysioNet 2012)

Two conditional generators of ICU stays learn from the first 24 hours of real PhysioNet 2012 patients (37 hourly variables with their missingness masks, plus age, sex and ICU type), conditioned on in-hospital death:

- a **trajectory** model: a transformer denoiser over `[hours, values + mask + static]`;
- a **latent** model: an EHR VAE compresses each stay to 64 numbers, and a diffusion model generates in that space.

Each model generates as many synthetic patients per outcome as the real training split has. The synthetic patients are then judged against the real data:
- **TSTR against TRTR:** a logistic regression on per-variable summaries is trained on synthetic patients and, separately, on real ones, and both are scored on the REAL test patients, overall and by sex and age band;
- **fidelity:** the synthetic patients are compared with the real training patients.

`quick = true` trains small models for a few hundred steps (minutes). `medsynth run physionet2012-ehr` trains the full configuration; pass its run directory as `ehrRunDir` to look at it here. Without `../shared/datasets/physionet2012` the notebook uses generated demo records, which are not patient data.
"""),
        code("""// Parameters: `medsynth notebook run <this notebook> -p name=value` replaces them.
let recordFolder: string | null = null; // a PhysioNet 2012 set-a folder; null: the shared developer copy, else generated demo records
let outcomesPath: string | null = null; // its Outcomes-a.txt
let ehrRunDir: string | null = null; // an EHR run to continue or show; null: experiments/runs/notebooks-physionet2012-ehr
let seed = 0;
let quick = true; // small models and few steps
let ehrOverrides: Record<string, unknown> = {}; // config fields to change, e.g. { trajectory: { training: { numSteps: 50 } } }
let backend = 'auto';""", ["parameters"]),
        code("""import * as ms from '../kernel-lib';

// tslab does not resolve shorthand properties ({ seed }) that name another cell's variable: spell them out.
const view = await ms.openEhrExperiment({
  recordFolder: recordFolder,
  outcomesPath: outcomesPath,
  runDir: ehrRunDir,
  seed: seed,
  quick: quick,
  overrides: ehrOverrides,
  backend: backend,
  progress: ms.notebookProgress(),
  say: (line: string) => console.log(line),
});
console.log(`run directory: ${view.runDir}`);
console.log(view.generatedDemoData ? 'data: GENERATED demo records (not patient data)' : `data: ${view.config.dataset.recordFolder}`);"""),
        md("""
## Train on synthetic, test on real

Every AUROC is measured on the real test patients. TRTR is the reference: a generator whose synthetic patients carry the same mortality signal gives a TSTR close to it. Per-subgroup rows show whether a generator widens the gap for some patients more than others.
"""),
        code("""ms.showMarkdown(view.report);"""),
        md("""
## Real and synthetic trajectories

Median and interquartile band of each variable by hour since admission, over the measured hours only. Every synthetic trace is labelled SYNTHETIC.
"""),
        code("""const grids: ms.NamedGrid[] = [{ name: 'real (training)', grid: view.data.splits.train.clinical }];
for (const [kind, tables] of Object.entries(view.synthetic)) {
  if (tables) grids.push({ name: `SYNTHETIC ${kind}`, grid: tables.grid });
}
const shownVariables: ms.ehr.TimeSeriesVariable[] = ['HR', 'MAP', 'Temp', 'GCS', 'Urine', 'Glucose'];
for (const variable of shownVariables) {
  await ms.showFigure(ms.trajectoryBandFigure(grids, variable));
}"""),
        md("""
## Marginal distributions

Measured hourly values of real training patients and of each generator, in clinical units.
"""),
        code("""for (const variable of shownVariables) {
  await ms.showFigure(ms.marginalOverlayFigure(grids, variable));
}"""),
        md("""
## Missingness

How often each variable is measured matters as much as its values: the models generate a mask, and a generator that measures lactate every hour describes a different ICU.
"""),
        code("""const rates = grids.map(({ name, grid }) => {
  const [patients, hours, numVariables] = grid.shape;
  const measured = new Array<number>(numVariables).fill(0);
  for (let i = 0; i < grid.mask.length; i++) measured[i % numVariables] += grid.mask[i];
  return { type: 'bar', name: name, x: grid.variables, y: measured.map((m) => m / (patients * hours)) };
});
await ms.showFigure({
  data: rates,
  layout: { title: { text: 'Share of hours with a measurement, per variable' }, barmode: 'group', yaxis: { title: { text: 'measured share' } }, height: 380 },
});"""),
    ],
    "06-privacy-audit": [
        md("""
# 06 · Privacy audit of synthetic images

Synthetic images are made to be shared, so before sharing, the question is how much they reveal about the real patients the generator learned from. This notebook measures it for the rare class of image runs, with the same measures as `medsynth release`:

- **distance to closest record (DCR):** how close each synthetic image lies to its nearest training image, against how close unseen real images of the class (the holdout) lie. Synthetic images much closer than unseen patients, or exact copies, point to memorisation;
- **membership inference:** two attacks try to tell the training images (members) from the holdout images (non-members) using only the synthetic set: one by the distance to the nearest synthetic image, one by the ratio of the synthetic density to a reference density (DOMIAS). AUC 0.5 is chance;
- **DP-SGD:** a model trained with differentially private SGD has a guarantee (ε, δ) that does not depend on any attack. The RDP accountant gives ε after each step;
- **utility:** what the privacy costs, as AUROC of the classifiers on the REAL test split.

`runDir` is the run to audit (by default the run of notebooks 01–04); `compareRunDirs` adds runs of the same setting to set beside it, such as the DP-SGD run `medsynth run pneumoniamnist-rare50-dp` and its non-private twin `pneumoniamnist-rare50-small`.
"""),
        code("""// Parameters: `medsynth notebook run <this notebook> -p name=value` replaces them.
let datasetPath: string | null = null; // as in notebooks 01-04; picks their run when runDir is null
let runDir: string | null = null; // an image run that has generated synthetic images; null: the run of notebooks 01-04
let seed = 0; // seed of the attacks' random splits
let overrides: Record<string, unknown> = {}; // as in notebooks 01-04; picks their run when runDir is null
let compareRunDirs: string[] = []; // runs of the same setting to audit beside it, such as its DP-SGD and non-private twins
let plannedSampleRate = 0.0296; // DP-SGD settings to plan: Poisson sampling rate q
let plannedSteps = 600; // ... number of steps
let plannedNoiseMultipliers: number[] = [0.75, 1, 1.5, 2]; // ... noise multipliers σ to compare
let plannedDelta = 1e-5;
let backend = 'auto';""", ["parameters"]),
        code("""import * as ms from '../kernel-lib';

await ms.selectBackend({ backend: backend });
// tslab does not resolve shorthand properties ({ seed }) that name another cell's variable: spell them out.
const auditedRun = ms.notebookRunDirectory({ datasetPath: datasetPath, runDir: runDir, seed: seed, overrides: overrides });
const audits: ms.ImageRunAudit[] = [];
for (const dir of [auditedRun, ...compareRunDirs]) {
  audits.push(await ms.auditImageRun(dir, { seed: seed }));
  console.log(`audited ${dir}`);
}
ms.showMarkdown(ms.imageAuditTable(audits));"""),
        md("""
## Distance to the closest training image

Distances are Euclidean between images with pixels scaled to [0, 1] (784 features for 28 × 28 images). The holdout histogram is the yardstick: a synthetic image that sits no closer to the training images than unseen real images do reveals no more about them than any new patient would.
"""),
        code("""for (const audit of audits) {
  const holdout = audit.details.dcr.holdout;
  if (holdout === null) continue;
  await ms.showFigure(ms.dcrHistogramFigure(`${audit.name}: ${audit.className}`, audit.details.dcr.synthetic.values, holdout.values, 'pixels in [0, 1]'));
}"""),
        md("""
## Membership inference

Each curve is an attack that ranks the real images by how likely they were in the training set. A curve on the diagonal learns nothing.
"""),
        code("""const attacks: ms.NamedAttack[] = [];
for (const audit of audits) {
  attacks.push({ name: `${audit.name}, distance`, attack: audit.details.distanceAttack });
  attacks.push({ name: `${audit.name}, density ratio`, attack: audit.details.densityAttack });
}
await ms.showFigure(ms.membershipRocFigure('Membership inference against the training images', attacks));"""),
        md("""
## ε over training steps

The planned curves show what each noise multiplier spends over the planned run; the DP runs' own settings are drawn as well. Fewer steps, a smaller sampling rate or more noise spend less ε, and the model learns less from each image.
"""),
        code("""const curves: ms.EpsilonCurveSettings[] = plannedNoiseMultipliers.map((sigma) => ({
  name: `planned σ ${sigma}`,
  sampleRate: plannedSampleRate,
  noiseMultiplier: sigma,
  steps: plannedSteps,
  delta: plannedDelta,
}));
for (const audit of audits) {
  const record = audit.privacy;
  if (record !== null && record.steps > 0) {
    curves.push({ name: `${audit.name} (σ ${record.noiseMultiplier.toFixed(3)})`, sampleRate: record.sampleRate, noiseMultiplier: record.noiseMultiplier, steps: record.steps, delta: record.delta });
  }
}
await ms.showFigure(ms.epsilonCurveFigure(curves));"""),
        md("""
## Utility against ε

AUROC on the REAL test split of the classifier trained on real and synthetic images, and of the one trained with synthetic images in place of the real rare-class images. A run without DP-SGD is shown as non-private.
"""),
        code("""for (const arm of ['real+synthetic', 'synthetic-only']) {
  const points: ms.UtilityPoint[] = [];
  for (const audit of audits) {
    const row = audit.utility.find((entry) => entry.arm === arm);
    if (row === undefined || row.value === null) continue;
    points.push({ name: audit.name, epsilon: audit.privacy === null ? null : audit.privacy.epsilon, value: row.value, lower: row.lower, upper: row.upper });
  }
  if (points.length > 0) await ms.showFigure(ms.utilityPrivacyFigure(`${arm}: AUROC on the REAL test split`, 'AUROC', points));
}"""),
        md("""
## The release gate's verdict

The checks that `medsynth release` would apply with its default policy, and why each failed one failed.
"""),
        code("""for (const audit of audits) {
  console.log(`${audit.name}: ${audit.result.passed ? 'PASS' : 'FAIL'}`);
  for (const check of audit.result.checks) console.log(`  ${check.passed ? 'pass' : 'FAIL'} ${check.name}: ${check.explanation}`);
}"""),
    ],
    "07-multimodal": [
        md("""
# 07 · Reports and images, and missing modalities

Radiology comes as images with reports, and clinical prediction draws on several modalities, any of which can be missing. This notebook covers three tasks:

- **retrieval:** image and report encoders trained jointly with a contrastive (CLIP-style) loss. For held-out reports, how often the nearest images show the report's finding (label agreement at k);
- **report → image:** a diffusion model conditioned on the report's embedding, with a learned "no report" vector for classifier-free guidance. A classifier trained on real images reads the class of each generated image, and the notebook measures how often it matches the report, per guidance scale. It also generates **report variations**: new report texts for a finding, recombined from training-report sentences and checked by a negation-aware finding labeller;
- **missing modalities:** a classifier of in-hospital death that fuses ICU time series and admission descriptors, trained with per-modality dropout, is scored on the real test split with each modality missing. The table sets it beside a fusion model trained without dropout and beside single-modality models.

By default the notebook runs on built-in data. The chest **phantoms** each come with a templated report written for them, so these pairs are exact. The ICU records are generated demo records. None of this is medical data, and with `quick` the models are tiny, so the numbers only show that the pipeline runs.

For real data, set `reportsDir` to a folder with the Indiana University chest X-ray reports (`indiana_reports.csv`) and `ehrDir` to PhysioNet 2012. No openly licensed paired report + image set is available, so the reports are paired **weakly** with PneumoniaMNIST images of the same class: normal reports with normal images, and pneumonia, consolidation or airspace-disease reports with pneumonia images. Because the pairing follows the label, retrieval is measured as label agreement, not exact-pair recall. The reports are CC BY-NC-ND: models, report texts and outputs derived from them must stay outside the repository, so the run goes to a temporary folder and this notebook's outputs must not be committed.
"""),
        code("""// Parameters: `medsynth notebook run <this notebook> -p name=value` replaces them.
let reportsDir: string | null = null; // folder with indiana_reports.csv; null: built-in phantoms with templated reports
let imagesPath = 'pneumoniamnist'; // images paired with reportsDir (registered name or .npz path)
let reportRunDir: string | null = null; // null: experiments/runs/notebooks-report-image (phantoms), a temporary folder (real reports)
let ehrDir: string | null = null; // PhysioNet 2012 folder (set-a/, Outcomes-a.txt); null: generated ICU demo records
let quick = true; // tiny models and few steps; false: the settings of experiments/report-image-iu.json
let seed = 0;
let backend = 'auto';""", ["parameters"]),
        code("""import * as path from 'path';
import * as fs from 'fs';
import * as ms from '../kernel-lib';

await ms.selectBackend({ backend: backend });
const mm = ms.multimodal;
const source: ms.multimodal.ReportImageSource = reportsDir === null ? { kind: 'phantom' } : { kind: 'iu-xray', reportsDir: reportsDir, images: imagesPath };
const outDir = mm.reportImageRunDirectory(source, reportRunDir);
const settingsFile = path.join(ms.findProjectRoot('07-multimodal'), 'experiments', 'report-image-iu.json');
const settings = mm.ReportImageSettingsSchema.parse(quick ? { ...mm.QUICK_REPORT_IMAGE_SETTINGS, seed: seed } : { ...JSON.parse(fs.readFileSync(settingsFile, 'utf8')), seed: seed });
const data = mm.loadReportImageData(source, settings.seed);
const bars = mm.reportImageProgressBars(ms.notebookProgress());
const metrics = mm.runReportImageExperiment({ data: data, settings: settings, outDir: outDir, onProgress: bars.onProgress });
bars.stop();
console.log(`run folder: ${outDir}`);
ms.showMarkdown(mm.formatReportImageMetrics(metrics));"""),
        md("""
## Retrieval examples

For one held-out report of each class, the eight held-out images nearest to it in the joint embedding. The images are REAL; the caption lists their classes.
"""),
        code("""const clip = ms.text.loadClipModel(path.join(outDir, 'clip'));
const test = data.splits.test;
const dim = clip.textConfig.outputDim;
const imageEmbeddings = ms.text.embedImages(clip, test.pairs.images, test.pairs.count);
const pixels = data.height * data.width;
const exampleReports = data.classNames.map((_, c) => test.reports.findIndex((r) => r.imageClass === c)).filter((r) => r >= 0);
for (const r of exampleReports) {
  const report = test.reports[r];
  const query = ms.text.embedTexts(clip, [report.text]);
  const nearest = mm.nearestRows(query, imageEmbeddings, dim, 8);
  const images = new Uint8Array(nearest.length * pixels);
  nearest.forEach((row, i) => images.set(test.pairs.images.subarray(row * pixels, (row + 1) * pixels), i * pixels));
  ms.showMarkdown(`**Held-out report (${data.classNames[report.imageClass]}):** ${ms.markdownText(report.text)}`);
  ms.showImages(images, { height: data.height, width: data.width, scale: 3, caption: `REAL held-out images nearest to the report; classes: ${nearest.map((row) => data.classNames[test.pairs.labels[row]]).join(', ')}` });
}"""),
        md("""
## Report → image, per guidance scale

Images generated for the same held-out reports. Each row is one guidance scale, from the top: 0 ignores the report, 1 follows the conditional model, and larger values push further towards the report. Every image here is SYNTHETIC.
"""),
        code("""const loaded = ms.loadReportImageModel(path.join(outDir, 'diffusion'), (texts) => ms.text.embedTexts(clip, texts));
const scales = settings.evaluation.guidanceScales;
for (const r of exampleReports) {
  const report = test.reports[r];
  const rows = scales.map((g) =>
    ms.toUint8(ms.generateImageFromReport(loaded, report.text, { guidanceScale: g, numSamples: 8, seed: seed, numInferenceSteps: settings.evaluation.numInferenceSteps })),
  );
  const grid = new Uint8Array(rows.length * 8 * pixels);
  rows.forEach((row, i) => grid.set(row, i * 8 * pixels));
  ms.showImages(grid, { height: data.height, width: data.width, scale: 3, caption: `SYNTHETIC images for the ${data.classNames[report.imageClass]} report above; rows: guidance ${scales.join(', ')}` });
}
loaded.dispose();
ms.text.disposeClipModel(clip);"""),
        md("""
## Report variations

New report texts for each finding, recombined from sentences of the training reports. The finding labeller reads each one again: the finding must come out positive (no finding positive or uncertain for a normal report), and negated findings must stay negated. The last column is the longest run of words shared with any one training report; no variation repeats a whole report.
"""),
        code("""const bank = ms.text.buildSentenceBank(data.splits.train.reports.map((r) => ({ id: r.id, text: r.text })));
const lines = ['| finding | variation | positive or uncertain per the labeller | longest overlap (words) |', '| --- | --- | --- | --- |'];
for (const summary of metrics.variations) {
  if (summary.generated === 0) continue;
  for (const v of ms.text.generateReportVariation(summary.finding, { n: 3, seed: seed, bank: bank })) {
    const stated = Object.entries(v.labels).filter(([, status]) => status === 'positive' || status === 'uncertain').map(([finding, status]) => `${finding} (${status})`);
    lines.push(`| ${summary.finding} | ${ms.markdownText(v.text)} | ${stated.join(', ') || 'none'} | ${v.longestOverlapWords} |`);
  }
}
ms.showMarkdown(lines.join('\\n'));"""),
        md("""
## Missing modalities: ICU time series and admission descriptors

Three kinds of model predict in-hospital death: a fusion model trained with per-modality dropout (each modality of each training patient dropped with probability 0.3 and replaced by a learned "missing" embedding), a fusion model trained without dropout, and single-modality models. Each is scored on the test split with every non-empty set of modalities available. An absent modality gets the missing embedding. A dash means the model reads none of the modalities available.
"""),
        code("""const ehrFolder = ehrDir === null ? ms.writeEhrDemoSet(path.join(outDir, 'ehr-demo'), { count: 300, seed: seed }) : { recordFolder: path.join(ehrDir, 'set-a'), outcomesPath: path.join(ehrDir, 'Outcomes-a.txt') };
const ehrData = ms.ehr.prepareEhrData({ recordFolder: ehrFolder.recordFolder, outcomesPath: ehrFolder.outcomesPath, hours: 48, splitSeed: seed });
const seeds = quick ? [seed] : [0, 1, 2];
const maxEpochs = quick ? 5 : 40;
const arms = mm.defaultFusionArms(0.3);
const fusionBar = ms.notebookProgress()('modality dropout', seeds.length * arms.length * maxEpochs, 'epochs');
const fusion = mm.runModalityDropoutExperiment({
  train: mm.buildEhrMultimodalDataset(ehrData.splits.train),
  validation: mm.buildEhrMultimodalDataset(ehrData.splits.validation),
  test: mm.buildEhrMultimodalDataset(ehrData.splits.test),
  seeds: seeds,
  arms: arms,
  maxEpochs: maxEpochs,
  patience: 8,
  onProgress: (p) => fusionBar.update(p.armsDone * maxEpochs + p.epoch, `${p.arm}, seed ${p.seed}`),
});
fusionBar.stop();
ms.showMarkdown(mm.formatModalityDropoutMarkdown(fusion.rows));"""),
    ],
}


def notebook(cells):
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i:02d}"
        cell = dict(cell)
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "TypeScript", "language": "typescript", "name": "tslab"},
            "language_info": {"codemirror_mode": {"mode": "typescript", "name": "javascript", "typescript": True}, "file_extension": ".ts", "mimetype": "text/typescript", "name": "typescript", "version": "5.0"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def is_plotly_loader(output):
    text = output.get("data", {}).get("text/plain", "")
    text = "".join(text) if isinstance(text, list) else text
    return output.get("output_type") == "display_data" and text.startswith("plotly.js ")


def record(run_dir, names):
    for name in names:
        executed_path = os.path.join(run_dir, name, f"{name}.ipynb")
        with open(executed_path, encoding="utf-8") as f:
            executed = json.load(f)
        cells = [c for c in executed["cells"] if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
        for cell in cells:
            if cell["cell_type"] == "code":
                cell["outputs"] = [o for o in cell["outputs"] if not is_plotly_loader(o)]
        executed["cells"] = cells
        path = os.path.join(ROOT, "notebooks", f"{name}.ipynb")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(executed, f, indent=1, ensure_ascii=False)
            f.write("\n")
        print(f"recorded {executed_path} -> {path} ({os.path.getsize(path)} bytes)")


def main():
    if sys.argv[1:2] == ["--record"]:
        record(sys.argv[2], sys.argv[3:] or list(NOTEBOOKS))
        return
    names = sys.argv[1:] or list(NOTEBOOKS)
    for name in names:
        path = os.path.join(ROOT, "notebooks", f"{name}.ipynb")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(notebook(NOTEBOOKS[name]), f, indent=1, ensure_ascii=False)
            f.write("\n")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
