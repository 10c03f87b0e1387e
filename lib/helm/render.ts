/**
 * Renders Helm charts at synth, as Argo CD would render them in the cluster: `helm template` with
 * the release name, the destination namespace, the cluster's Kubernetes version and the API
 * versions the platform installs, CRDs included, chart tests skipped. The output is plain objects;
 * what Argo CD applies is exactly what synth commits.
 *
 * The renderer sits behind `ChartRenderer`: unit tests of components use a stub, only workflow and
 * scenario tests run helm. Renderings are cached on disk under a key of everything that can change
 * them (chart sha256, values, flags, helm version), so a synth where nothing changed runs no helm.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { ChartPin } from '../../config/versions';
import { K8sObject } from '../render';
import { HELM_VERSION, resolveHelm } from './binary';
import { chartPackage } from './vendor';

export interface RenderRequest {
  readonly chart: ChartPin;
  readonly releaseName: string;
  /** The Application's destination namespace (`helm template --namespace`). */
  readonly namespace: string;
  readonly values: object;
  /** `major.minor.patch` of the cluster (`--kube-version`). */
  readonly kubeVersion: string;
  /** `group/version` and `group/version/Kind` the cluster serves beyond the built-in API (`--api-versions`). */
  readonly apiVersions: readonly string[];
}

export interface ChartRenderer {
  /** Renders each request; the result has one object list per request, in order. */
  render(requests: readonly RenderRequest[]): Promise<K8sObject[][]>;
  /**
   * The CRDs (as served `group/version` and `group/version/Kind`) each request's rendering
   * installs: all the first of the two rendering passes needs (lib/hydrate.ts).
   */
  crdApiVersions(requests: readonly RenderRequest[]): Promise<string[][]>;
}

/** `group/version` and `group/version/Kind` of every served version of the CRDs among `objects`. */
export function crdApiVersionsOf(objects: Iterable<K8sObject>): string[] {
  const out = new Set<string>();
  for (const o of objects) {
    if (o.kind !== 'CustomResourceDefinition' || !o.apiVersion.startsWith('apiextensions.k8s.io/')) continue;
    const spec = o.spec as { group: string; names: { kind: string }; versions?: { name: string; served?: boolean }[] };
    for (const v of spec.versions ?? []) {
      if (v.served === false) continue;
      out.add(`${spec.group}/${v.name}`);
      out.add(`${spec.group}/${v.name}/${spec.names.kind}`);
    }
  }
  return [...out].sort();
}

/** A chart that does not render: names the chart, the release and helm's own message. */
export class ChartRenderError extends Error {}

/** JSON with object keys sorted, so equal values give equal cache keys whatever their key order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** The flags every rendering uses besides release, namespace, versions and values. */
export const HELM_TEMPLATE_FLAGS = ['--include-crds', '--skip-tests'] as const;

export function helmTemplateArgs(req: RenderRequest, chartFile: string, valuesFile: string): string[] {
  return [
    'template', req.releaseName, chartFile,
    '--namespace', req.namespace,
    '--kube-version', req.kubeVersion,
    ...[...req.apiVersions].sort().flatMap((v) => ['--api-versions', v]),
    ...HELM_TEMPLATE_FLAGS,
    '--values', valuesFile,
  ];
}

/** Parses `helm template` output: every non-empty document, in order. */
export function parseManifests(text: string, origin: string): K8sObject[] {
  const docs = yaml.loadAll(text, undefined, { filename: origin });
  const objects: K8sObject[] = [];
  for (const d of docs) {
    if (d === null || d === undefined) continue;
    const o = d as Partial<K8sObject>;
    if (typeof o !== 'object' || !o.apiVersion || !o.kind || !o.metadata?.name) {
      throw new ChartRenderError(`${origin}: a rendered document is not a Kubernetes object: ${JSON.stringify(d).slice(0, 200)}`);
    }
    objects.push(o as K8sObject);
  }
  return objects;
}

export interface HelmRendererOptions {
  /** Where renderings are cached; undefined turns the cache off. */
  readonly cacheDir?: string;
  /** Concurrent helm processes. @default the number of CPUs */
  readonly concurrency?: number;
}

