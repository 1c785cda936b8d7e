/**
 * A plotly.js figure as notebooks and exporters take it, and its conversion to plain JSON.
 */

/** A plotly.js figure: traces, layout and optional config, as `Plotly.newPlot` takes them. */
export interface PlotlyFigure {
  data: object[];
  layout: object;
  config?: object;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A figure as plain JSON: only objects, arrays, finite numbers, strings, booleans and null. */
export interface PlotlyJson {
  data: JsonObject[];
  layout: JsonObject;
  config?: JsonObject;
}

/** Object tags of the typed arrays (cross-realm safe, unlike `instanceof`). */
const TYPED_ARRAY_TAGS = new Set([
  '[object Int8Array]',
  '[object Uint8Array]',
  '[object Uint8ClampedArray]',
  '[object Int16Array]',
  '[object Uint16Array]',
  '[object Int32Array]',
  '[object Uint32Array]',
  '[object Float32Array]',
  '[object Float64Array]',
  '[object BigInt64Array]',
  '[object BigUint64Array]',
]);

/**
 * Converts `figure` into plain JSON that plotly.js and the Jupyter plotly renderer read, and that
 * survives `JSON.parse(JSON.stringify(x))` unchanged. NaN, Infinity and -Infinity become null
 * (plotly draws a gap), -0 becomes 0, typed arrays become arrays, and values with `toJSON` (Date)
 * are replaced by its result, as JSON.stringify does. Object keys whose value is undefined are
 * dropped, and undefined array items become null. The input is not modified.
 *
 * Throws, naming the path of the value, on functions, symbols, Map, Set, ArrayBuffer, DataView,
 * bigint values beyond 2^53 and cycles, which have no faithful JSON form.
 */
export function toPlotlyJson(figure: PlotlyFigure): PlotlyJson {
  if (figure === null || typeof figure !== 'object') {
    throw new Error(`toPlotlyJson: \`figure\` must be an object { data, layout, config? }, got ${figure === null ? 'null' : typeof figure}`);
  }
  if (!Array.isArray(figure.data)) {
    throw new Error(`toPlotlyJson: \`figure.data\` must be an array of traces, got ${describe(figure.data)}`);
  }
  if (!isObjectLike(figure.layout)) {
    throw new Error(`toPlotlyJson: \`figure.layout\` must be an object, got ${describe(figure.layout)}; pass {} for plotly's defaults`);
  }
  if (figure.config !== undefined && !isObjectLike(figure.config)) {
    throw new Error(`toPlotlyJson: \`figure.config\` must be an object or undefined, got ${describe(figure.config)}`);
  }

  const data = figure.data.map((trace, i) => {
    if (!isObjectLike(trace)) throw new Error(`toPlotlyJson: \`data[${i}]\` must be a trace object, got ${describe(trace)}`);
    return convertObject(trace, `data[${i}]`, []);
  });
  const json: PlotlyJson = { data, layout: convertObject(figure.layout, 'layout', []) };
  if (figure.config !== undefined) json.config = convertObject(figure.config, 'config', []);
  return json;
}

function isObjectLike(value: unknown): value is object {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/** `ancestors` lists the objects and arrays being converted above `value`, to detect cycles. */
function convertValue(value: unknown, where: string, ancestors: object[]): JsonValue | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return finiteNumberOrNull(value);
    case 'undefined':
      return undefined;
    case 'bigint':
      if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new Error(`toPlotlyJson: \`${where}\` is the bigint ${value}, beyond 2^53; convert it to a number or string first`);
      }
      return Number(value);
    case 'function':
    case 'symbol':
      throw new Error(`toPlotlyJson: \`${where}\` is a ${typeof value}, which JSON cannot hold; remove it from the figure`);
  }
  if (value === null) return null;

  const object = value as object;
  if (ancestors.includes(object)) {
    throw new Error(`toPlotlyJson: \`${where}\` refers back to an enclosing object (a cycle); plotly figures must be trees`);
  }
  const tag = Object.prototype.toString.call(object);
  if (TYPED_ARRAY_TAGS.has(tag)) {
    return Array.from(object as ArrayLike<number | bigint>, (item, i) => convertValue(item, `${where}[${i}]`, ancestors) as JsonValue);
  }
  if (tag === '[object Map]' || tag === '[object Set]' || tag === '[object ArrayBuffer]' || tag === '[object DataView]') {
    throw new Error(`toPlotlyJson: \`${where}\` is a ${tag.slice(8, -1)}, which JSON cannot hold; convert it to an array or plain object`);
  }
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    return convertValue(toJSON.call(object), where, ancestors);
  }
  if (Array.isArray(object)) {
    const inner = [...ancestors, object];
    return object.map((item, i) => convertValue(item, `${where}[${i}]`, inner) ?? null);
  }
  return convertObject(object, where, ancestors);
}

function convertObject(object: object, where: string, ancestors: object[]): JsonObject {
  const inner = [...ancestors, object];
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(object)) {
    const converted = convertValue(item, `${where}.${key}`, inner);
    if (converted !== undefined) out[key] = converted;
  }
  return out;
}

function finiteNumberOrNull(value: number): number | null {
  if (!Number.isFinite(value)) return null;
  return value === 0 ? 0 : value; // -0 would print as 0 and read back as 0
}
