/**
 * Invariants of the hydrated platform (every chart rendered with the pinned helm): what Argo CD,
 * the API server and the controllers would refuse, checked on the objects dist carries.
 */
import { permissionsOf, projectSpec, sourceFor, syncOptionsFor } from '../../argocd/applications';
import { Component } from '../../lib/component';
import { EXTERNAL_CRDS } from '../../lib/hydrate';
import { groupOf } from '../../lib/cluster-scope';
import { isBuiltinClusterScoped } from '../../lib/cluster-scope';
import { K8sObject } from '../../lib/render';
import * as path from 'node:path';
import { committedSecretProblems, derivePermissions, PERMISSIONS_LOCK, permissionsBeyondLock, readPermissionsLock } from '../../lib/checks';
import { HelmRenderer } from '../../lib/helm/render';
import { gitOpsTarget, HydratedModel, hydrateModel, renderEnvironment } from '../../synth';
import { ENVIRONMENTS, FIXTURES, hydratedFixture, ROOT, fixtureEnvironment } from '../support';

jest.setTimeout(120_000);

const wave = (m: HydratedModel, id: string) => m.graph.waves.get(id)!;
const objectsOf = (m: HydratedModel, c: Component) => m.objects.get(c.id) ?? [];
const isCustom = (o: K8sObject) => isBuiltinClusterScoped(o.apiVersion, o.kind) === undefined;
const ref = (o: K8sObject) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** The CRD installing each `group/Kind`, with the component that renders it. */
function crdOwners(m: HydratedModel): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of m.components) {
    for (const o of objectsOf(m, c)) {
      if (o.kind !== 'CustomResourceDefinition') continue;
      const spec = o.spec as { group: string; names: { kind: string } };
      out.set(`${spec.group}/${spec.names.kind}`, c.id);
    }
  }
  return out;
}

