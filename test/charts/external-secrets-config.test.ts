import { externalSecretsConfigComponent, ExternalSecretsConfigProps } from '../../charts/external-secrets-config';
import { openbaoEndpoints } from '../../charts/openbao';
import { ManifestSource, SecretRequirement } from '../../lib/component';
import { Duration } from '../../lib/duration';
import { Endpoint } from '../../lib/endpoint';
import { synthObjects } from '../../lib/render';
import { testCaCertificate } from './openbao-props';

const secret = (namespace: string, name: string, data: SecretRequirement['data'], extra: Partial<SecretRequirement> = {}): SecretRequirement => ({ namespace, name, data, purpose: `${name} for a test`, ...extra });

/** Three Secrets in two namespaces: one with labels and a type, one created at bootstrap. */
const REQUIREMENTS: readonly SecretRequirement[] = [
  secret('cert-manager', 'cloudflare', { 'api-token': { path: 'platform/cloudflare', property: 'api-token' } }, { bootstrap: { 'api-token': 'CLOUDFLARE_API_TOKEN' } }),
  secret('argocd', 'repo', { password: { path: 'platform/git', property: 'token' }, username: { path: 'platform/git', property: 'user' } }, { labels: { 'argocd.argoproj.io/secret-type': 'repository' } }),
  secret('argocd', 'registry', { '.dockerconfigjson': { path: 'platform/registry', property: 'dockerconfigjson' } }, { type: 'kubernetes.io/dockerconfigjson' }),
];

const props: ExternalSecretsConfigProps = {
  namespace: 'security',
  openbao: { server: openbaoEndpoints('security').api, kvMount: 'secret', kubernetesAuthMount: 'kubernetes', audience: 'openbao', caCertificate: testCaCertificate() },
  requirements: REQUIREMENTS,
  refreshInterval: Duration.minutes(30),
};
const objects = (p: ExternalSecretsConfigProps = props): any[] => synthObjects(externalSecretsConfigComponent(p).source as ManifestSource);

