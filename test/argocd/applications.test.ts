import * as yaml from 'js-yaml';
import { ARGOCD_NAMESPACE, PROJECT_WAVE, RESOURCES_FINALIZER, rootRetryPolicy, WAVE_ANNOTATION } from '../../argocd/applications';
import { APPLICATION_HEALTH_KEY } from '../../argocd/health';
import { Component, READINESS_GATES, Workflow } from '../../lib/component';
import { needsServerSideApply } from '../../argocd/applications';
import { FileTree } from '../../lib/output';
import { HydratedModel } from '../../synth';
import { ENVIRONMENTS, hydratedFixture, renderedFixture, fixtureEnvironment } from '../support';

jest.setTimeout(120_000);
const trees = new Map<string, FileTree>();
const hydrated = new Map<string, HydratedModel>();
beforeAll(async () => {
  for (const env of ENVIRONMENTS) {
    trees.set(env, await renderedFixture(env));
    hydrated.set(env, await hydratedFixture(env));
  }
});
const load = (env: string, file: string): any => {
  const text = trees.get(env as never)!.get(`${env}/${file}`);
  if (text === undefined) throw new Error(`no ${env}/${file}`);
  return yaml.load(text);
};

describe.each(ENVIRONMENTS)('Argo CD Applications in %s', (env) => {
  const model = fixtureEnvironment(env);
  let apps: [Component, any][] = [];
  beforeAll(() => {
    apps = model.components.map((c) => [c, load(env, `apps/application-${c.id}.yaml`)] as [Component, any]);
  });

  it('renders exactly one Application per component, named after it', () => {
    const files = [...trees.get(env)!.keys()].filter((f) => f.startsWith(`${env}/apps/application-`));
    expect(files).toHaveLength(model.components.length);
    for (const [c, app] of apps) expect(app.metadata.name).toBe(c.id);
  });

  it('gives every Application its computed wave, the finalizer and automated prune and self-heal', () => {
    for (const [c, app] of apps) {
      expect(app.metadata.namespace).toBe(ARGOCD_NAMESPACE);
      expect(app.metadata.annotations[WAVE_ANNOTATION]).toBe(String(model.graph.waves.get(c.id)));
      expect(app.metadata.finalizers).toEqual([RESOURCES_FINALIZER]);
      expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    }
  });

  it('derives the retry backoff from the workflow readiness gate', () => {
    for (const [c, app] of apps) {
      const gate = READINESS_GATES[c.workflow];
      expect(app.spec.syncPolicy.retry.backoff.duration).toBe(`${gate.retryIntervalSeconds}s`);
      expect(app.spec.syncPolicy.retry.limit * gate.retryIntervalSeconds).toBeGreaterThanOrEqual(gate.timeoutSeconds);
    }
    const cilium = apps.find(([c]) => c.id === 'cilium')![1];
    expect(cilium.spec.syncPolicy.retry).toEqual({ limit: 10, backoff: { duration: '30s', factor: 1, maxDuration: '30s' }, refresh: true });
  });

  it('names what each Application was rendered from, Helm charts at an exact version', () => {
    for (const [c, app] of apps) {
      const source = app.metadata.annotations[model.env.labelDomain.source];
      if (c.source.type === 'helm') expect(source).toBe(`helm:${c.source.chart.chart}@${c.source.chart.version}`);
      else expect(source).toMatch(/^(cdk8s|vendored:https:\/\/.+@[0-9a-f]{40})$/);
    }
  });

  it('points every component, charts included, at its own rendered manifests folder in the GitOps repository', () => {
    for (const [c, app] of apps) {
      expect(app.spec.sources).toBeUndefined();
      expect(app.spec.source).toEqual({
        repoURL: model.config.gitops.repoURL,
        targetRevision: model.env.argocd.targetRevision,
        path: `dist/${env}/manifests/${c.id}`,
        directory: { recurse: false },
      });
    }
  });

  it('turns on server-side apply exactly where a rendered object exceeds the 256 KiB annotation limit', () => {
    const m = hydrated.get(env)!;
    for (const [c, app] of apps) {
      const big = (m.objects.get(c.id) ?? []).some((o) => Buffer.byteLength(JSON.stringify(o)) > 256 * 1024);
      expect({ id: c.id, ssa: app.spec.syncPolicy.syncOptions.includes('ServerSideApply=true') }).toEqual({ id: c.id, ssa: big });
    }
    expect(apps.find(([c]) => c.id === 'prometheus-operator-crds')![1].spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
    expect(needsServerSideApply([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'x'.repeat(300 * 1024) } }])).toBe(true);
    expect(needsServerSideApply([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'x' } }])).toBe(false);
  });

  it('puts each Application in its workflow project, never default, labeled with the workflow under the configured label domain', () => {
    for (const [c, app] of apps) {
      expect(app.spec.project).toBe(c.workflow);
      expect(app.spec.project).not.toBe('default');
      expect(app.metadata.labels[model.env.labelDomain.workflow]).toBe(c.workflow);
    }
  });
});

