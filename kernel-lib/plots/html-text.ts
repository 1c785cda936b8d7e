/**
 * Escaping for the three places where text from data reaches a page: HTML markup, plotly.js
 * labels, and JSON or JavaScript inside a `<script>` element.
 */

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return String(text).replace(/[&<>"']/g, (char) => HTML_ENTITIES[char]);
}

/**
 * Escapes text for plotly.js labels, which read a subset of HTML tags (`<b>`, `<a href>`, ...)
 * and decode `&amp;`, `&lt;` and `&gt;`, so user text shows literally.
 */
export function plotlyText(text: string): string {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Serializes `value` as JSON that is safe inside a `<script>` element: `<`, `>` and `&` become
 * `\u` escapes so no string can close the element, and so do U+2028 and U+2029, which end a line
 * in JavaScript before ES2019. NaN becomes null (JSON has no NaN; plotly leaves a gap there).
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Makes JavaScript source safe inside `<script>`: `</script` and `<!--` would end or confuse the
 * element. `<\/` and `<\!` mean the same inside strings, regular expressions and comments.
 */
export function inlineScript(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}