/** Renders with the pinned helm from the vendored, verified chart packages. */
export class HelmRenderer implements ChartRenderer {
  private helm?: Promise<string>;
  readonly stats = { hits: 0, misses: 0 };

  constructor(private readonly opts: HelmRendererOptions = {}) {}

  /** helm processes running now, and callers waiting for a slot (shared by every render call). */
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  render(requests: readonly RenderRequest[]): Promise<K8sObject[][]> {
    return Promise.all(requests.map((r) => this.renderOne(r)));
  }

  /** From a small summary file next to the cached rendering; renders (and caches both) on a miss. */
  crdApiVersions(requests: readonly RenderRequest[]): Promise<string[][]> {
    return Promise.all(
      requests.map(async (req) => {
        const summary = this.opts.cacheDir ? path.join(this.opts.cacheDir, `${this.key(req)}.crds.json`) : undefined;
        if (summary) {
          try {
            return JSON.parse(fs.readFileSync(summary, 'utf8')) as string[];
          } catch {
            // Not cached yet.
          }
        }
        const versions = crdApiVersionsOf(await this.renderOne(req));
        if (summary) writeAtomically(summary, JSON.stringify(versions));
        return versions;
      }),
    );
  }

  private key(req: RenderRequest): string {
    const pkg = chartPackage(req.chart);
    return createHash('sha256')
      .update(stableJson({ helm: HELM_VERSION, chart: pkg.sha256, release: req.releaseName, namespace: req.namespace, kube: req.kubeVersion, api: [...req.apiVersions].sort(), flags: HELM_TEMPLATE_FLAGS, values: req.values }))
      .digest('hex');
  }

  private async slot<T>(work: () => Promise<T>): Promise<T> {
    const limit = Math.max(1, this.opts.concurrency ?? os.cpus().length);
    if (this.running >= limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  private async renderOne(req: RenderRequest): Promise<K8sObject[]> {
    const pkg = chartPackage(req.chart);
    const key = this.key(req);
    const cached = this.opts.cacheDir ? path.join(this.opts.cacheDir, `${key}.json`) : undefined;
    if (cached) {
      try {
        const objects = JSON.parse(fs.readFileSync(cached, 'utf8')) as K8sObject[];
        this.stats.hits++;
        return objects;
      } catch {
        // Not cached (or a torn file from a killed run): render.
      }
    }
    this.stats.misses++;
    // The binary's sha256 is checked here, on the first miss only.
    this.helm ??= resolveHelm();
    const helm = await this.helm;
    return this.slot(() => this.renderWithHelm(helm, req, pkg.file, cached));
  }

  private async renderWithHelm(helm: string, req: RenderRequest, chartFile: string, cached: string | undefined): Promise<K8sObject[]> {
    const origin = `${req.chart.chart} ${req.chart.version} (release ${req.releaseName})`;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-helm-'));
    try {
      const valuesFile = path.join(tmp, 'values.json');
      fs.writeFileSync(valuesFile, JSON.stringify(req.values));
      const out = await run(helm, helmTemplateArgs(req, chartFile, valuesFile), origin);
      const objects = parseManifests(out, origin);
      if (cached) writeAtomically(cached, JSON.stringify(objects));
      return objects;
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
}

function run(helm: string, args: string[], origin: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(helm, args, { maxBuffer: 1 << 30, env: { ...process.env, HELM_CACHE_HOME: os.tmpdir(), HELM_CONFIG_HOME: os.tmpdir() } }, (err, stdout, stderr) => {
      if (err) {
        const message = String(stderr || err.message).trim().split('\n').filter((l) => !l.startsWith('Use --debug')).join('\n').trim();
        reject(new ChartRenderError(`helm template of ${origin} failed:\n  ${message.replace(/\n/g, '\n  ')}`));
        return;
      }
      resolve(stdout);
    });
  });
}

/** Writes a cache file whole or not at all (concurrent synths may write the same key). */
function writeAtomically(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const part = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(part, content);
  fs.renameSync(part, file);
}
