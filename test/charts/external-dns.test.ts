import { DEFAULTS, externalDnsComponent, ExternalDnsProps } from '../../charts/external-dns';
import type { ExternalDnsValues } from '../../charts/external-dns/values';
import { CHARTS } from '../../config/versions';
import { HelmSource, SecretRequirement } from '../../lib/component';
import { Duration } from '../../lib/duration';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { objectsOfKind, renderComponent } from '../support';

jest.setTimeout(120_000);

const token = (namespace: string): SecretRequirement => ({
  namespace,
  name: 'dns-token',
  data: { token: { path: 'platform/dns', property: 'token' } },
  purpose: 'the DNS provider token',
});
const RESOURCES = Resources.of({ cpu: '20m', memory: '30Mi' }, { cpu: '100m', memory: '128Mi' });
const props: ExternalDnsProps = {
  namespace: 'dns',
  txtOwnerId: 'acme-test',
  domainFilters: ['example.com'],
  policy: 'upsert-only',
  apiToken: { secret: token('dns'), key: 'token' },
  cloudflareProxied: true,
  resources: RESOURCES,
};
const values = (p: ExternalDnsProps): ExternalDnsValues => (externalDnsComponent(p).source as HelmSource).values as ExternalDnsValues;

describe('external-dns', () => {
  const v = values(props);

  it('installs the pinned chart into the namespace it is given, after cert-manager', () => {
    const c = externalDnsComponent(props);
    expect(c.namespace).toBe('dns');
    expect((c.source as HelmSource).chart).toEqual(CHARTS.externalDns);
    expect(c.dependsOn).toEqual(['cert-manager']);
  });

  it('uses the Cloudflare provider with CF_API_TOKEN from the token Secret', () => {
    expect(v.provider).toEqual({ name: 'cloudflare' });
    expect(v.env).toEqual([{ name: 'CF_API_TOKEN', valueFrom: { secretKeyRef: { name: 'dns-token', key: 'token' } } }]);
  });

  it('owns its records under the owner id and syncs every 60 seconds unless given another interval', () => {
    expect(v.txtOwnerId).toBe('acme-test');
    expect(v.registry).toBe('txt');
    expect(v.interval).toBe('60s');
    expect(DEFAULTS.interval.totalSeconds).toBe(60);
    expect(values({ ...props, interval: Duration.minutes(2) }).interval).toBe('2m');
  });

  it('keeps the policy it is given', () => {
    expect(v.policy).toBe('upsert-only');
    expect(values({ ...props, policy: 'sync' }).policy).toBe('sync');
  });

  it('filters on the zones it is given and reads only LoadBalancer Services', () => {
    expect(v.domainFilters).toEqual(['example.com']);
    expect(v.sources).toEqual(['service']);
    expect(v.extraArgs).toContain('--service-type-filter=LoadBalancer');
    expect(v.extraArgs).toContain('--txt-wildcard-replacement=wildcard');
  });

  it('proxies records through Cloudflare only when told to', () => {
    expect(v.extraArgs).toContain('--cloudflare-proxied');
    expect(values({ ...props, cloudflareProxied: false }).extraArgs).not.toContain('--cloudflare-proxied');
  });

  it('runs one replica with the resources it is given, at platform-critical priority, with its ServiceMonitor', async () => {
    expect(v.resources).toEqual(RESOURCES.toK8s());
    expect(v.priorityClassName).toBe(PRIORITY.platformCritical);
    expect(v.serviceMonitor.enabled).toBe(true);
    const objects = await renderComponent(externalDnsComponent(props));
    const deployments = objectsOfKind(objects, 'Deployment');
    expect(deployments).toHaveLength(1);
    expect(deployments[0].metadata.namespace).toBe('dns');
    expect(deployments[0].spec.replicas).toBe(1);
    expect(deployments[0].spec.template.spec.containers[0].resources).toEqual(v.resources);
  });

  it('declares the token Secret it consumes', () => {
    expect(externalDnsComponent(props).secrets).toEqual([props.apiToken.secret]);
  });

  it('rejects a token Secret from another namespace, a missing key, an empty owner id, no zones, or an interval in days', () => {
    expect(() => externalDnsComponent({ ...props, apiToken: { secret: token('elsewhere'), key: 'token' } })).toThrow(/must be in external-dns's namespace "dns"/);
    expect(() => externalDnsComponent({ ...props, apiToken: { secret: token('dns'), key: 'nope' } })).toThrow('external-dns: apiToken.key "nope" is not a data key of Secret dns-token (has: token)');
    expect(() => externalDnsComponent({ ...props, txtOwnerId: '' })).toThrow(/txtOwnerId is empty/);
    expect(() => externalDnsComponent({ ...props, domainFilters: [] })).toThrow(/domainFilters is empty/);
    expect(() => externalDnsComponent({ ...props, interval: Duration.days(1) })).toThrow('external-dns: interval 1d is in days');
  });
});
