const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Makes text from data (class names, arm names, reasons) safe inside one Markdown table cell.
 * HTML specials become entities, so no tag reaches a renderer that allows raw HTML, such as
 * Jupyter's for the Markdown outputs of a trusted notebook. `|` is escaped so the cell
 * stays one cell, and whitespace runs, newlines included, become one space.
 */
export function markdownText(text: string): string {
  return String(text)
    .replace(/[&<>"']/g, (c) => ENTITIES[c])
    .replace(/\|/g, '\\|')
    .replace(/\s+/g, ' ');
}
