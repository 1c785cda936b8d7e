/**
 * Templated radiology reports for the chest phantoms (makeChestPhantomDataset), so the
 * offline demo has an image-report pair for every phantom. Each report states the
 * phantom's finding in one sentence and describes the other structures as normal,
 * in the order heart, lungs, pleura, bones. Wording, size words and sentence choice
 * vary with the generator.
 *
 * NOTE: the reports name no side and no location beyond a lung zone, because
 * makeChestPhantomDataset does not return the side or size it drew for an image. The
 * text matches the image's class, not its geometry.
 */
import { Random } from '../util/random';
import { CHEST_PHANTOM_CLASS_NAMES, ChestPhantomClassName } from './phantom';

type Template = (random: Random) => string;

const pick = <T>(random: Random, options: readonly T[]): T => options[random.int(options.length)];
const capitalise = (text: string) => text[0].toUpperCase() + text.slice(1);

const HEART_NORMAL = ['The heart size is normal.', 'Cardiac silhouette is within normal limits.', 'Normal heart size and mediastinal contours.'];
const LUNGS_CLEAR = ['The lungs are clear.', 'Both lungs are well aerated and clear.'];
const LUNGS_NO_CONSOLIDATION = ['No focal consolidation.', 'No focal airspace disease.'];
const PLEURA_NORMAL = ['No pleural effusion or pneumothorax.', 'The costophrenic angles are sharp and there is no pneumothorax.'];
const PLEURA_NO_PNEUMOTHORAX = ['No pneumothorax.', 'There is no pneumothorax.'];
const BONES_NORMAL = ['The visualized bones are intact.', 'No acute bony abnormality.', 'Osseous structures are unremarkable.'];
const SUMMARY_NORMAL = ['No acute cardiopulmonary abnormality.', 'Normal chest radiograph.'];

// The phantom's fluid reaches 0.56-0.64 of the image height, so "small" or "moderate".
const EFFUSION: readonly Template[] = [
  (random) => `${capitalise(pick(random, ['small', 'moderate']))} pleural effusion with a meniscus along the lateral chest wall.`,
  (random) => `There is a ${pick(random, ['small', 'moderate'])} pleural effusion blunting the costophrenic angle.`,
  (random) => `${capitalise(pick(random, ['small', 'moderate']))} layering pleural effusion obscures the hemidiaphragm.`,
];

// The phantom's cardiothoracic ratio is 0.56-0.66, read here as moderate enlargement.
const CARDIOMEGALY: readonly Template[] = [
  () => 'The heart is enlarged.',
  (random) => `The cardiac silhouette is ${pick(random, ['moderately', 'clearly'])} enlarged.`,
  () => 'Cardiomegaly, with a cardiothoracic ratio above 0.5.',
  (random) => `${capitalise(pick(random, ['moderate', 'marked']))} cardiomegaly.`,
];

// The phantom's nodule lies in aerated lung between 0.28 and 0.68 of the image height.
const NODULE: readonly Template[] = [
  (random) => `A ${pick(random, ['small', 'solitary'])} rounded nodule projects over the ${pick(random, ['upper', 'mid'])} lung zone.`,
  (random) => `${capitalise(pick(random, ['solitary', 'well circumscribed']))} pulmonary nodule in the ${pick(random, ['upper', 'mid'])} zone.`,
  () => 'There is a small nodule in the lung, isolated from the hilum and heart border.',
];

/**
 * Returns a templated report for one phantom of class `className`. Throws for a class
 * outside CHEST_PHANTOM_CLASS_NAMES.
 */
export function phantomReport(className: ChestPhantomClassName, random: Random): string {
  if (!(CHEST_PHANTOM_CLASS_NAMES as readonly string[]).includes(className)) {
    throw new Error(`phantomReport: unknown class '${className}'; expected one of ${CHEST_PHANTOM_CLASS_NAMES.join(', ')}`);
  }
  let sentences: string[];
  switch (className) {
    case 'no finding':
      sentences = [pick(random, HEART_NORMAL), pick(random, LUNGS_CLEAR), pick(random, PLEURA_NORMAL), pick(random, BONES_NORMAL), pick(random, SUMMARY_NORMAL)];
      break;
    case 'effusion':
      sentences = [pick(random, HEART_NORMAL), pick(random, LUNGS_NO_CONSOLIDATION), pick(random, EFFUSION)(random), pick(random, PLEURA_NO_PNEUMOTHORAX)];
      break;
    case 'cardiomegaly':
      sentences = [pick(random, CARDIOMEGALY)(random), pick(random, LUNGS_CLEAR), pick(random, PLEURA_NORMAL)];
      break;
    case 'nodule':
      sentences = [pick(random, HEART_NORMAL), pick(random, NODULE)(random), pick(random, LUNGS_NO_CONSOLIDATION), pick(random, PLEURA_NORMAL)];
      break;
  }
  // Half the reports also describe the bones, so the reports differ in length.
  if (className !== 'no finding' && random.int(2) === 1) sentences.push(pick(random, BONES_NORMAL));
  return sentences.join(' ');
}

/**
 * Returns one templated report per label, drawn in order from `Random(seed)`, so the
 * same labels and seed give the same reports. `classNames` maps labels to phantom
 * classes, as in the `classNames` of a chest phantom dataset. Throws for a class name
 * that is not a phantom class, a label outside [0, classNames.length), or a non-integer
 * seed.
 */
export function chestPhantomReports(labels: Int32Array, classNames: readonly string[], seed: number): string[] {
  if (!Number.isSafeInteger(seed)) throw new Error(`chestPhantomReports: \`seed\` must be an integer, got ${seed}`);
  for (const name of classNames) {
    if (!(CHEST_PHANTOM_CLASS_NAMES as readonly string[]).includes(name)) {
      throw new Error(`chestPhantomReports: class '${name}' has no report template; expected names from ${CHEST_PHANTOM_CLASS_NAMES.join(', ')}`);
    }
  }
  const random = new Random(seed);
  return Array.from(labels, (label, i) => {
    if (!Number.isInteger(label) || label < 0 || label >= classNames.length) {
      throw new Error(`chestPhantomReports: label ${label} at index ${i} is outside [0, ${classNames.length}); pass the dataset's classNames`);
    }
    return phantomReport(classNames[label] as ChestPhantomClassName, random);
  });
}
