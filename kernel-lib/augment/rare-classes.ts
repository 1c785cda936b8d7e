/**
 * Picks the classes to augment: those named, or else every class whose training count is
 * below `countThreshold`. Returns class indices in ascending order.
 */
export function pickRareClasses(
  classNames: string[],
  trainCounts: number[],
  options: { rareClasses?: string[]; countThreshold?: number },
): number[] {
  let picked: number[];
  if (options.rareClasses && options.rareClasses.length > 0) {
    picked = options.rareClasses.map((name) => {
      const index = classNames.indexOf(name);
      if (index < 0) {
        throw new Error(`pickRareClasses: unknown class '${name}'; the dataset's classes are ${classNames.map((c) => `'${c}'`).join(', ')}`);
      }
      return index;
    });
  } else if (options.countThreshold !== undefined) {
    picked = trainCounts.flatMap((count, index) => (count < (options.countThreshold as number) ? [index] : []));
    if (picked.length === 0) {
      throw new Error(
        `pickRareClasses: no class has fewer than ${options.countThreshold} training images (counts ${trainCounts.join(', ')}); ` +
          'raise countThreshold or name the rare classes',
      );
    }
  } else {
    throw new Error('pickRareClasses: name the rare classes (rareClasses) or give a countThreshold');
  }
  for (const index of picked) {
    if (trainCounts[index] === 0) {
      throw new Error(
        `pickRareClasses: rare class '${classNames[index]}' has no training images; a conditional model cannot learn it, ` +
          'so add images of that class or leave it out',
      );
    }
  }
  return Array.from(new Set(picked)).sort((a, b) => a - b);
}
