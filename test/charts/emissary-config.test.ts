import { DEFAULTS, emissaryConfigComponent, EmissaryConfigProps, PublicRoute } from '../../charts/emissary-config';
import { ManifestSource } from '../../lib/component';
import { K8sObject, synthObjects } from '../../lib/render';

const BASE: EmissaryConfigProps = { namespace: 'gateway', domain: 'example.com', tlsSecretName: 'wildcard-tls', ports: { http: 8080, https: 8443 }, trustedProxyHops: 0, routes: [] };
const ROUTE: PublicRoute = { name: 'api', hostname: 'api.example.com', service: { name: 'api', namespace: 'team-a', port: 8080 } };

const render = (p: EmissaryConfigProps): K8sObject[] => synthObjects(emissaryConfigComponent(p).source as ManifestSource);
const find = (objs: K8sObject[], kind: string, name: string): any => objs.find((o) => o.kind === kind && o.metadata.name === name);

describe('emissary-config', () => {
  const objects = render(BASE);

  it('depends on the gateway and the certificate whose Secret its Hosts use, in the namespace it is given', () => {
    const c = emissaryConfigComponent(BASE);
    expect(c.namespace).toBe('gateway');
    expect([...c.dependsOn].sort()).toEqual(['cert-manager-config', 'emissary-ingress']);
    for (const o of objects) expect(o.metadata.namespace).toBe('gateway');
  });

  it('listens for HTTP and HTTPS on the pod ports it is given, binding only its own Hosts', () => {
    const http = find(objects, 'Listener', 'http');
    const https = find(objects, 'Listener', 'https');
    expect(http.spec).toMatchObject({ port: 8080, protocol: 'HTTP', securityModel: 'XFP', hostBinding: { namespace: { from: 'SELF' } } });
    expect(https.spec).toMatchObject({ port: 8443, protocol: 'HTTPS', securityModel: 'XFP' });
  });

  it("serves the wildcard domain and the apex with the certificate's Secret and redirects plain HTTP", () => {
    const host = find(objects, 'Host', 'wildcard');
    expect(host.spec.hostname).toBe('*.example.com');
    expect(host.spec.tlsSecret).toEqual({ name: 'wildcard-tls' });
    expect(host.spec.requestPolicy).toEqual({ insecure: { action: 'Redirect' } });
    expect(host.spec.acmeProvider).toEqual({ authority: 'none' });
    expect(find(objects, 'Host', 'apex').spec.hostname).toBe('example.com');
  });

  it('tunes the ambassador Module for connection pooling, keep-alive and gzip compression', () => {
    const config = find(objects, 'Module', 'ambassador').spec.config;
    expect(config.gzip).toMatchObject({ min_content_length: 1024, compression_level: 'DEFAULT' });
    expect(config.keepalive).toEqual({ idle_time: 60, interval: 10, probes: 3 });
    expect(config.circuit_breakers[0]).toMatchObject({ max_connections: 2048 });
    expect(config.cluster_idle_timeout_ms).toBe(60_000);
    expect(config.listener_idle_timeout_ms).toBeLessThan(350_000);
    expect(config.diagnostics).toEqual({ enabled: false });
  });

  it('trusts the forwarded headers of exactly the proxies in front of it', () => {
    expect(find(objects, 'Listener', 'https').spec.l7Depth).toBe(0);
    expect(find(render({ ...BASE, trustedProxyHops: 1 }), 'Listener', 'https').spec.l7Depth).toBe(1);
  });

  it('takes a Module configuration in place of the default one', () => {
    const module = { ...DEFAULTS.module, diagnostics: { enabled: true } };
    expect(find(render({ ...BASE, module }), 'Module', 'ambassador').spec.config.diagnostics).toEqual({ enabled: true });
  });

  it('rejects a negative number of trusted proxies, one port for both listeners, and no TLS Secret', () => {
    expect(() => emissaryConfigComponent({ ...BASE, trustedProxyHops: -1 })).toThrow(/trustedProxyHops must be a whole number of at least 0, got -1/);
    expect(() => emissaryConfigComponent({ ...BASE, ports: { http: 8080, https: 8080 } })).toThrow('emissary-config: the HTTP and HTTPS listeners both use port 8080');
    expect(() => emissaryConfigComponent({ ...BASE, tlsSecretName: '' })).toThrow('emissary-config: tlsSecretName is empty');
  });

  it("routes each public route by a Mapping in Emissary's namespace to its Service in another namespace, over the in-mesh host", () => {
    const objs = render({ ...BASE, routes: [ROUTE, { name: 'shop', hostname: 'shop.example.com', service: { name: 'shop', namespace: 'team-b', port: 9000 } }] });
    const mappings = objs.filter((o) => o.kind === 'Mapping') as any[];
    expect(mappings.map((o) => [o.metadata.namespace, o.metadata.name])).toEqual([
      ['gateway', 'api'],
      ['gateway', 'shop'],
    ]);
    expect(find(objs, 'Mapping', 'shop').spec).toEqual({ hostname: 'shop.example.com', prefix: '/', service: 'shop.team-b:9000', host_rewrite: 'shop.team-b.svc.cluster.local' });
    expect(find(objs, 'Mapping', 'shop').metadata.labels['app.kubernetes.io/component']).toBe('route');
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
