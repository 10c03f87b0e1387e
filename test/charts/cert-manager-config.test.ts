import { AcmeIssuer, certManagerConfigComponent, CertManagerConfigProps } from '../../charts/cert-manager-config';
import { permissionsOf } from '../../argocd/applications';
import { ManifestSource, SecretRequirement } from '../../lib/component';
import { K8sObject, synthObjects } from '../../lib/render';
import { objectsOfKind } from '../support';

const token = (namespace: string): SecretRequirement => ({
  namespace,
  name: 'dns-token',
  data: { token: { path: 'platform/dns', property: 'token' } },
  purpose: 'the DNS01 solver token',
});
const props: CertManagerConfigProps = {
  namespace: 'certs',
  acmeEmail: 'ops@example.com',
  apiToken: { secret: token('certs'), key: 'token' },
  dnsZone: 'example.com',
  domain: 'dev.example.com',
  certificateNamespace: 'gateway',
  issuer: AcmeIssuer.STAGING,
};
const render = (p: CertManagerConfigProps): K8sObject[] => synthObjects(certManagerConfigComponent(p).source as ManifestSource);
const one = (objs: readonly K8sObject[], kind: string, name: string) => {
  const found = objectsOfKind(objs, kind, name);
  expect(found).toHaveLength(1);
  return found[0];
};

describe('cert-manager-config', () => {
  const objects = render(props);

  it("declares Let's Encrypt staging and production ClusterIssuers solving DNS01 in the zone with the Cloudflare token", () => {
    for (const [name, server] of [
      ['letsencrypt-staging', 'https://acme-staging-v02.api.letsencrypt.org/directory'],
      ['letsencrypt-production', 'https://acme-v02.api.letsencrypt.org/directory'],
    ]) {
      const issuer = one(objects, 'ClusterIssuer', name);
      expect(issuer.metadata.namespace).toBeUndefined();
      expect(issuer.spec.acme.server).toBe(server);
      expect(issuer.spec.acme.email).toBe('ops@example.com');
      expect(issuer.spec.acme.solvers).toEqual([
        { selector: { dnsZones: ['example.com'] }, dns01: { cloudflare: { apiTokenSecretRef: { name: 'dns-token', key: 'token' } } } },
      ]);
    }
  });

  it('issues one wildcard certificate for the domain into the certificate namespace, signed by the issuer it is given', () => {
    const cert = one(objects, 'Certificate', 'wildcard');
    expect(cert.metadata.namespace).toBe('gateway');
    expect(cert.spec.dnsNames).toEqual(['*.dev.example.com', 'dev.example.com']);
    expect(cert.spec.secretName).toBe('wildcard-tls');
    expect(cert.spec.issuerRef).toEqual({ name: 'letsencrypt-staging', kind: 'ClusterIssuer', group: 'cert-manager.io' });
    expect(one(render({ ...props, issuer: AcmeIssuer.PRODUCTION }), 'Certificate', 'wildcard').spec.issuerRef.name).toBe('letsencrypt-production');
  });

  it("renews the 90-day certificate a third of the way before expiry, with a fresh ECDSA key each time", () => {
    const cert = one(objects, 'Certificate', 'wildcard');
    expect(cert.spec).toMatchObject({ duration: '2160h', renewBefore: '720h', privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' } });
  });

  it('takes other certificate and Secret names when given', () => {
    const cert = one(render({ ...props, certificateName: 'edge', secretName: 'edge-tls' }), 'Certificate', 'edge');
    expect(cert.spec.secretName).toBe('edge-tls');
  });

  it('needs the token Secret in its own namespace, and may write only ClusterIssuers and the Certificate', () => {
    const c = certManagerConfigComponent(props);
    expect(c.namespace).toBe('certs');
    expect(c.dependsOn).toEqual(['cert-manager']);
    expect(c.secrets).toEqual([props.apiToken.secret]);
    expect(permissionsOf([c], new Map([[c.id, objects]]))).toEqual({
      namespaces: ['certs', 'gateway'],
      clusterResources: ['cert-manager.io/ClusterIssuer'],
      namespaceResources: ['cert-manager.io/Certificate'],
    });
  });

  it('rejects a token Secret outside the cluster-resource namespace, a missing key, and a domain outside the zone', () => {
    expect(() => certManagerConfigComponent({ ...props, apiToken: { secret: token('elsewhere'), key: 'token' } })).toThrow(/must be in cert-manager's namespace "certs"/);
    expect(() => certManagerConfigComponent({ ...props, apiToken: { secret: token('certs'), key: 'nope' } })).toThrow('apiToken.key "nope" is not a data key of Secret dns-token');
    expect(() => certManagerConfigComponent({ ...props, domain: 'other.org' })).toThrow(/not inside the Cloudflare zone "example.com"/);
    expect(() => certManagerConfigComponent({ ...props, domain: 'Not A Name' })).toThrow('cert-manager-config: domain "Not A Name" is not a DNS name');
  });
});
