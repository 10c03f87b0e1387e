/**
 * Reads and validates platform.yaml. Every failure becomes a `ConfigError` whose lines name the
 * key path, what was expected, what was found and how to fix it; callers print them and exit 1.
 */
import * as fs from 'node:fs';
import * as yaml from 'js-yaml';
import { z } from 'zod';
import { closest } from './did-you-mean';
import { enforcementByEnvironment, fromAllowedRegistry, PlatformConfig, platformSchema, registryPrefixOf } from './schema';

export class ConfigError extends Error {
  constructor(readonly file: string, readonly problems: readonly string[]) {
    super(`${file}: invalid configuration\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfigFile(file: string): PlatformConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot read it (${code ?? String(e)})`;
    throw new ConfigError(file, [`${why}; pass an existing platform.yaml with --config FILE`]);
  }
  return parseConfig(text, file);
}

export function parseConfig(text: string, file = 'platform.yaml'): PlatformConfig {
  if (text.trim() === '') throw new ConfigError(file, ['the file is empty; start from the platform.yaml shipped with this repository']);
  let data: unknown;
  try {
    data = yaml.load(text, { filename: file, schema: yaml.CORE_SCHEMA });
  } catch (e) {
    const err = e as yaml.YAMLException;
    const where = err.mark ? `line ${err.mark.line + 1}, column ${err.mark.column + 1}` : 'unknown position';
    throw new ConfigError(file, [`YAML syntax error at ${where}: ${err.reason ?? err.message}`]);
  }
  if (data === null || data === undefined) throw new ConfigError(file, ['the file has no content; start from the shipped platform.yaml']);
  if (typeof data !== 'object' || Array.isArray(data)) throw new ConfigError(file, [`expected a mapping at the top level, got ${describe(data)}`]);
  const result = platformSchema.safeParse(data, { reportInput: true });
  if (!result.success) throw new ConfigError(file, formatIssues(result.error.issues));
  return result.data;
}

/**
 * What a valid config most likely gets wrong but still renders: one line per finding, naming the
 * key path and the fix, like the errors. Synth prints them once (`warning: <file>: ...`) and goes on.
 * - a Kafka topic consumed but produced by no service (its consumers wait for messages that never come);
 * - a service image outside `policy.allowedRegistries` where Gatekeeper only warns (where it denies,
 *   that is an error: the schema refuses it).
 */
export function configWarnings(cfg: PlatformConfig): string[] {
  const warnings: string[] = [];
  const produced = new Set(cfg.services.flatMap((s) => s.kafka?.produces ?? []));
  cfg.services.forEach((s, i) =>
    (s.kafka?.consumes ?? []).forEach((topic, j) => {
      if (produced.has(topic)) return;
      const near = closest(topic, [...produced]);
      warnings.push(
        `${formatPath(['services', i, 'kafka', 'consumes', j])}: ${s.name} consumes topic "${topic}", which no service produces` +
          `${near ? ` (did you mean "${near}"?)` : ''}; add it to the producing service's kafka.produces, or remove it`,
      );
    }),
  );
  const { deny, warn } = enforcementByEnvironment(cfg);
  if (deny.length === 0 && warn.length > 0) {
    cfg.services.forEach((s, i) => {
      if (fromAllowedRegistry(s.image, cfg.policy.allowedRegistries)) return;
      warnings.push(
        `${formatPath(['services', i, 'image'])}: image "${s.image}" is not from policy.allowedRegistries (${cfg.policy.allowedRegistries.join(', ')}); ` +
          `Gatekeeper warns about its pods in ${warn.join(', ')} and would deny them where policyEnforcement is deny; add "${registryPrefixOf(s.image)}" to policy.allowedRegistries`,
      );
    });
  }
  return warnings;
}

/** Renders a path the way users write it: `services[0].port`, `environments.dev.tier`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${String(seg)}` : String(seg)), '') || '(top level)';
}

function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const lines = issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(issue.path);
      return issue.keys.map((key) => {
        const near = closest(key, known);
        const hint = near ? ` (did you mean "${near}"?)` : known.length ? ` (allowed: ${known.join(', ')})` : '';
        return `${formatPath([...issue.path, key])}: unknown key "${key}"${hint}; remove it or fix the spelling`;
      });
    }
    if (issue.code === 'invalid_key') {
      // A map key that fails its own schema: say why, at the key's path.
      return issue.issues.map((inner) => `${formatPath(issue.path)}: key "${String(issue.path[issue.path.length - 1])}": ${inner.message}`);
    }
    const got = 'input' in issue && issue.code !== 'custom' ? `, got ${describe(issue.input)}` : '';
    const message = issue.code === 'invalid_type' && issue.input === undefined ? `${issue.message}; this key is required` : `${issue.message}${got}`;
    return [`${formatPath(issue.path)}: ${message}`];
  });
  return [...new Set(lines)];
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${String(value)}`;
}

/** The keys an object schema allows at a path, found by walking the schema itself. */
function knownKeys(path: readonly PropertyKey[]): string[] {
  let node: z.core.$ZodType | undefined = platformSchema as unknown as z.core.$ZodType;
  for (const seg of [...path, null]) {
    node = unwrap(node);
    if (!node) return [];
    const def = node._zod.def as unknown as Record<string, unknown> & { type: string };
    if (seg === null) return def.type === 'object' ? Object.keys(def.shape as object).sort() : [];
    if (def.type === 'object') node = (def.shape as Record<string, z.core.$ZodType>)[String(seg)];
    else if (def.type === 'array') node = def.element as z.core.$ZodType;
    else if (def.type === 'record') node = def.valueType as z.core.$ZodType;
    else return [];
  }
  return [];
}

function unwrap(node: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  let n = node;
  for (;;) {
    const def = n?._zod.def as unknown as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType } | undefined;
    if (def && (def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault')) n = def.innerType;
    else if (def && def.type === 'pipe') n = def.in;
    else return n;
  }
}
