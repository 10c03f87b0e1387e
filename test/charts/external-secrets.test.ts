import { externalSecretsConfigComponent, ExternalSecretsConfigProps } from '../../charts/external-secrets-config';
import { CHARTS } from '../../config/versions';
import { ManifestSource, SecretRequirement } from '../../lib/component';
import { PRIORITY } from '../../lib/priority';
import { K8sObject, synthObjects } from '../../lib/render';
import { permissionsOf, syncOptionsFor } from '../../argocd/applications';
import { componentWorkloads } from '../../lib/workloads';
import { ENDPOINTS } from '../../workflows/endpoints';
import { NS } from '../../workflows/namespaces';
import { deliveredFromOpenBao } from '../../workflows/security';
import { component, ENVIRONMENTS, helmValues, fixtureEnvironment, hydratedFixture } from '../support';

jest.setTimeout(120_000);

describe('external-secrets', () => {
  it('installs its CRDs from the pinned chart with server-side apply', async () => {
    const c = component(fixtureEnvironment('prod'), 'external-secrets');
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.externalSecrets });
    expect(helmValues(fixtureEnvironment('prod'), 'external-secrets').installCRDs).toBe(true);
    const objects = (await hydratedFixture('prod')).objects.get('external-secrets')!;
    expect(objects.filter((o) => o.kind === 'CustomResourceDefinition').length).toBeGreaterThan(20);
    expect(syncOptionsFor(c, objects)).toContain('ServerSideApply=true');
    expect(c.namespace).toBe(NS.security);
  });

  it('runs two leader-elected controllers and two webhooks behind PDBs in prod, one of each in dev', () => {
    const prod = helmValues(fixtureEnvironment('prod'), 'external-secrets');
    expect(prod).toMatchObject({ replicaCount: 2, leaderElect: true, podDisruptionBudget: { enabled: true }, webhook: { replicaCount: 2 } });
    const dev = helmValues(fixtureEnvironment('dev'), 'external-secrets');
    expect(dev).toMatchObject({ replicaCount: 1, leaderElect: false, podDisruptionBudget: { enabled: false }, webhook: { replicaCount: 1 } });
  });

  it('sets requests, limits and the platform priority on every Deployment and scrapes them all', async () => {
    const v = helmValues(fixtureEnvironment('prod'), 'external-secrets');
    for (const part of [v, v.webhook, v.certController]) {
      expect(part.resources.requests.cpu).toBeTruthy();
      expect(part.resources.limits.memory).toBeTruthy();
      expect(part.priorityClassName).toBe(PRIORITY.platformCritical);
      expect(part.metrics.service.enabled).toBe(true);
    }
    expect(v.serviceMonitor.enabled).toBe(true);
    const workloads = componentWorkloads(await hydratedFixture('prod'), 'external-secrets');
    expect(workloads.find((w) => w.name === 'external-secrets')!.containers[0].resources.toK8s()).toEqual(v.resources);
  });

  it('ignores the CA bundle the cert-controller injects', () => {
    const c = component(fixtureEnvironment('prod'), 'external-secrets');
    expect(c.ignoreDifferences).toContainEqual(expect.objectContaining({ kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] }));
  });
});

function objects(env: string): K8sObject[] {
  return synthObjects(component(fixtureEnvironment(env), 'external-secrets-config').source as ManifestSource);
}

