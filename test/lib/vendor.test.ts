import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChartPin, CHARTS } from '../../config/versions';
import {
  CHART_LOCK_FILE,
  ChartLock,
  ChartLockEntry,
  chartPackage,
  chartRepository,
  parseChartLock,
  readChartLock,
  serializeChartLock,
  staleLockEntries,
  VENDOR_CHARTS_DIR,
  VendorError,
  verifyAllCharts,
  writeChartLock,
} from '../../lib/helm/vendor';
import { ROOT } from '../support';

const PUBLISHED = `sha256:${'a'.repeat(64)}`;
const alpha: ChartPin = { repoURL: 'https://charts.example.com', chart: 'alpha', version: '1.2.3' };
const beta: ChartPin = { repoURL: 'ghcr.io/example/charts', chart: 'beta', version: 'v0.4.0', oci: true };

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'vendor-lib-test-'));
  fs.mkdirSync(path.join(root, VENDOR_CHARTS_DIR), { recursive: true });
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

/** Writes a package with the given bytes and returns its lock entry. */
function vendored(pin: ChartPin, bytes: string): ChartLockEntry {
  const file = `${pin.chart}-${pin.version}.tgz`;
  fs.writeFileSync(path.join(root, VENDOR_CHARTS_DIR, file), bytes);
  return {
    chart: pin.chart,
    version: pin.version,
    repository: chartRepository(pin),
    file,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    source: pin.oci
      ? { kind: 'published', digest: PUBLISHED }
      : { kind: 'rebuilt-from-source', repo: 'example/alpha', path: 'charts/alpha', commit: 'b'.repeat(40), notes: 'tag alpha-1.2.3' },
  };
}

function errorOf(fn: () => unknown): VendorError {
  try {
    fn();
  } catch (e) {
    if (e instanceof VendorError) return e;
    throw e;
  }
  throw new Error('expected a VendorError');
}

describe('the lock file', () => {
  test('round-trips: written, read back and written again gives the same bytes, entries sorted by chart and version', () => {
    const lock: ChartLock = { charts: [vendored(beta, 'b'), vendored(alpha, 'a')] };
    writeChartLock(lock, root);
    const text = fs.readFileSync(path.join(root, CHART_LOCK_FILE), 'utf8');
    const read = readChartLock(root);
    expect(read.charts.map((e) => e.chart)).toEqual(['alpha', 'beta']);
    expect(serializeChartLock(read)).toBe(text);
    expect(serializeChartLock(parseChartLock(text))).toBe(text);
    expect(text.endsWith('}\n')).toBe(true);
  });

  test('OCI pins are locked with an oci:// repository, HTTP pins with their repoURL', () => {
    expect(chartRepository(beta)).toBe('oci://ghcr.io/example/charts');
    expect(chartRepository(alpha)).toBe('https://charts.example.com');
  });

  test('an invalid lock is refused, naming the field and the fix', () => {
    const bad = JSON.stringify({ lockfileVersion: 1, charts: [{ ...vendored(alpha, 'a'), sha256: 'nope' }] });
    const err = errorOf(() => parseChartLock(bad));
    expect(err.message).toContain('charts.0.sha256');
    expect(err.message).toContain('npm run vendor');
  });

  test('a missing lock is refused with the fix', () => {
    expect(() => readChartLock(root)).toThrow(/charts\.lock\.json: missing\. Fix: run `npm run vendor`/);
  });
});

