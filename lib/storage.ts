/**
 * Volume sizes, one value type next to Cpu/Memory (lib/resources.ts) and Duration
 * (lib/duration.ts): PersistentVolumeClaim requests, operator storage fields and emptyDir limits
 * are built from it instead of `'20Gi'` strings, and it prints in Kubernetes' binary units.
 */
const MI = 1024 * 1024;
const UNITS: Readonly<Record<string, number>> = { Mi: MI, Gi: MI * 1024, Ti: MI * MI };

/** A storage size, held in whole MiB. */
export class Storage {
  static mebibytes(n: number): Storage {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`a storage size must be a positive whole number of MiB, got ${n}`);
    return new Storage(n);
  }
  static gibibytes(n: number): Storage {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`a storage size must be a positive whole number of GiB, got ${n}`);
    return new Storage(n * 1024);
  }
  /** Parses `512Mi`, `20Gi` or `1Ti`: binary units only, as volumes are sized. */
  static parse(text: string): Storage {
    const m = /^(\d+)(Mi|Gi|Ti)$/.exec(text.trim());
    if (!m) throw new Error(`not a storage size: "${text}" (expected a whole number of Mi, Gi or Ti, e.g. 20Gi)`);
    return Storage.mebibytes((Number(m[1]) * UNITS[m[2]]) / MI);
  }
  private constructor(readonly mebibytes: number) {}
  get bytes(): number {
    return this.mebibytes * MI;
  }
  plus(o: Storage): Storage {
    return new Storage(this.mebibytes + o.mebibytes);
  }
  times(n: number): Storage {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`a storage size can only be multiplied by a positive whole number, got ${n}`);
    return new Storage(this.mebibytes * n);
  }
  /** Kubernetes form in the largest whole binary unit: `1Ti`, `20Gi`, `512Mi`. */
  toString(): string {
    if (this.mebibytes % (1024 * 1024) === 0) return `${this.mebibytes / (1024 * 1024)}Ti`;
    if (this.mebibytes % 1024 === 0) return `${this.mebibytes / 1024}Gi`;
    return `${this.mebibytes}Mi`;
  }
  toJSON(): string {
    return this.toString();
  }
}
