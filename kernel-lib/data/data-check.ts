/**
 * Data checks of an image dataset: byte-identical images within a split and across
 * splits, and identical images with conflicting labels. A duplicate across splits
 * leaks test images into training, and a conflicting pair puts label noise in.
 */
import { createHash } from 'crypto';
import { ImageDataset, SPLIT_NAMES, SplitName } from './image-dataset';

/** One image of a dataset. */
export interface ImageRef {
  split: SplitName;
  /** Position within the split. */
  index: number;
  label: number;
}

/** Two or more images with the same pixel bytes. */
export interface DuplicateGroup {
  /** SHA-1 of the image bytes, as hex. */
  sha1: string;
  /** The images, in split order (train, val, test) and then by index. */
  members: ImageRef[];
  /** The distinct splits of the members, in split order. */
  splits: SplitName[];
  /** The distinct labels of the members, ascending. */
  labels: number[];
}

/** The groups of one kind of finding: totals, and the first `maxGroups` groups. */
export interface DuplicateFinding {
  groupCount: number;
  /** Images in all these groups together. */
  imageCount: number;
  /** The first groups, ordered by their first member; at most `DataCheckReport.maxGroups`. */
  groups: DuplicateGroup[];
}

export interface DataCheckReport {
  dataset: string;
  /** Images in all splits. */
  imageCount: number;
  /** Distinct pixel contents among them. */
  uniqueImageCount: number;
  /** Limit on the groups listed per finding. */
  maxGroups: number;
  /** Groups with members in two or more splits. */
  crossSplit: DuplicateFinding;
  /** Groups with two or more members in one split; a group can also be cross-split. */
  withinSplit: DuplicateFinding & {
    /** Per split, the images beyond the first of each pixel content (copies a split could drop). */
    redundantImages: Record<SplitName, number>;
  };
  /** Groups whose members carry two or more different labels. */
  conflictingLabels: DuplicateFinding;
}

export interface DataCheckOptions {
  /** Maximum groups listed per finding, a non-negative integer. Default 20. */
  maxGroups?: number;
}

/**
 * Finds byte-identical images across splits, within a split, and with conflicting
 * labels. Images are compared by the SHA-1 of their `height × width` bytes. Reads the
 * dataset and never modifies it. Throws when a split's arrays do not match its count
 * and the image size.
 */
export function checkImageDataset(ds: ImageDataset, options: DataCheckOptions = {}): DataCheckReport {
  const maxGroups = options.maxGroups ?? 20;
  if (!Number.isInteger(maxGroups) || maxGroups < 0) {
    throw new Error(`checkImageDataset: \`maxGroups\` must be a non-negative integer, got ${maxGroups}`);
  }
  if (!Number.isInteger(ds.height) || ds.height < 1 || !Number.isInteger(ds.width) || ds.width < 1) {
    throw new Error(`checkImageDataset: dataset '${ds.name}' has image size ${ds.height}×${ds.width}; both must be positive integers`);
  }
  const pixelsPerImage = ds.height * ds.width;
  for (const splitName of SPLIT_NAMES) {
    const split = ds.splits[splitName];
    if (split === undefined) continue;
    if (split.images.length !== split.count * pixelsPerImage || split.labels.length !== split.count) {
      throw new Error(
        `checkImageDataset: ${splitName} split of '${ds.name}' has count ${split.count} but ${split.images.length} image bytes ` +
          `(expected ${split.count * pixelsPerImage}) and ${split.labels.length} labels; validate the dataset first`,
      );
    }
  }

  // 1. Group every image by the hash of its bytes. Map keeps insertion order, so the
  // groups come out ordered by their first member.
  const byHash = new Map<string, ImageRef[]>();
  let imageCount = 0;
  for (const splitName of SPLIT_NAMES) {
    const split = ds.splits[splitName];
    if (split === undefined) continue;
    for (let index = 0; index < split.count; index++) {
      const bytes = split.images.subarray(index * pixelsPerImage, (index + 1) * pixelsPerImage);
      const sha1 = createHash('sha1').update(bytes).digest('hex');
      const members = byHash.get(sha1);
      const ref: ImageRef = { split: splitName, index, label: split.labels[index] };
      if (members === undefined) byHash.set(sha1, [ref]);
      else members.push(ref);
      imageCount++;
    }
  }

  // 2. Sort the groups of two or more into the three findings.
  const crossSplit = emptyFinding();
  const withinSplit = { ...emptyFinding(), redundantImages: { train: 0, val: 0, test: 0 } as Record<SplitName, number> };
  const conflictingLabels = emptyFinding();
  for (const [sha1, members] of byHash) {
    if (members.length < 2) continue;
    const splits = SPLIT_NAMES.filter((name) => members.some((member) => member.split === name));
    const labels = [...new Set(members.map((member) => member.label))].sort((a, b) => a - b);
    const group: DuplicateGroup = { sha1, members, splits, labels };

    if (splits.length > 1) addGroup(crossSplit, group, maxGroups);
    let repeatedInSplit = false;
    for (const name of splits) {
      const inSplit = members.filter((member) => member.split === name).length;
      withinSplit.redundantImages[name] += inSplit - 1;
      if (inSplit > 1) repeatedInSplit = true;
    }
    if (repeatedInSplit) addGroup(withinSplit, group, maxGroups);
    if (labels.length > 1) addGroup(conflictingLabels, group, maxGroups);
  }

  return {
    dataset: ds.name,
    imageCount,
    uniqueImageCount: byHash.size,
    maxGroups,
    crossSplit,
    withinSplit,
    conflictingLabels,
  };
}

