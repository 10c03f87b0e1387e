/**
 * What every command-line tool here shares: flag parsing and the error contract (bad input: one
 * clear message and a non-zero exit, never a stack trace unless PLATFORM_DEBUG is set).
 */
import { ConfigError } from '../config/load';
import { GraphError } from './graph';

export class UsageError extends Error {}

export interface FlagSpec {
  /** Flags that take a value: `--flag value` or `--flag=value`. */
  readonly values: readonly string[];
  /** Boolean flags. */
  readonly switches?: readonly string[];
}

export interface ParsedFlags {
  readonly values: ReadonlyMap<string, string>;
  readonly switches: ReadonlySet<string>;
}

/** Parses `argv` against `spec`; `'help'` for `-h`/`--help`. Throws UsageError naming the bad flag. */
export function parseFlags(argv: readonly string[], spec: FlagSpec): ParsedFlags | 'help' {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') return 'help';
    if (spec.switches?.includes(arg)) {
      switches.add(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (!spec.values.includes(flag)) throw new UsageError(`unknown option ${arg}`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '' || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    values.set(flag, value);
  }
  return { values, switches };
}

/**
 * Runs a tool's body and turns failures into exit codes: usage errors print the usage and exit 2,
 * invalid configuration or graph errors print their message and exit `errorCode`, anything else
 * prints `error: <message>` and exits `errorCode`.
 * @param errorCode 1 by default; 2 for a tool whose 1 means something else (diff --exit-code).
 */
export function runCli(usage: string, body: () => number, errorCode = 1): number {
  try {
    return body();
  } catch (e) {
    return reportError(usage, e, errorCode);
  }
}

/** `runCli` for a body that awaits (rendering charts). */
export async function runCliAsync(usage: string, body: () => Promise<number>, errorCode = 1): Promise<number> {
  try {
    return await body();
  } catch (e) {
    return reportError(usage, e, errorCode);
  }
}

function reportError(usage: string, e: unknown, errorCode: number): number {
  if (e instanceof UsageError) {
    console.error(`error: ${e.message}\n\n${usage}`);
    return 2;
  }
  if (e instanceof ConfigError || e instanceof GraphError) {
    console.error(e.message);
    return errorCode;
  }
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  if (process.env.PLATFORM_DEBUG) console.error(e);
  return errorCode;
}
