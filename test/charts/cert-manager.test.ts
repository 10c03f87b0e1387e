import { certManagerComponent, CertManagerProps } from '../../charts/cert-manager';
import type { CertManagerValues } from '../../charts/cert-manager/values';
import { permissionsOf } from '../../argocd/applications';
import { CHARTS } from '../../config/versions';
import { HelmSource } from '../../lib/component';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { TierPolicy } from '../../lib/tier-policy';
import { objectsOfKind, renderComponent } from '../support';

jest.setTimeout(120_000);

const PROD = TierPolicy.of({ tier: 'prod', highAvailability: true, nodeGroupPerZone: true });
const DEV = TierPolicy.of({ tier: 'dev', highAvailability: false, nodeGroupPerZone: false });
const CONTROLLER = Resources.of({ cpu: '40m', memory: '60Mi' }, { cpu: '200m', memory: '256Mi' });
const props: CertManagerProps = { namespace: 'certs', tierPolicy: PROD, controllerResources: CONTROLLER };
const values = (p: CertManagerProps): CertManagerValues => (certManagerComponent(p).source as HelmSource).values as CertManagerValues;

describe('cert-manager', () => {
  const prod = values(props);
  const dev = values({ ...props, tierPolicy: DEV });

  it('installs the pinned chart into the namespace it is given, depending on nothing', () => {
    const c = certManagerComponent(props);
    expect(c.namespace).toBe('certs');
    expect((c.source as HelmSource).chart).toEqual(CHARTS.certManager);
    expect(c.dependsOn).toEqual([]);
  });

  it('installs its CRDs from the chart and keeps them when the release goes', () => {
    expect(prod.crds).toEqual({ enabled: true, keep: true });
  });

  it('turns the ServiceMonitor on under the lowercase servicemonitor key', () => {
    expect(prod.prometheus.servicemonitor.enabled).toBe(true);
    expect((prod.prometheus as Record<string, unknown>).serviceMonitor).toBeUndefined();
  });

  it('checks DNS01 records through 1.1.1.1 and 8.8.8.8 only, unless given other resolvers', () => {
    expect(prod.dns01RecursiveNameservers).toBe('1.1.1.1:53,8.8.8.8:53');
    expect(prod.dns01RecursiveNameserversOnly).toBe(true);
    expect(values({ ...props, dns01RecursiveNameservers: ['9.9.9.9:53'] }).dns01RecursiveNameservers).toBe('9.9.9.9:53');
  });

  it('gives the controller the resources it is given, and its helpers their defaults', () => {
    expect(prod.resources).toEqual(CONTROLLER.toK8s());
    for (const r of [prod.webhook.resources, prod.cainjector.resources, prod.startupapicheck.resources]) {
      expect(r.requests.cpu).toBeTruthy();
      expect(r.limits.memory).toBeTruthy();
    }
  });

  it('runs two webhook replicas behind a PodDisruptionBudget where the tier is highly available, and one without elsewhere', () => {
    expect(prod.webhook.replicaCount).toBe(2);
    expect(prod.webhook.podDisruptionBudget).toEqual({ enabled: true, minAvailable: 1 });
    expect(dev.webhook.replicaCount).toBe(1);
    expect(dev.webhook.podDisruptionBudget.enabled).toBe(false);
  });

  it('runs its workloads with the very resources and replicas it passes to the chart', async () => {
    const objects = await renderComponent(certManagerComponent(props));
    const container = (kind: string, name: string) => objectsOfKind(objects, kind, name)[0].spec.template.spec.containers[0];
    expect(container('Deployment', 'cert-manager').resources).toEqual(prod.resources);
    expect(objectsOfKind(objects, 'Deployment', 'cert-manager-webhook')[0].spec.replicas).toBe(prod.webhook.replicaCount);
    expect(container('Deployment', 'cert-manager-webhook').resources).toEqual(prod.webhook.resources);
    expect(container('Deployment', 'cert-manager-cainjector').resources).toEqual(prod.cainjector.resources);
    expect(objectsOfKind(objects, 'Job', 'cert-manager-startupapicheck')).toHaveLength(1);
    for (const d of objectsOfKind(objects, 'Deployment')) expect(d.metadata.namespace).toBe('certs');
  });

  it('runs every pod at the platform-critical priority and keeps its leader-election lease in its own namespace', () => {
    expect(prod.global.priorityClassName).toBe(PRIORITY.platformCritical);
    expect(prod.global.leaderElection.namespace).toBe('certs');
  });

  it('ignores the webhook CA bundle cainjector writes, and creates webhooks and CRDs', async () => {
    const c = certManagerComponent(props);
    expect(c.ignoreDifferences?.map((d) => d.kind).sort()).toEqual(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);
    expect(c.ignoreDifferences?.map((d) => d.name)).toEqual(['cert-manager-webhook', 'cert-manager-webhook']);
    expect(c.ignoreDifferences?.[0].jqPathExpressions).toEqual(['.webhooks[]?.clientConfig.caBundle']);
    const objects = await renderComponent(c);
    expect(permissionsOf([c], new Map([[c.id, objects]])).clusterResources).toEqual(
      expect.arrayContaining(['apiextensions.k8s.io/CustomResourceDefinition', 'admissionregistration.k8s.io/ValidatingWebhookConfiguration']),
    );
  });

  it('rejects a recursive nameserver without a port, and an empty list', () => {
    expect(() => certManagerComponent({ ...props, dns01RecursiveNameservers: ['1.1.1.1'] })).toThrow(/dns01RecursiveNameservers entry "1.1.1.1" is not host:port/);
    expect(() => certManagerComponent({ ...props, dns01RecursiveNameservers: [] })).toThrow('cert-manager: dns01RecursiveNameservers is empty');
  });
});
