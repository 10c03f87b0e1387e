/**
 * Reads files out of the vendored chart packages (vendor/charts/<chart>-<version>.tgz), the pinned
 * charts themselves: a chart's values.yaml and values.schema.json, and its subcharts', whether the
 * package holds them as folders or as nested packages. No helm and no network: gzip and tar are
 * read here (ustar, with the PAX and GNU long-name records Go's archive/tar writes).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as yaml from 'js-yaml';

/** The files of one chart, by path relative to the chart's folder (`values.yaml`, `charts/x/Chart.yaml`). */
export type ChartFiles = ReadonlyMap<string, Buffer>;

function cString(b: Buffer, start: number, length: number): string {
  const s = b.subarray(start, start + length);
  const nul = s.indexOf(0);
  return (nul >= 0 ? s.subarray(0, nul) : s).toString('utf8');
}

/** Every regular file of a .tgz, by its path in the archive. */
export function readTgz(data: Buffer): Map<string, Buffer> {
  const tar = gunzipSync(data);
  const out = new Map<string, Buffer>();
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((x) => x === 0)) break;
    const size = parseInt(cString(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 48);
    const prefix = cString(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${cString(header, 0, 100)}` : cString(header, 0, 100));
    const body = tar.subarray(offset + 512, offset + 512 + size);
    longName = undefined;
    if (type === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      if (m) longName = m[1];
    } else if (type === 'L') {
      longName = cString(body, 0, body.length);
    } else if (type === '0' || type === '\0') {
      out.set(name, Buffer.from(body));
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** The files of the chart at the root of a package, relative to its folder. */
function chartOfPackage(data: Buffer): { name: string; version: string; files: Map<string, Buffer> } {
  const all = readTgz(data);
  const chartYaml = [...all.keys()].filter((p) => /^[^/]+\/Chart\.yaml$/.test(p));
  if (chartYaml.length !== 1) throw new Error(`a chart package holds exactly one top-level Chart.yaml, found ${chartYaml.length}`);
  const top = chartYaml[0].split('/')[0];
  const files = new Map([...all].filter(([p]) => p.startsWith(`${top}/`)).map(([p, b]) => [p.slice(top.length + 1), b]));
  const meta = yaml.load(files.get('Chart.yaml')!.toString('utf8')) as { name: string; version: string };
  return { name: meta.name, version: String(meta.version), files };
}

/** The subcharts of a chart: folders under charts/ and nested packages, each with its own files. */
function subcharts(files: ReadonlyMap<string, Buffer>): { name: string; version: string; files: Map<string, Buffer> }[] {
  const out: { name: string; version: string; files: Map<string, Buffer> }[] = [];
  const dirs = new Set([...files.keys()].map((p) => /^charts\/([^/]+)\/Chart\.yaml$/.exec(p)?.[1]).filter((d): d is string => d !== undefined));
  for (const d of dirs) {
    const sub = new Map([...files].filter(([p]) => p.startsWith(`charts/${d}/`)).map(([p, b]) => [p.slice(`charts/${d}/`.length), b]));
    const meta = yaml.load(sub.get('Chart.yaml')!.toString('utf8')) as { name: string; version: string };
    out.push({ name: meta.name, version: String(meta.version), files: sub });
  }
  for (const [p, b] of files) if (/^charts\/[^/]+\.tgz$/.test(p)) out.push(chartOfPackage(b));
  return out;
}

const cache = new Map<string, ChartFiles>();

/**
 * The files of chart `name` at `version`: the vendored package `vendor/charts/<name>-<version>.tgz`
 * under `root`, or else a subchart of that name and version inside any vendored package.
 * @throws naming the chart and where it looked
 */
export function vendoredChartFiles(root: string, name: string, version: string): ChartFiles {
  const key = `${root}\0${name}\0${version}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const dir = path.join(root, 'vendor', 'charts');
  const own = path.join(dir, `${name}-${version}.tgz`);
  let found: ChartFiles | undefined;
  if (fs.existsSync(own)) {
    found = chartOfPackage(fs.readFileSync(own)).files;
  } else {
    const search = (files: ReadonlyMap<string, Buffer>): ChartFiles | undefined => {
      for (const s of subcharts(files)) {
        if (s.name === name && s.version === version) return s.files;
        const deeper = search(s.files);
        if (deeper) return deeper;
      }
      return undefined;
    };
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.tgz')).sort()) {
      found = search(chartOfPackage(fs.readFileSync(path.join(dir, f))).files);
      if (found) break;
    }
  }
  if (!found) throw new Error(`chart ${name} ${version}: no package vendor/charts/${name}-${version}.tgz and no such subchart in any vendored package`);
  cache.set(key, found);
  return found;
}