describe('external-secrets-config', () => {
  it('defines a SecretStore openbao in every namespace that reads a secret, logging in as that namespace with its own role, and no ClusterSecretStore', () => {
    const objs = objects();
    expect(objs.filter((o) => o.kind === 'ClusterSecretStore')).toEqual([]);
    const stores = objs.filter((o) => o.kind === 'SecretStore');
    expect(stores.map((s) => s.metadata.namespace).sort()).toEqual(['argocd', 'cert-manager']);
    for (const store of stores) {
      const ns = store.metadata.namespace;
      expect(store.metadata.name).toBe('openbao');
      expect(store.spec.provider).toEqual({
        vault: {
          server: props.openbao.server.url(),
          caBundle: Buffer.from(props.openbao.caCertificate).toString('base64'),
          path: 'secret',
          version: 'v2',
          auth: { kubernetes: { mountPath: 'kubernetes', role: `eso-${ns}`, serviceAccountRef: { name: 'openbao-secret-reader', audiences: ['openbao'] } } },
        },
      });
      const sa = objs.find((o) => o.kind === 'ServiceAccount' && o.metadata.namespace === ns);
      expect(sa).toMatchObject({ metadata: { name: 'openbao-secret-reader' }, automountServiceAccountToken: false });
    }
  });

  it("gives every requirement one ExternalSecret in its own namespace, reading its own namespace's SecretStore, with every defaulted field rendered", () => {
    const secrets = objects().filter((o) => o.kind === 'ExternalSecret');
    expect(secrets.map((o) => `${o.metadata.namespace}/${o.metadata.name}`).sort()).toEqual(REQUIREMENTS.map((r) => `${r.namespace}/${r.name}`).sort());
    for (const es of secrets) {
      expect(es.spec.secretStoreRef).toEqual({ kind: 'SecretStore', name: 'openbao' });
      expect(es.spec.refreshInterval).toBe('30m');
      expect(es.spec.target).toMatchObject({ name: es.metadata.name, creationPolicy: 'Owner', deletionPolicy: 'Retain', template: { engineVersion: 'v2', mergePolicy: 'Replace' } });
      for (const d of es.spec.data) {
        expect(d.remoteRef).toMatchObject({ conversionStrategy: 'Default', decodingStrategy: 'None', metadataPolicy: 'None', nullBytePolicy: 'Ignore' });
      }
    }
  });

  it("carries each requirement's labels and type onto its Secret through the template (e.g. Argo CD's repository type)", () => {
    const es = objects().filter((o) => o.kind === 'ExternalSecret');
    expect(es.find((o) => o.metadata.name === 'repo').spec.target.template.metadata.labels).toEqual({ 'argocd.argoproj.io/secret-type': 'repository' });
    expect(es.find((o) => o.metadata.name === 'registry').spec.target.template.type).toBe('kubernetes.io/dockerconfigjson');
    expect(es.find((o) => o.metadata.name === 'cloudflare').spec.target.template.metadata).toBeUndefined();
  });

  it('maps each data key to its OpenBao path and property', () => {
    const es = objects().filter((o) => o.kind === 'ExternalSecret');
    for (const req of REQUIREMENTS) {
      const rendered = es.find((o) => o.metadata.namespace === req.namespace && o.metadata.name === req.name);
      expect(rendered.spec.data.map((d: any) => d.secretKey).sort()).toEqual(Object.keys(req.data).sort());
      for (const [key, ref] of Object.entries(req.data)) {
        expect(rendered.spec.data).toContainEqual(expect.objectContaining({ secretKey: key, remoteRef: expect.objectContaining({ key: ref.path, property: ref.property }) }));
      }
    }
  });

  it('runs after OpenBao and the operator, and tells the operator how to seed every path, from the bootstrap variable where there is one', () => {
    const c = externalSecretsConfigComponent(props);
    expect(c.dependsOn).toEqual(expect.arrayContaining(['openbao', 'external-secrets']));
    const seed = c.runbook!.find((r) => r.title === 'Seed OpenBao with the platform secrets')!.body;
    for (const req of REQUIREMENTS) for (const ref of Object.values(req.data)) expect(seed).toContain(`bao kv put -mount=secret ${ref.path} `);
    expect(seed).toContain('api-token="$CLOUDFLARE_API_TOKEN"');
    expect(seed).toContain('token="<token>" user="<user>"');
  });

  it('renders no store and says so in the runbook when no component declares a secret', () => {
    const c = externalSecretsConfigComponent({ ...props, requirements: [] });
    expect(synthObjects(c.source as ManifestSource)).toEqual([]);
    expect(c.runbook![0].body).toContain('No component declares a secret yet.');
  });

  describe('rejects bad props with a clear message', () => {
    const db = secret('apps', 'db', { password: { path: 'apps/db', property: 'password' } });
    it('the same Secret declared twice', () => {
      expect(() => externalSecretsConfigComponent({ ...props, requirements: [db, { ...db, purpose: 'again' }] })).toThrow(/Secret apps\/db is declared twice/);
    });
    it('a path that repeats the mount', () => {
      expect(() => externalSecretsConfigComponent({ ...props, requirements: [{ ...db, data: { password: { path: 'secret/apps/db', property: 'password' } } }] })).toThrow(/give the path under the secret\/ mount/);
    });
    it('a refresh interval in days, which External Secrets does not take', () => {
      expect(() => externalSecretsConfigComponent({ ...props, refreshInterval: Duration.days(1) })).toThrow(/refreshInterval "1d" is in days.*e\.g\. 24h/);
    });
    it('a plain-http OpenBao address', () => {
      expect(() => externalSecretsConfigComponent({ ...props, openbao: { ...props.openbao, server: Endpoint.service('openbao', 'security', 8200, 'http') } })).toThrow(/is not https/);
    });
    it('a typed Secret with other data keys than its type takes', () => {
      expect(() => externalSecretsConfigComponent({ ...props, requirements: [{ ...REQUIREMENTS[2], data: { config: REQUIREMENTS[2].data['.dockerconfigjson'] } }] })).toThrow(/of type kubernetes\.io\/dockerconfigjson has data keys config; that type takes exactly \.dockerconfigjson/);
    });
  });
});
