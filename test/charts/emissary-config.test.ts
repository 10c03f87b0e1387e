import { emissaryConfigComponent } from '../../charts/emissary-config';
import { PORTS } from '../../charts/emissary-ingress';
import { ManifestSource } from '../../lib/component';
import { K8sObject, synthObjects } from '../../lib/render';
import { NS } from '../../workflows/namespaces';
import { component, fixtureEnvironment } from '../support';

function objects(env: string, id = 'emissary-config'): K8sObject[] {
  return synthObjects(component(fixtureEnvironment(env), id).source as ManifestSource);
}
const find = (objs: K8sObject[], kind: string, name: string): any => objs.find((o) => o.kind === kind && o.metadata.name === name);

describe('emissary-config', () => {
  const prod = objects('prod');

  it('listens for HTTP on 8080 and HTTPS on 8443, the ports the gateway pods expose', () => {
    const http = find(prod, 'Listener', 'http');
    const https = find(prod, 'Listener', 'https');
    expect(http.spec).toMatchObject({ port: PORTS.http, protocol: 'HTTP', securityModel: 'XFP' });
    expect(https.spec).toMatchObject({ port: PORTS.https, protocol: 'HTTPS', securityModel: 'XFP' });
    expect(http.metadata.namespace).toBe(NS.emissary);
  });

  it("serves the wildcard domain with the wildcard Certificate's Secret and redirects plain HTTP", () => {
    const { domain } = fixtureEnvironment('prod').env;
    const host = find(prod, 'Host', 'wildcard');
    const cert = find(objects('prod', 'cert-manager-config'), 'Certificate', 'wildcard');
    expect(host.spec.hostname).toBe(`*.${domain}`);
    expect(host.metadata.namespace).toBe(cert.metadata.namespace);
    expect(host.spec.tlsSecret).toEqual({ name: cert.spec.secretName });
    expect(host.spec.requestPolicy).toEqual({ insecure: { action: 'Redirect' } });
    expect(host.spec.acmeProvider).toEqual({ authority: 'none' });
    expect(find(prod, 'Host', 'apex').spec.hostname).toBe(domain);
  });

  it('tunes the ambassador Module for connection pooling, keep-alive and gzip compression', () => {
    const config = find(prod, 'Module', 'ambassador').spec.config;
    expect(config.gzip).toMatchObject({ min_content_length: 1024, compression_level: 'DEFAULT' });
    expect(config.keepalive).toEqual({ idle_time: 60, interval: 10, probes: 3 });
    expect(config.circuit_breakers[0]).toMatchObject({ max_connections: 2048 });
    expect(config.cluster_idle_timeout_ms).toBe(60_000);
    expect(config.listener_idle_timeout_ms).toBeLessThan(350_000);
    expect(config.diagnostics).toEqual({ enabled: false });
  });

  it("trusts Cloudflare's forwarded headers only where the records are proxied", () => {
    expect(find(prod, 'Listener', 'https').spec.l7Depth).toBe(1);
    expect(find(objects('dev'), 'Listener', 'https').spec.l7Depth).toBe(0);
  });

  it('rejects a negative number of trusted proxies', () => {
    expect(() =>
      emissaryConfigComponent({ namespace: NS.emissary, domain: 'example.com', tlsSecretName: 'wildcard-tls', ports: { http: 8080, https: 8443 }, trustedProxyHops: -1 }),
    ).toThrow(/trustedProxyHops must be a whole number of at least 0, got -1/);
  });
});
