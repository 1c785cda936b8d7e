/**
 * Minimal strict parser for `--name value` and `--flag` options: every option must be
 * declared, so a typo is rejected with the list of valid options instead of ignored.
 */
export interface OptionSpec {
  /** 'string' and 'number' take a value; 'boolean' is a flag. */
  type: 'string' | 'number' | 'boolean';
  description: string;
  required?: boolean;
  default?: string | number | boolean;
}

export type ParsedOptions = Record<string, string | number | boolean | undefined>;

export function parseOptions(command: string, argv: string[], specs: Record<string, OptionSpec>): ParsedOptions {
  const out: ParsedOptions = {};
  for (const [name, spec] of Object.entries(specs)) if (spec.default !== undefined) out[name] = spec.default;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (!token.startsWith('--')) {
      throw new Error(`${command}: unexpected argument '${token}'; options start with --. Run 'medsynth ${command} --help'`);
    }
    const [rawName, inlineValue] = token.slice(2).split(/=(.*)/s, 2);
    const spec = specs[rawName];
    if (!spec) {
      throw new Error(`${command}: unknown option --${rawName}; valid options: ${Object.keys(specs).map((n) => `--${n}`).join(', ')}`);
    }
    if (spec.type === 'boolean') {
      out[rawName] = inlineValue === undefined ? true : inlineValue !== 'false';
      continue;
    }
    const value = inlineValue ?? argv[++i];
    if (value === undefined || (inlineValue === undefined && value.startsWith('--'))) {
      throw new Error(`${command}: option --${rawName} needs a value (${spec.description})`);
    }
    if (spec.type === 'number') {
      const number = Number(value);
      if (value.trim() === '' || !Number.isFinite(number)) {
        throw new Error(`${command}: option --${rawName} must be a number, got '${value}'`);
      }
      out[rawName] = number;
    } else {
      out[rawName] = value;
    }
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.required && out[name] === undefined) {
      throw new Error(`${command}: missing required option --${name} (${spec.description})`);
    }
  }
  return out;
}

export function formatHelp(command: string, summary: string, specs: Record<string, OptionSpec>): string {
  const lines = [`usage: medsynth ${command} [options]`, '', summary, '', 'options:'];
  for (const [name, spec] of Object.entries(specs)) {
    const value = spec.type === 'boolean' ? '' : ` <${spec.type}>`;
    let extra = '';
    if (spec.required) extra = ' (required)';
    else if (spec.default !== undefined) extra = ` (default ${spec.default})`;
    // At least one space between a long option and its description.
    lines.push(`${`  --${name}${value}`.padEnd(29)} ${spec.description}${extra}`);
  }
  return lines.join('\n');
}

/** Parses "32,64,64" into [32, 64, 64]. */
export function parseIntList(option: string, value: string): number[] {
  const parts = value.split(',').map((s) => Number(s.trim()));
  if (parts.length === 0 || parts.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new Error(`option --${option} must be a comma-separated list of positive integers, got '${value}'`);
  }
  return parts;
}