describe('chartPackage', () => {
  test('returns the absolute path and sha256 of a package that matches the lock', () => {
    const entry = vendored(alpha, 'alpha package');
    writeChartLock({ charts: [entry] }, root);
    expect(chartPackage(alpha, root)).toEqual({ file: path.join(root, VENDOR_CHARTS_DIR, 'alpha-1.2.3.tgz'), sha256: entry.sha256 });
  });

  test('a package whose sha256 differs from the lock is refused, naming the chart, the version and the fix', () => {
    const entry = vendored(alpha, 'alpha package');
    writeChartLock({ charts: [entry] }, root);
    chartPackage(alpha, root);
    fs.appendFileSync(path.join(root, VENDOR_CHARTS_DIR, entry.file), ' altered');
    const err = errorOf(() => chartPackage(alpha, root));
    expect(err.message).toMatch(/^alpha 1\.2\.3: vendor\/charts\/alpha-1\.2\.3\.tgz has sha256 [0-9a-f]{64}, the lock says /);
    expect(err.message).toContain(entry.sha256);
    expect(err.message).toContain('npm run vendor');
  });

  test('a locked package that is missing is refused, naming the chart, the version and the fix', () => {
    const entry = vendored(alpha, 'alpha package');
    writeChartLock({ charts: [entry] }, root);
    fs.rmSync(path.join(root, VENDOR_CHARTS_DIR, entry.file));
    expect(() => chartPackage(alpha, root)).toThrow(/^alpha 1\.2\.3: vendor\/charts\/alpha-1\.2\.3\.tgz is missing\. Fix: run `npm run vendor` on a machine with network access.*--from DIR/);
  });

  test('a pin the lock does not have is refused, naming the versions the lock has and the fix', () => {
    writeChartLock({ charts: [vendored(alpha, 'alpha package')] }, root);
    expect(() => chartPackage({ ...alpha, version: '1.3.0' }, root)).toThrow(/^alpha 1\.3\.0: not in vendor\/charts\/charts\.lock\.json \(the lock has 1\.2\.3\)\. Fix: run `npm run vendor`/);
  });

  test('a pin whose repository changed is refused: the same version elsewhere may be another package', () => {
    writeChartLock({ charts: [vendored(alpha, 'alpha package')] }, root);
    expect(() => chartPackage({ ...alpha, repoURL: 'https://mirror.example.com' }, root)).toThrow(
      'alpha 1.2.3: the lock has it from https://charts.example.com, config/versions.ts pins https://mirror.example.com',
    );
  });
});

describe('verifyAllCharts and staleLockEntries', () => {
  test('every problem is listed at once, one line per chart', () => {
    const a = vendored(alpha, 'alpha');
    writeChartLock({ charts: [a] }, root);
    fs.writeFileSync(path.join(root, VENDOR_CHARTS_DIR, a.file), 'changed');
    const err = errorOf(() => verifyAllCharts([alpha, beta], root));
    expect(err.problems).toHaveLength(2);
    expect(err.problems[0]).toMatch(/^alpha 1\.2\.3: .* has sha256/);
    expect(err.problems[1]).toMatch(/^beta v0\.4\.0: not in vendor\/charts\/charts\.lock\.json/);
    expect(err.message).toMatch(/^2 chart package problems:\n {2}alpha/);
  });

  test('returns the verified packages in pin order', () => {
    writeChartLock({ charts: [vendored(alpha, 'a'), vendored(beta, 'b')] }, root);
    expect(verifyAllCharts([beta, alpha], root).map((p) => path.basename(p.file))).toEqual(['beta-v0.4.0.tgz', 'alpha-1.2.3.tgz']);
  });

  test('lists the lock entries no pin uses, so npm run vendor can prune them', () => {
    const lock: ChartLock = { charts: [vendored(alpha, 'a'), vendored(beta, 'b')] };
    expect(staleLockEntries(lock, [beta]).map((e) => e.chart)).toEqual(['alpha']);
    expect(staleLockEntries(lock, [alpha, beta])).toEqual([]);
  });
});

describe('the shipped vendor/charts', () => {
  const pins: ChartPin[] = Object.values(CHARTS);

  test('every pinned chart has a package with its locked sha256', () => {
    expect(verifyAllCharts(pins, ROOT)).toHaveLength(new Set(pins.map((p) => `${p.chart}@${p.version}`)).size);
  });

  test('the lock holds nothing no pin uses, and every package in vendor/charts is locked', () => {
    const lock = readChartLock(ROOT);
    expect(staleLockEntries(lock, pins)).toEqual([]);
    const files = fs.readdirSync(path.join(ROOT, VENDOR_CHARTS_DIR)).filter((f) => f.endsWith('.tgz'));
    expect(files.sort()).toEqual(lock.charts.map((e) => e.file).sort());
  });
});
