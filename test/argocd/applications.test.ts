import * as yaml from 'js-yaml';
import { ARGOCD_NAMESPACE, PROJECT_WAVE, RESOURCES_FINALIZER, WAVE_ANNOTATION } from '../../argocd/applications';
import { APPLICATION_HEALTH_KEY } from '../../argocd/health';
import { Component, READINESS_GATES, Workflow } from '../../lib/component';
import { renderEnvironment } from '../../synth';
import { ENVIRONMENTS, shippedEnvironment } from '../support';

const trees = new Map(ENVIRONMENTS.map((env) => [env, renderEnvironment(shippedEnvironment(env))]));
const load = (env: string, file: string): any => {
  const text = trees.get(env as never)!.get(`${env}/${file}`);
  if (text === undefined) throw new Error(`no ${env}/${file}`);
  return yaml.load(text);
};

describe.each(ENVIRONMENTS)('Argo CD Applications in %s', (env) => {
  const model = shippedEnvironment(env);
  const apps = model.components.map((c) => [c, load(env, `apps/application-${c.id}.yaml`)] as [Component, any]);

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

  it('pins every Helm chart to an exact version with one helm source and valuesObject', () => {
    for (const [c, app] of apps.filter(([c]) => c.source.type === 'helm')) {
      expect(app.spec.source.targetRevision).toMatch(/^v?\d+\.\d+\.\d+$/);
      expect(app.spec.source.chart).toBeTruthy();
      expect(app.spec.source.helm.valuesObject).toEqual(JSON.parse(JSON.stringify((c.source as { values: object }).values)));
      expect(app.spec.sources).toBeUndefined();
    }
  });

  it('points every native component at its own manifests folder in the GitOps repository', () => {
    for (const [c, app] of apps.filter(([c]) => c.source.type === 'manifests')) {
      expect(app.spec.source).toEqual({
        repoURL: model.config.gitops.repoURL,
        targetRevision: model.config.gitops.targetRevision,
        path: `dist/${env}/manifests/${c.id}`,
        directory: { recurse: false },
      });
    }
  });

  it('turns on server-side apply exactly where the chart CRDs exceed the annotation limit', () => {
    for (const [c, app] of apps) expect(app.spec.syncPolicy.syncOptions.includes('ServerSideApply=true')).toBe(Boolean(c.serverSideApply));
    expect(apps.find(([c]) => c.id === 'prometheus-operator-crds')![1].spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
  });

  it('puts each Application in its workflow project, never default', () => {
    for (const [c, app] of apps) {
      expect(app.spec.project).toBe(c.workflow);
      expect(app.spec.project).not.toBe('default');
    }
  });
});

describe('AppProjects', () => {
  const model = shippedEnvironment('prod');
  const projects = [...new Set(model.components.map((c) => c.workflow))].map((wf) => load('prod', `apps/appproject-${wf}.yaml`));

  it('sync before any Application', () => {
    const firstApp = Math.min(...model.graph.waves.values());
    for (const p of projects) expect(Number(p.metadata.annotations[WAVE_ANNOTATION])).toBe(PROJECT_WAVE);
    expect(PROJECT_WAVE).toBeLessThan(firstApp);
  });

  it('list only their components source repositories and destination namespaces', () => {
    const foundation = load('prod', 'apps/appproject-foundation.yaml');
    expect(foundation.spec.sourceRepos).toEqual(
      expect.arrayContaining(['https://helm.cilium.io/', 'https://kubernetes.github.io/autoscaler', model.config.gitops.repoURL]),
    );
    expect(foundation.spec.sourceRepos).not.toContain('https://argoproj.github.io/argo-helm');
    expect(foundation.spec.destinations.map((d: any) => d.namespace)).toContain('kube-system');
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

  it('installs Argo CD with the Application health check, so waves wait for health', () => {
    const values = load('prod', 'bootstrap/argocd-values.yaml');
    expect(values.configs.cm[APPLICATION_HEALTH_KEY]).toContain('obj.status.health.status');
  });

  it('installs each bootstrap release with exactly the values its Application adopts', () => {
    for (const id of ['prometheus-operator-crds', 'cilium', 'argocd']) {
      const app = load('prod', `apps/application-${id}.yaml`);
      expect(load('prod', `bootstrap/${id}-values.yaml`)).toEqual(app.spec.source.helm.valuesObject);
    }
  });

  it('uses the built-in critical priority classes for the releases installed before platform-base', () => {
    expect(load('prod', 'bootstrap/argocd-values.yaml').global.priorityClassName).toBe('system-cluster-critical');
    expect(load('prod', 'bootstrap/cilium-values.yaml').enableCriticalPriorityClass).toBe(true);
  });

  it('writes the commands in order with the seed validation checks, and locks prod to a private endpoint', () => {
    const readme = trees.get('prod')!.get('prod/bootstrap/README.md')!;
    const order = ['eksctl create cluster', 'helm upgrade --install prometheus-operator-crds', 'helm upgrade --install cilium', 'helm upgrade --install argocd', 'root-project.yaml', 'root-app.yaml', '--public-access=false'];
    const positions = order.map((s) => readme.indexOf(s));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(readme).toContain('wait_for 300 30 "at least 3 nodes"');
    expect(readme).toContain('--field-selector=status.phase=Running --no-headers | wc -l)" -ge 10');
    expect(trees.get('dev')!.get('dev/bootstrap/README.md')).not.toContain('--public-access=false');
  });
});
