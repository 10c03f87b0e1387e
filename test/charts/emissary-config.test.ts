import { emissaryConfigComponent, PublicRoute } from '../../charts/emissary-config';
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
    expect(() => emissaryConfigComponent({ ...BASE, trustedProxyHops: -1 })).toThrow(/trustedProxyHops must be a whole number of at least 0, got -1/);
  });

  it("routes each public route by a Mapping in Emissary's namespace to its Service in another namespace, over the in-mesh host", () => {
    const objs = synthObjects(emissaryConfigComponent({ ...BASE, routes: [ROUTE, { name: 'shop', hostname: 'shop.example.com', service: { name: 'shop', namespace: 'team-b', port: 9000 } }] }).source as ManifestSource);
    const mappings = objs.filter((o) => o.kind === 'Mapping') as any[];
    expect(mappings.map((o) => [o.metadata.namespace, o.metadata.name])).toEqual([
      [NS.emissary, 'api'],
      [NS.emissary, 'shop'],
    ]);
    expect(find(objs, 'Mapping', 'shop').spec).toEqual({ hostname: 'shop.example.com', prefix: '/', service: 'shop.team-b:9000', host_rewrite: 'shop.team-b.svc.cluster.local' });
    expect(find(objs, 'Mapping', 'shop').metadata.labels['app.kubernetes.io/component']).toBe('route');
  });

  it('renders a Mapping for exactly the public services of the config', () => {
    const config = fixtureEnvironment('prod').config;
    const mappings = prod.filter((o) => o.kind === 'Mapping') as any[];
    expect(mappings.map((o) => o.metadata.name).sort()).toEqual(config.services.filter((s) => s.public).map((s) => s.name).sort());
    expect(mappings.length).toBeGreaterThan(0);
  });

  it('rejects a route whose hostname the wildcard Host does not cover, naming the route and the fix', () => {
    expect(() => emissaryConfigComponent({ ...BASE, routes: [{ ...ROUTE, hostname: 'api.other.com' }] })).toThrow(
      'emissary-config: route api: hostname "api.other.com" is not <name>.example.com, the only names the wildcard Host and certificate cover',
    );
    expect(() => emissaryConfigComponent({ ...BASE, routes: [{ ...ROUTE, hostname: 'a.b.example.com' }] })).toThrow(/route api: hostname "a.b.example.com"/);
  });

  it('rejects two routes with the same hostname or the same name', () => {
    expect(() => emissaryConfigComponent({ ...BASE, routes: [ROUTE, { ...ROUTE, name: 'api2' }] })).toThrow('routes api and api2 both claim hostname api.example.com');
    expect(() => emissaryConfigComponent({ ...BASE, routes: [ROUTE, { ...ROUTE, hostname: 'b.example.com' }] })).toThrow('two routes are named api');
  });
});

const BASE = { namespace: NS.emissary, domain: 'example.com', tlsSecretName: 'wildcard-tls', ports: { http: 8080, https: 8443 }, trustedProxyHops: 0, routes: [] };
const ROUTE: PublicRoute = { name: 'api', hostname: 'api.example.com', service: { name: 'api', namespace: 'team-a', port: 8080 } };