describe('external-secrets-config', () => {
  it.each(ENVIRONMENTS)('%s: defines a SecretStore openbao in every namespace that reads a secret, logging in as that namespace with its own role, and no ClusterSecretStore', (env) => {
    const objs: any[] = objects(env);
    expect(objs.filter((o) => o.kind === 'ClusterSecretStore')).toEqual([]);
    const stores = objs.filter((o) => o.kind === 'SecretStore');
    const readers = [...new Set(objs.filter((o) => o.kind === 'ExternalSecret').map((o) => o.metadata.namespace))].sort();
    expect(stores.map((s) => s.metadata.namespace).sort()).toEqual(readers);
    for (const store of stores) {
      const ns = store.metadata.namespace;
      expect(store.metadata.name).toBe('openbao');
      expect(store.spec.provider).toEqual({
        vault: {
          server: ENDPOINTS.openbao,
          caBundle: Buffer.from(fixtureEnvironment(env).env.openbaoCaCertificate).toString('base64'),
          path: 'secret',
          version: 'v2',
          auth: { kubernetes: { mountPath: 'kubernetes', role: `eso-${ns}`, serviceAccountRef: { name: 'openbao-secret-reader', audiences: ['openbao'] } } },
        },
      });
      const sa = objs.find((o) => o.kind === 'ServiceAccount' && o.metadata.namespace === ns);
      expect(sa).toMatchObject({ metadata: { name: 'openbao-secret-reader' }, automountServiceAccountToken: false });
    }
  });

  it('leaves self-initialization without a reader role: the stores log in with roles the reconcile step declares', () => {
    const hcl: string = helmValues(fixtureEnvironment('prod'), 'openbao').server.ha.raft.config;
    expect(hcl).not.toContain('role/external-secrets');
    const reconcile = component(fixtureEnvironment('prod'), 'external-secrets-config').runbook!.find((r) => r.title === 'Reconcile OpenBao roles and policies')!;
    for (const ns of [...new Set(objects('prod').filter((o) => o.kind === 'SecretStore').map((o) => o.metadata.namespace!))]) {
      expect(reconcile.body).toContain(`roles/eso-${ns}.json`);
    }
  });

  it.each(ENVIRONMENTS)("%s: every ExternalSecret reads from its own namespace's SecretStore and renders every defaulted field", (env) => {
    const secrets: any[] = objects(env).filter((o) => o.kind === 'ExternalSecret');
    expect(secrets.length).toBeGreaterThan(0);
    const refresh = fixtureEnvironment(env).env.secretRefreshInterval;
    for (const es of secrets) {
      expect(es.spec.secretStoreRef).toEqual({ kind: 'SecretStore', name: 'openbao' });
      expect(es.spec.refreshInterval).toBe(refresh);
      expect(es.spec.target).toMatchObject({ name: es.metadata.name, creationPolicy: 'Owner', deletionPolicy: 'Retain', template: { engineVersion: 'v2', mergePolicy: 'Replace' } });
      for (const d of es.spec.data) {
        expect(d.remoteRef).toMatchObject({ conversionStrategy: 'Default', decodingStrategy: 'None', metadataPolicy: 'None', nullBytePolicy: 'Ignore' });
      }
    }
  });

  it.each(ENVIRONMENTS)('%s: every SecretRequirement in the platform has exactly one ExternalSecret, in its own namespace', async (env) => {
    const model = fixtureEnvironment(env);
    const required = model.components.flatMap((c) => c.secrets ?? []).filter(deliveredFromOpenBao).map((s) => `${s.namespace}/${s.name}`).sort();
    const rendered = objects(env)
      .filter((o) => o.kind === 'ExternalSecret')
      .map((o) => `${o.metadata.namespace}/${o.metadata.name}`)
      .sort();
    expect(rendered).toEqual(required);
    // Its AppProject allows each of those namespaces.
    const allowed = permissionsOf([component(model, 'external-secrets-config')], (await hydratedFixture(env)).objects).namespaces;
    for (const ns of new Set(required.map((r) => r.split('/')[0]))) expect(allowed).toContain(ns);
  });

  it('carries each requirement\'s labels onto its Secret through the template (e.g. Argo CD\'s repository type)', () => {
    const es = objects('prod').filter((o) => o.kind === 'ExternalSecret') as any[];
    const labelled = fixtureEnvironment('prod').components.flatMap((c) => c.secrets ?? []).filter((s) => s.labels && Object.keys(s.labels).length);
    for (const req of labelled) {
      const rendered = es.find((o) => o.metadata.namespace === req.namespace && o.metadata.name === req.name);
      expect(rendered.spec.target.template.metadata.labels).toEqual(req.labels);
    }
    const plain = es.filter((o) => !o.spec.target.template.metadata);
    expect(plain.length + labelled.length).toBe(es.length);
  });

  it('maps each data key to its OpenBao path and property', () => {
    const es = objects('prod').filter((o) => o.kind === 'ExternalSecret') as any[];
    for (const req of fixtureEnvironment('prod').components.flatMap((c) => c.secrets ?? []).filter(deliveredFromOpenBao)) {
      const rendered = es.find((o) => o.metadata.namespace === req.namespace && o.metadata.name === req.name);
      expect(rendered.spec.data.map((d: any) => d.secretKey).sort()).toEqual(Object.keys(req.data).sort());
      for (const [key, ref] of Object.entries(req.data)) {
        expect(rendered.spec.data).toContainEqual(expect.objectContaining({ secretKey: key, remoteRef: expect.objectContaining({ key: ref.path, property: ref.property }) }));
      }
    }
  });

  it('runs after OpenBao and the operator, and tells the operator how to seed every path', () => {
    const model = fixtureEnvironment('dev');
    const c = component(model, 'external-secrets-config');
    expect(c.dependsOn).toEqual(expect.arrayContaining(['openbao', 'external-secrets']));
    expect(model.graph.waves.get('external-secrets-config')!).toBeGreaterThan(model.graph.waves.get('openbao')!);
    const seed = c.runbook!.find((r) => r.title === 'Seed OpenBao with the platform secrets')!.body;
    for (const req of model.components.flatMap((x) => x.secrets ?? [])) {
      for (const ref of Object.values(req.data)) expect(seed).toContain(`bao kv put -mount=secret ${ref.path} `);
    }
    // Values created at bootstrap are written from the same variable; the dev unseal key never goes
    // into the OpenBao it unseals.
    expect(seed).toContain('api-token="$CLOUDFLARE_API_TOKEN"');
    expect(seed).not.toContain('OPENBAO_UNSEAL_KEY');
  });

  describe('rejects bad props with a clear message', () => {
    const openbao: ExternalSecretsConfigProps['openbao'] = {
      server: 'https://openbao:8200',
      kvMount: 'secret',
      kubernetesAuthMount: 'kubernetes',
      audience: 'openbao',
      caCertificate: fixtureEnvironment('prod').env.openbaoCaCertificate,
    };
    const secret: SecretRequirement = { namespace: 'apps', name: 'db', data: { password: { path: 'apps/db', property: 'password' } }, purpose: 'db' };
    it('the same Secret declared twice', () => {
      expect(() => externalSecretsConfigComponent({ namespace: 'security', openbao, refreshInterval: '1h', requirements: [secret, { ...secret, purpose: 'again' }] })).toThrow(
        /Secret apps\/db is declared twice/,
      );
    });
    it('a path that repeats the mount', () => {
      expect(() =>
        externalSecretsConfigComponent({ namespace: 'security', openbao, refreshInterval: '1h', requirements: [{ ...secret, data: { password: { path: 'secret/apps/db', property: 'password' } } }] }),
      ).toThrow(/give the path under the secret\/ mount/);
    });
    it('a refresh interval that is not a duration', () => {
      expect(() => externalSecretsConfigComponent({ namespace: 'security', openbao, refreshInterval: 'hourly', requirements: [] })).toThrow(/refreshInterval "hourly"/);
    });
  });
});
