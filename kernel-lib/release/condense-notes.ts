/**
 * Condenses repetitive notes for the report: notes that differ only in their first quoted name
 * and in bracketed values form one line listing the names.
 */

/** Names listed per group before the rest is counted. */
const MAX_NAMES = 8;

/**
 * Returns `notes` with each group of two or more similar notes replaced by one line: the count,
 * the first note as an example and the quoted names. Single notes are kept as they are, and
 * every line starts with `prefix`.
 */
export function condenseNotes(prefix: string, notes: readonly string[]): string[] {
  if (!Array.isArray(notes)) throw new Error(`condenseNotes: \`notes\` must be an array of strings, got ${notes}`);
  const groups = new Map<string, string[]>();
  for (const note of notes) {
    const key = String(note).replace(/'[^']*'/, "'…'").replace(/\([^)]*\)/g, '(…)');
    const group = groups.get(key) ?? [];
    group.push(String(note));
    groups.set(key, group);
  }
  const lines: string[] = [];
  for (const group of groups.values()) {
    if (group.length === 1) {
      lines.push(`${prefix}${group[0]}`);
      continue;
    }
    const names = group.map((note) => /'([^']*)'/.exec(note)?.[1] ?? '?');
    const listedNames = names.slice(0, MAX_NAMES).join(', ');
    const rest = names.length > MAX_NAMES ? ` and ${names.length - MAX_NAMES} more` : '';
    lines.push(`${prefix}${group.length} notes like "${group[0]}", for ${listedNames}${rest}`);
  }
  return lines;
}