describe('AppProjects', () => {
  const model = fixtureEnvironment('prod');
  const projects = () => [...new Set(model.components.map((c) => c.workflow))].map((wf) => load('prod', `apps/appproject-${wf}.yaml`));

  it('sync before any Application', () => {
    const firstApp = Math.min(...model.graph.waves.values());
    for (const p of projects()) expect(Number(p.metadata.annotations[WAVE_ANNOTATION])).toBe(PROJECT_WAVE);
    expect(PROJECT_WAVE).toBeLessThan(firstApp);
  });

  it('pull only from the GitOps repository, and list exactly the namespaces their objects use', () => {
    const m = hydrated.get('prod')!;
    for (const p of projects()) {
      expect(p.spec.sourceRepos).toEqual([model.config.gitops.repoURL]);
      const members = m.components.filter((c) => c.workflow === p.metadata.name);
      const used = new Set(members.flatMap((c) => [c.namespace, ...(m.objects.get(c.id) ?? []).flatMap((o) => (o.metadata.namespace ? [o.metadata.namespace] : []))]));
      expect(p.spec.destinations.map((d: any) => d.namespace)).toEqual([...used].sort());
    }
  });

  it('whitelist the cluster-scoped kinds their components create', () => {
    const foundation = load('prod', 'apps/appproject-foundation.yaml');
    expect(foundation.spec.clusterResourceWhitelist).toEqual(
      expect.arrayContaining([
        { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
        { group: '', kind: 'Namespace' },
        { group: 'storage.k8s.io', kind: 'StorageClass' },
      ]),
    );
  });

  it('give the microservices project no cluster-scoped kind', () => {
    const apps = model.components.filter((c) => c.workflow === Workflow.Apps);
    if (apps.length) expect(load('prod', 'apps/appproject-apps.yaml').spec.clusterResourceWhitelist).toEqual([]);
    else expect(apps).toHaveLength(0);
  });
});

describe('the bootstrap root app', () => {
  it('points the app-of-apps at the environment apps folder through its own project', () => {
    const root = load('staging', 'bootstrap/root-app.yaml');
    const project = load('staging', 'bootstrap/root-project.yaml');
    expect(root.spec.source).toEqual({ repoURL: 'https://github.com/acme/platform-gitops.git', targetRevision: 'main', path: 'dist/staging/apps', directory: { recurse: false } });
    expect(root.spec.project).toBe(project.metadata.name);
    expect(project.spec.clusterResourceWhitelist).toEqual([]);
    expect(project.spec.namespaceResourceWhitelist).toEqual([
      { group: 'argoproj.io', kind: 'Application' },
      { group: 'argoproj.io', kind: 'AppProject' },
    ]);
  });

  it('never gives up: unlimited retries, backing off from the first gate interval to the shortest readiness gate', () => {
    for (const env of ENVIRONMENTS) {
      const root = load(env, 'bootstrap/root-app.yaml');
      expect(root.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
      expect(root.spec.syncPolicy.retry).toEqual({
        limit: -1,
        backoff: { duration: `${READINESS_GATES[Workflow.Foundation].retryIntervalSeconds}s`, factor: 2, maxDuration: `${Math.min(...Object.values(READINESS_GATES).map((g) => g.timeoutSeconds))}s` },
        refresh: true,
      });
    }
    expect(rootRetryPolicy()).toEqual({ limit: -1, backoff: { duration: '30s', factor: 2, maxDuration: '300s' }, refresh: true });
  });

  it('installs Argo CD with the Application health check, so waves wait for health', () => {
    const cm = load('prod', 'manifests/argocd/configmap-argocd-cm.yaml');
    expect(cm.data[APPLICATION_HEALTH_KEY]).toContain('obj.status.health.status');
  });

  it('applies each bootstrap component from the very manifests its Application adopts, with no helm', () => {
    const readme = trees.get('prod')!.get('prod/bootstrap/README.md')!;
    for (const id of ['prometheus-operator-crds', 'cilium', 'argocd']) {
      expect(readme).toContain(`kubectl apply --server-side --field-manager=bootstrap -f dist/prod/manifests/${id}/`);
      expect(load('prod', `apps/application-${id}.yaml`).spec.source.path).toBe(`dist/prod/manifests/${id}`);
    }
    expect(readme).not.toMatch(/^helm /m);
    expect([...trees.get('prod')!.keys()].filter((f) => f.startsWith('prod/bootstrap/') && f.endsWith('-values.yaml'))).toEqual([]);
  });

  it('uses the built-in critical priority classes for the components applied before platform-base', () => {
    const server = load('prod', 'manifests/argocd/deployment-argocd-server.yaml');
    expect(server.spec.template.spec.priorityClassName).toBe('system-cluster-critical');
    const agent = load('prod', 'manifests/cilium/daemonset-cilium.yaml');
    expect(agent.spec.template.spec.priorityClassName).toBe('system-node-critical');
  });

  it('writes the commands in order with the seed validation checks, and locks prod to a private endpoint', () => {
    const readme = trees.get('prod')!.get('prod/bootstrap/README.md')!;
    const order = ['eksctl create cluster', 'manifests/prometheus-operator-crds/', 'manifests/cilium/', 'manifests/argocd/', 'root-project.yaml', 'root-app.yaml', '--public-access=false'];
    const positions = order.map((s) => readme.indexOf(s));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(readme).toContain('wait_for 300 30 "at least 3 nodes"');
    expect(readme).toContain('--field-selector=status.phase=Running --no-headers | wc -l)" -ge 10');
    expect(trees.get('dev')!.get('dev/bootstrap/README.md')).not.toContain('--public-access=false');
  });
});
