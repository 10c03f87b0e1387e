import { externalDnsComponent, ExternalDnsProps } from '../../charts/external-dns';
import { CHARTS } from '../../config/versions';
import { HelmSource } from '../../lib/component';
import { PRIORITY } from '../../lib/priority';
import { cloudflareTokenSecret } from '../../workflows/ingress';
import { componentWorkloads } from '../../lib/workloads';
import { NS } from '../../workflows/namespaces';
import { component, ENVIRONMENTS, helmValues, hydratedFixture, fixtureEnvironment } from '../support';

describe('external-dns', () => {
  const prod = helmValues(fixtureEnvironment('prod'), 'external-dns');
  const dev = helmValues(fixtureEnvironment('dev'), 'external-dns');

  it('installs the pinned chart into the external-dns namespace', () => {
    const c = component(fixtureEnvironment('prod'), 'external-dns');
    expect(c.namespace).toBe(NS.externalDns);
    expect((c.source as HelmSource).chart).toEqual(CHARTS.externalDns);
  });

  it('uses the Cloudflare provider with CF_API_TOKEN from the token Secret', () => {
    expect(prod.provider).toEqual({ name: 'cloudflare' });
    expect(prod.env).toEqual([{ name: 'CF_API_TOKEN', valueFrom: { secretKeyRef: { name: 'cloudflare-api-token', key: 'api-token' } } }]);
  });

  it('owns its records under the cluster name and syncs every 60 seconds', () => {
    for (const env of ENVIRONMENTS) {
      const m = fixtureEnvironment(env);
      const v = helmValues(m, 'external-dns');
      expect(v.txtOwnerId).toBe(m.env.clusterName);
      expect(v.interval).toBe('60s');
      expect(v.registry).toBe('txt');
    }
  });

  it('only upserts in prod and staging, and syncs (deletes too) in dev', () => {
    expect(prod.policy).toBe('upsert-only');
    expect(helmValues(fixtureEnvironment('staging'), 'external-dns').policy).toBe('upsert-only');
    expect(dev.policy).toBe('sync');
  });

  it("filters on the environment's Cloudflare zone and reads only LoadBalancer Services", () => {
    expect(prod.domainFilters).toEqual([fixtureEnvironment('prod').env.domain]);
    // dev.<zone> is not a Cloudflare zone: the filter is the zone that holds it.
    expect(dev.domainFilters).toEqual([fixtureEnvironment('dev').env.apexDomain]);
    expect(prod.sources).toEqual(['service']);
    expect(prod.extraArgs).toContain('--service-type-filter=LoadBalancer');
    expect(prod.extraArgs).toContain('--txt-wildcard-replacement=wildcard');
  });

  it('proxies records through Cloudflare only where the names are first-level names of the zone', () => {
    expect(prod.extraArgs).toContain('--cloudflare-proxied');
    expect(dev.extraArgs).not.toContain('--cloudflare-proxied');
  });

  it("gives the seed's 25m/32Mi requests and 100m/128Mi limits in prod and less in dev, at platform-critical priority", async () => {
    expect(prod.resources).toEqual({ requests: { cpu: '25m', memory: '32Mi' }, limits: { cpu: '100m', memory: '128Mi' } });
    expect(dev.resources.requests).toEqual({ cpu: '10m', memory: '24Mi' });
    expect(prod.priorityClassName).toBe(PRIORITY.platformCritical);
    expect(prod.serviceMonitor.enabled).toBe(true);
    const workloads = componentWorkloads(await hydratedFixture('prod'), 'external-dns');
    expect(workloads).toHaveLength(1);
    expect(workloads[0].replicas).toBe(1);
    expect(workloads[0].containers[0].resources.toK8s()).toEqual(prod.resources);
  });

  it('needs the Cloudflare token in its namespace, created at bootstrap', () => {
    const c = component(fixtureEnvironment('prod'), 'external-dns');
    expect(c.secrets).toEqual([expect.objectContaining({ namespace: NS.externalDns, name: 'cloudflare-api-token', bootstrap: { 'api-token': 'CLOUDFLARE_API_TOKEN' } })]);
    expect(c.dependsOn).not.toContain('external-secrets-config');
  });

  it('rejects a token Secret from another namespace and an empty owner id', () => {
    const props: ExternalDnsProps = {
      namespace: NS.externalDns,
      txtOwnerId: 'acme-prod',
      domainFilters: ['example.com'],
      policy: 'sync',
      apiToken: { secret: cloudflareTokenSecret(NS.certManager, 'x'), key: 'api-token' },
      cloudflareProxied: false,
    };
    expect(() => externalDnsComponent(props)).toThrow(/must be in external-dns's namespace "external-dns"/);
    expect(() => externalDnsComponent({ ...props, apiToken: { secret: cloudflareTokenSecret(NS.externalDns, 'x'), key: 'api-token' }, txtOwnerId: '' })).toThrow(
      /txtOwnerId is empty/,
    );
  });
});