describe.each(ENVIRONMENTS)('the hydrated %s environment', (env) => {
  let m: HydratedModel;
  beforeAll(async () => {
    m = await hydratedFixture(env);
  });

  it('has objects for every component, and no Application renders a chart in the cluster', () => {
    for (const c of m.components) {
      expect({ id: c.id, count: objectsOf(m, c).length }).toEqual({ id: c.id, count: expect.any(Number) });
      expect(objectsOf(m, c).length).toBeGreaterThan(0);
      const source = sourceFor(c, gitOpsTarget(m)) as { chart?: string; path?: string };
      expect(source.chart).toBeUndefined();
      expect(source.path).toBe(`dist/${env}/manifests/${c.id}`);
    }
  });

  it('keeps every object of an Application inside its AppProject (namespaces and cluster kinds)', () => {
    const outside: string[] = [];
    for (const c of m.components) {
      const project = projectSpec(c.workflow, permissionsOf(m.components.filter((x) => x.workflow === c.workflow), m.objects), gitOpsTarget(m));
      const namespaces = new Set((project.destinations ?? []).map((d) => d.namespace));
      const kinds = new Set((project.clusterResourceWhitelist ?? []).map((k) => `${k.group}/${k.kind}`));
      expect(namespaces.has(c.namespace)).toBe(true);
      for (const o of objectsOf(m, c)) {
        if (o.metadata.namespace ? !namespaces.has(o.metadata.namespace) : !kinds.has(`${groupOf(o.apiVersion)}/${o.kind}`)) outside.push(`${c.id}: ${ref(o)}`);
      }
    }
    expect(outside).toEqual([]);
  });

  it('installs the CRD of every custom resource before it is applied (earlier wave, same Application, or an operator with SkipDryRunOnMissingResource)', () => {
    const owners = crdOwners(m);
    const problems: string[] = [];
    for (const c of m.components) {
      for (const o of objectsOf(m, c).filter(isCustom)) {
        const key = `${groupOf(o.apiVersion)}/${o.kind}`;
        if (groupOf(o.apiVersion) === 'constraints.gatekeeper.sh') {
          // Gatekeeper makes a constraint's CRD from its ConstraintTemplate at run time.
          if (!syncOptionsFor(c, objectsOf(m, c)).includes('SkipDryRunOnMissingResource=true') || !(wave(m, c.id) > wave(m, 'gatekeeper-templates'))) {
            problems.push(`${c.id}: ${ref(o)} needs gatekeeper-templates in an earlier wave and SkipDryRunOnMissingResource`);
          }
          continue;
        }
        const owner = owners.get(key);
        if (owner) {
          if (owner !== c.id && !(wave(m, owner) < wave(m, c.id))) problems.push(`${c.id} (wave ${wave(m, c.id)}): ${ref(o)} needs its CRD from ${owner} (wave ${wave(m, owner)}) in an earlier wave`);
          continue;
        }
        const external = EXTERNAL_CRDS.find((e) => e.apiVersion === o.apiVersion && e.kinds.includes(o.kind));
        if (!external) {
          problems.push(`${c.id}: ${ref(o)} (${o.apiVersion}): no rendered CRD and no entry in EXTERNAL_CRDS`);
          continue;
        }
        if (external.installedBy === 'eks') continue;
        const skips = syncOptionsFor(c, objectsOf(m, c)).includes('SkipDryRunOnMissingResource=true');
        const installerWave = m.graph.waves.get(external.installedBy);
        if (installerWave === undefined) problems.push(`${c.id}: ${ref(o)}: its CRD's installer ${external.installedBy} is not in ${env}`);
        else if (!(installerWave < wave(m, c.id) || (external.installedBy === c.id && skips))) {
          problems.push(`${c.id}: ${ref(o)} needs ${external.installedBy} (wave ${installerWave}) earlier, or to be in it with SkipDryRunOnMissingResource`);
        }
        if (!skips) problems.push(`${c.id}: ${ref(o)}: its CRD appears only at run time (${external.installedBy}); the Application needs SkipDryRunOnMissingResource=true`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('commits no Secret with data, but for Alertmanager\'s configuration free of credentials', () => {
    const withData = m.components.flatMap((c) =>
      objectsOf(m, c)
        .filter((o) => o.kind === 'Secret' && (Object.keys((o.data as object) ?? {}).length || Object.keys((o.stringData as object) ?? {}).length))
        .filter((o) => committedSecretProblems(c, o)?.problems.length !== 0)
        .map((o) => `${c.id}: ${ref(o)}`),
    );
    expect(withData).toEqual([]);
  });
});

/** Every string in an object tree. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => strings(v, out));
  return out;
}

/** `scheme://name.namespace.svc[.cluster.local][:port]` and `name.namespace.svc[.cluster.local]:port` in a text. */
const IN_CLUSTER_URL = /(?:(https?|grpc):\/\/)?([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(?:\.cluster\.local)?(?::(\d+))?/g;

/**
 * Services an operator creates at run time from a rendered custom resource: CloudNativePG's
 * `<cluster>-rw/-ro/-r` on 5432, Strimzi's `<kafka>-kafka-bootstrap` on each listener's port.
 */
function operatorServices(objects: readonly K8sObject[]): K8sObject[] {
  const svc = (name: string, namespace: string, ports: number[]): K8sObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports: ports.map((port) => ({ port })) } });
  return objects.flatMap((o) => {
    const ns = o.metadata.namespace!;
    if (o.apiVersion.startsWith('postgresql.cnpg.io/') && o.kind === 'Cluster') return ['rw', 'ro', 'r'].map((s) => svc(`${o.metadata.name}-${s}`, ns, [5432]));
    if (o.apiVersion.startsWith('kafka.strimzi.io/') && o.kind === 'Kafka') {
      const listeners = ((o.spec as { kafka: { listeners?: { port: number }[] } }).kafka.listeners ?? []).map((l) => l.port);
      return [svc(`${o.metadata.name}-kafka-bootstrap`, ns, listeners), svc(`${o.metadata.name}-kafka-brokers`, ns, listeners)];
    }
    return [];
  });
}

describe.each(ENVIRONMENTS)('in-cluster addresses in %s', (env) => {
  it('resolve to a rendered Service (or one an operator creates from a rendered resource) and one of its ports', async () => {
    const m = await hydratedFixture(env);
    const all = m.components.flatMap((c) => objectsOf(m, c));
    const services = new Map([...all, ...operatorServices(all)].filter((o) => o.kind === 'Service').map((o) => [`${o.metadata.name}.${o.metadata.namespace}`, o]));
    const unresolved = new Set<string>();
    let checked = 0;
    for (const c of m.components) {
      // CRDs carry documentation with example addresses, not addresses the platform uses.
      for (const o of objectsOf(m, c).filter((x) => x.kind !== 'CustomResourceDefinition')) {
        for (const s of strings(o)) {
          for (const match of s.matchAll(IN_CLUSTER_URL)) {
            const [text, scheme, name, , namespace, , port] = match;
            // The API server's own Service is not rendered.
            if (name === 'kubernetes' && namespace === 'default') continue;
            const svc = services.get(`${name}.${namespace}`);
            if (!svc) {
              unresolved.add(`${c.id}: ${text} (no Service ${namespace}/${name})`);
              continue;
            }
            checked++;
            const ports = ((svc.spec as { ports?: { port: number }[] }).ports ?? []).map((p) => p.port);
            const wanted = port ? Number(port) : scheme === 'https' ? 443 : scheme === 'http' ? 80 : undefined;
            if (wanted !== undefined && !ports.includes(wanted)) unresolved.add(`${c.id}: ${text} (Service ports ${ports.join(', ')})`);
          }
        }
      }
    }
    expect([...unresolved].sort()).toEqual([]);
    expect(checked).toBeGreaterThan(10);
  });
});

/** Secret names a pod spec needs, with whether each is optional. */
function secretRefs(pod: any): { name: string; optional: boolean }[] {
  const out: { name: string; optional: boolean }[] = [];
  for (const v of pod.volumes ?? []) {
    if (v.secret) out.push({ name: v.secret.secretName, optional: Boolean(v.secret.optional) });
    for (const s of v.projected?.sources ?? []) if (s.secret) out.push({ name: s.secret.name, optional: Boolean(s.secret.optional) });
  }
  for (const c of [...(pod.containers ?? []), ...(pod.initContainers ?? [])]) {
    for (const e of c.envFrom ?? []) if (e.secretRef) out.push({ name: e.secretRef.name, optional: Boolean(e.secretRef.optional) });
    for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) out.push({ name: e.valueFrom.secretKeyRef.name, optional: Boolean(e.valueFrom.secretKeyRef.optional) });
  }
  for (const s of pod.imagePullSecrets ?? []) out.push({ name: s.name, optional: false });
  return out;
}

/** The pod spec of a workload object, or undefined. */
function podSpec(o: K8sObject): any {
  const spec = o.spec as any;
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet'].includes(o.kind) || (o.kind === 'Rollout' && o.apiVersion.startsWith('argoproj.io/'))) return spec?.template?.spec;
  if (o.kind === 'CronJob') return spec?.jobTemplate?.spec?.template?.spec;
  return undefined;
}

/**
 * Secrets a controller creates at run time in the same Application as the pods that mount them, or
 * from a rendered resource of an earlier wave: each with who creates it.
 */
const RUNTIME_SECRETS: readonly { readonly pattern: RegExp; readonly createdBy: string }[] = [
  // Cilium's hubble-generate-certs Job (a Helm hook in the cilium Application) writes these.
  { pattern: /^kube-system\/(hubble-relay-client-certs|hubble-server-certs)$/, createdBy: 'cilium hubble-generate-certs Job' },
  // Argo CD's redis-secret-init hook Job generates the Redis password before the first sync.
  { pattern: /^argocd\/argocd-redis$/, createdBy: 'argocd redis-secret-init hook Job' },
  // kube-prometheus-stack's admission-webhook patch Job creates the webhook's certificate.
  { pattern: /^observability\/kube-prometheus-stack-admission$/, createdBy: 'kube-prometheus-stack admission create hook Job' },
];

describe.each(ENVIRONMENTS)('Secrets the pods of %s mount', (env) => {
  it('exist by the pod\'s wave: rendered, delivered by an ExternalSecret or Certificate, created at bootstrap, or made at run time by a named controller', async () => {
    const m = await hydratedFixture(env);
    const source = new Map<string, { wave: number; what: string }>();
    const offer = (key: string, wave: number, what: string) => {
      const known = source.get(key);
      if (!known || known.wave > wave) source.set(key, { wave, what });
    };
    for (const c of m.components) {
      for (const s of c.secrets ?? []) if (s.bootstrap) offer(`${s.namespace}/${s.name}`, 0, 'bootstrap');
      for (const o of objectsOf(m, c)) {
        const ns = o.metadata.namespace;
        if (o.kind === 'Secret' && o.apiVersion === 'v1') offer(`${ns}/${o.metadata.name}`, wave(m, c.id), c.id);
        if (o.kind === 'ExternalSecret') offer(`${ns}/${(o.spec as any).target?.name ?? o.metadata.name}`, wave(m, c.id), `${c.id} ExternalSecret`);
        if (o.kind === 'Certificate' && o.apiVersion.startsWith('cert-manager.io/')) offer(`${ns}/${(o.spec as any).secretName}`, wave(m, c.id), `${c.id} Certificate`);
      }
    }
    const missing: string[] = [];
    for (const c of m.components) {
      for (const o of objectsOf(m, c)) {
        const pod = podSpec(o);
        if (!pod) continue;
        for (const mounted of secretRefs(pod).filter((r) => !r.optional)) {
          const key = `${o.metadata.namespace}/${mounted.name}`;
          const from = source.get(key);
          if (from && from.wave <= wave(m, c.id)) continue;
          if (!from && RUNTIME_SECRETS.some((r) => r.pattern.test(key))) continue;
          missing.push(`${c.id} (wave ${wave(m, c.id)}): ${ref(o)} mounts Secret ${key}${from ? `, which ${from.what} only provides in wave ${from.wave}` : ', which nothing provides'}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('rendering', () => {
  it('is byte-identical between a fresh helm rendering (no cache) and the cached one synth uses', async () => {
    const cached = await hydratedFixture('prod');
    const fresh = await hydrateModel(fixtureEnvironment('prod'), { renderer: new HelmRenderer(), root: ROOT });
    const tree = (m: HydratedModel) => renderEnvironment(m);
    const a = tree(cached);
    const b = tree(fresh);
    expect([...b.keys()]).toEqual([...a.keys()]);
    const differing = [...a.keys()].filter((k) => a.get(k) !== b.get(k));
    expect(differing).toEqual([]);
  });
});

// The repository's own lock is checked against its own platform.yaml in invariants.test.ts.
describe("the fixture's permissions lock", () => {
  it('grants every AppProject what the rendered objects of every environment need', async () => {
    const models = await Promise.all(ENVIRONMENTS.map((env) => hydratedFixture(env)));
    const lock = readPermissionsLock(path.join(FIXTURES, PERMISSIONS_LOCK));
    expect(permissionsBeyondLock(derivePermissions(models), lock)).toEqual([]);
  });
});