/**
 * Formats a report as a few lines, for example
 *
 *     data check of 'breastmnist': 625 images, 624 distinct
 *       cross-split duplicates: 1 group (2 images), e.g. train 91 = test 60 (labels 0, 1)
 *       within-split duplicates: none
 *       conflicting labels: 1 group (2 images), e.g. train 91 = test 60 (labels 0, 1)
 *
 * Each finding shows up to `examples` groups (default 3) as `split index` lists, with
 * the labels when they conflict.
 */
export function formatDataCheck(report: DataCheckReport, examples = 3): string {
  if (!Number.isInteger(examples) || examples < 0) {
    throw new Error(`formatDataCheck: \`examples\` must be a non-negative integer, got ${examples}`);
  }
  const describe = (title: string, finding: DuplicateFinding, extra = ''): string => {
    if (finding.groupCount === 0) return `  ${title}: none`;
    const exampleGroups = finding.groups.slice(0, examples).map(formatGroup);
    const more = finding.groupCount > exampleGroups.length ? `, and ${finding.groupCount - exampleGroups.length} more` : '';
    const listed = exampleGroups.length > 0 ? `, e.g. ${exampleGroups.join('; ')}${more}` : '';
    const groups = finding.groupCount === 1 ? '1 group' : `${finding.groupCount} groups`;
    return `  ${title}: ${groups} (${finding.imageCount} images)${extra}${listed}`;
  };
  const redundant = SPLIT_NAMES.map((name) => `${name} ${report.withinSplit.redundantImages[name]}`).join(', ');
  return [
    `data check of '${report.dataset}': ${report.imageCount} images, ${report.uniqueImageCount} distinct`,
    describe('cross-split duplicates', report.crossSplit),
    describe('within-split duplicates', report.withinSplit, `; redundant copies ${redundant}`),
    describe('conflicting labels', report.conflictingLabels),
  ].join('\n');
}

function emptyFinding(): DuplicateFinding {
  return { groupCount: 0, imageCount: 0, groups: [] };
}

function addGroup(finding: DuplicateFinding, group: DuplicateGroup, maxGroups: number): void {
  finding.groupCount++;
  finding.imageCount += group.members.length;
  if (finding.groups.length < maxGroups) finding.groups.push(group);
}

/** `train 17 = test 402 (labels 0, 1)`; labels shown only when they conflict. */
function formatGroup(group: DuplicateGroup): string {
  const members = group.members.map((member) => `${member.split} ${member.index}`).join(' = ');
  return group.labels.length > 1 ? `${members} (labels ${group.labels.join(', ')})` : members;
}
