import { AcmeIssuer, certManagerConfigComponent, CertManagerConfigProps } from '../../charts/cert-manager-config';
import { permissionsOf } from '../../argocd/applications';
import { ManifestSource } from '../../lib/component';
import { K8sObject, synthObjects } from '../../lib/render';
import { cloudflareTokenSecret } from '../../workflows/ingress';
import { NS } from '../../workflows/namespaces';
import { component, hydratedFixture, fixtureEnvironment } from '../support';

function objects(env: string): K8sObject[] {
  return synthObjects(component(fixtureEnvironment(env), 'cert-manager-config').source as ManifestSource);
}
const find = (objs: K8sObject[], kind: string, name: string): any => objs.find((o) => o.kind === kind && o.metadata.name === name);

describe('cert-manager-config', () => {
  const prod = objects('prod');

  it("declares Let's Encrypt staging and production ClusterIssuers solving DNS01 with the Cloudflare token", () => {
    const env = fixtureEnvironment('prod').env;
    for (const [name, server] of [
      ['letsencrypt-staging', 'https://acme-staging-v02.api.letsencrypt.org/directory'],
      ['letsencrypt-production', 'https://acme-v02.api.letsencrypt.org/directory'],
    ]) {
      const issuer = find(prod, 'ClusterIssuer', name);
      expect(issuer.metadata.namespace).toBeUndefined();
      expect(issuer.spec.acme.server).toBe(server);
      expect(issuer.spec.acme.email).toBe(env.acmeEmail);
      expect(issuer.spec.acme.solvers[0].dns01.cloudflare).toEqual({ apiTokenSecretRef: { name: 'cloudflare-api-token', key: 'api-token' } });
    }
  });

  it('issues one wildcard certificate for the domain into the emissary namespace', () => {
    const env = fixtureEnvironment('prod').env;
    const cert = find(prod, 'Certificate', 'wildcard');
    expect(cert.metadata.namespace).toBe(NS.emissary);
    expect(cert.spec.dnsNames).toEqual([`*.${env.domain}`, env.domain]);
    expect(cert.spec.secretName).toBe('wildcard-tls');
  });

  it('has the wildcard signed by production in prod and staging, and by Let\'s Encrypt staging in dev', () => {
    const issuerOf = (env: string) => find(objects(env), 'Certificate', 'wildcard').spec.issuerRef;
    expect(issuerOf('prod')).toEqual({ name: 'letsencrypt-production', kind: 'ClusterIssuer', group: 'cert-manager.io' });
    expect(issuerOf('staging').name).toBe('letsencrypt-production');
    expect(issuerOf('dev').name).toBe('letsencrypt-staging');
    expect(find(objects('dev'), 'Certificate', 'wildcard').spec.dnsNames).toEqual(['*.dev.acme.example.com', 'dev.acme.example.com']);
  });

  it('needs the Cloudflare token in its own namespace, created at bootstrap and later from OpenBao', async () => {
    const c = component(fixtureEnvironment('prod'), 'cert-manager-config');
    expect(c.namespace).toBe(NS.certManager);
    expect(c.secrets).toEqual([
      expect.objectContaining({
        namespace: NS.certManager,
        name: 'cloudflare-api-token',
        data: { 'api-token': { path: 'platform/cloudflare', property: 'api-token' } },
        bootstrap: { 'api-token': 'CLOUDFLARE_API_TOKEN' },
      }),
    ]);
    // Its AppProject needs its own namespace, the gateway's (the Certificate) and ClusterIssuers.
    expect(permissionsOf([c], (await hydratedFixture('prod')).objects)).toEqual({
      namespaces: [NS.certManager, NS.emissary],
      clusterResources: ['cert-manager.io/ClusterIssuer'],
      namespaceResources: ['cert-manager.io/Certificate'],
    });
  });

  it('comes after cert-manager, whose CRDs and webhook it needs', () => {
    const m = fixtureEnvironment('prod');
    expect(m.graph.waves.get('cert-manager-config')!).toBeGreaterThan(m.graph.waves.get('cert-manager')!);
  });

  it('rejects a token Secret outside the cluster-resource namespace', () => {
    const props: CertManagerConfigProps = {
      namespace: NS.certManager,
      acmeEmail: 'ops@example.com',
      apiToken: { secret: cloudflareTokenSecret(NS.externalDns, 'wrong place'), key: 'api-token' },
      dnsZone: 'example.com',
      domain: 'example.com',
      certificateNamespace: NS.emissary,
      issuer: AcmeIssuer.PRODUCTION,
    };
    expect(() => certManagerConfigComponent(props)).toThrow(/must be in cert-manager's namespace "cert-manager"/);
    expect(() => certManagerConfigComponent({ ...props, apiToken: { secret: cloudflareTokenSecret(NS.certManager, 'x'), key: 'api-token' }, domain: 'other.org' })).toThrow(
      /not inside the Cloudflare zone "example.com"/,
    );
  });
});
