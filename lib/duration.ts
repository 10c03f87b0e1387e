/**
 * Prometheus durations, one value type next to Cpu and Memory (lib/resources.ts). Moved from the
 * hand-written imports/monitoring.ts when imports/ became generated.
 */

const UNITS: readonly (readonly [string, number])[] = [
  ['d', 86400],
  ['h', 3600],
  ['m', 60],
  ['s', 1],
];

/**
 * A Prometheus duration (`30s`, `2m`, `24h`, `15d`), held in whole seconds. Used for rule `for:`,
 * group intervals, retention and scrape intervals, so arithmetic on them (detection bounds) is
 * typed rather than string parsing at every call site. It prints in the unit it was made with
 * (`Duration.hours(24)` is `24h`, as the seed writes it), sums in the largest whole unit.
 */
export class Duration {
  static seconds(n: number): Duration {
    return Duration.of(n, 's');
  }
  static minutes(n: number): Duration {
    return Duration.of(n, 'm');
  }
  static hours(n: number): Duration {
    return Duration.of(n, 'h');
  }
  static days(n: number): Duration {
    return Duration.of(n, 'd');
  }
  /** Parses a single-unit Prometheus duration such as `30s`, `5m`, `24h`, `30d`. */
  static parse(text: string): Duration {
    const m = /^(\d+)(s|m|h|d)$/.exec(text.trim());
    if (!m) throw new Error(`not a duration: "${text}" (expected e.g. 30s, 5m, 24h or 15d)`);
    return Duration.of(Number(m[1]), m[2]);
  }
  private static of(n: number, unit: string): Duration {
    if (!Number.isInteger(n) || n < 0) throw new Error(`a duration must be a non-negative whole number, got ${n}${unit}`);
    return new Duration(n * UNITS.find(([u]) => u === unit)![1], unit);
  }
  private constructor(readonly totalSeconds: number, private readonly unit?: string) {}
  plus(o: Duration): Duration {
    return new Duration(this.totalSeconds + o.totalSeconds);
  }
  times(n: number): Duration {
    if (!Number.isInteger(n) || n < 0) throw new Error(`a duration can only be multiplied by a non-negative whole number, got ${n}`);
    return new Duration(this.totalSeconds * n);
  }
  /** In its own unit, else the largest whole unit (`90s`, `2m`, `1d`); zero is `0s`. */
  toString(): string {
    if (this.totalSeconds === 0) return '0s';
    const [unit, size] = UNITS.find(([u]) => u === this.unit) ?? UNITS.find(([, s]) => this.totalSeconds % s === 0)!;
    return `${this.totalSeconds / size}${unit}`;
  }
  /** The same duration in hours (`720h`), for Go durations, which have no day unit (Loki, Tempo). */
  toHours(): string {
    if (this.totalSeconds % 3600 !== 0) throw new Error(`${this} is not a whole number of hours`);
    return `${this.totalSeconds / 3600}h`;
  }
  toJSON(): string {
    return this.toString();
  }
}
