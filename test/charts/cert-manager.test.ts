import { certManagerComponent } from '../../charts/cert-manager';
import { permissionsOf } from '../../argocd/applications';
import { CHARTS } from '../../config/versions';
import { HelmSource } from '../../lib/component';
import { PRIORITY } from '../../lib/priority';
import { WorkloadKind } from '../../lib/resources';
import { componentWorkloads } from '../../lib/workloads';
import { NS } from '../../workflows/namespaces';
import { component, ENVIRONMENTS, helmValues, hydratedFixture, fixtureEnvironment } from '../support';

describe('cert-manager', () => {
  const prod = helmValues(fixtureEnvironment('prod'), 'cert-manager');
  const dev = helmValues(fixtureEnvironment('dev'), 'cert-manager');

  it('installs the pinned chart into the cert-manager namespace in every environment', () => {
    for (const env of ENVIRONMENTS) {
      const c = component(fixtureEnvironment(env), 'cert-manager');
      expect(c.namespace).toBe(NS.certManager);
      expect((c.source as HelmSource).chart).toEqual(CHARTS.certManager);
    }
  });

  it('installs its CRDs from the chart and keeps them when the release goes', () => {
    expect(prod.crds).toEqual({ enabled: true, keep: true });
  });

  it('turns the ServiceMonitor on under the lowercase servicemonitor key', () => {
    expect(prod.prometheus.servicemonitor.enabled).toBe(true);
    expect(prod.prometheus.serviceMonitor).toBeUndefined();
  });

  it('checks DNS01 records through 1.1.1.1 and 8.8.8.8 only', () => {
    expect(prod.dns01RecursiveNameservers).toBe('1.1.1.1:53,8.8.8.8:53');
    expect(prod.dns01RecursiveNameserversOnly).toBe(true);
  });

  it("gives the controller the seed's 50m/64Mi requests and 200m/256Mi limits in prod, and less in dev", () => {
    expect(prod.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '256Mi' } });
    expect(dev.resources.requests).toEqual({ cpu: '25m', memory: '48Mi' });
    expect(helmValues(fixtureEnvironment('staging'), 'cert-manager').resources).toEqual(prod.resources);
  });

  it('runs two webhook replicas behind a PodDisruptionBudget in prod and one without in dev', () => {
    expect(prod.webhook.replicaCount).toBe(2);
    expect(prod.webhook.podDisruptionBudget).toEqual({ enabled: true, minAvailable: 1 });
    expect(dev.webhook.replicaCount).toBe(1);
    expect(dev.webhook.podDisruptionBudget.enabled).toBe(false);
  });

  it('runs its workloads with the very resources it passes to the chart', async () => {
    const byName = new Map(componentWorkloads(await hydratedFixture('prod'), 'cert-manager').map((w) => [w.name, w]));
    expect(byName.get('cert-manager')!.containers[0].resources.toK8s()).toEqual(prod.resources);
    expect(byName.get('cert-manager-webhook')!.replicas).toBe(prod.webhook.replicaCount);
    expect(byName.get('cert-manager-webhook')!.containers[0].resources.toK8s()).toEqual(prod.webhook.resources);
    expect(byName.get('cert-manager-cainjector')!.containers[0].resources.toK8s()).toEqual(prod.cainjector.resources);
    expect(byName.get('cert-manager-startupapicheck')!.kind).toBe(WorkloadKind.Job);
  });

  it('runs every pod at the platform-critical priority and keeps its leader-election lease in its own namespace', () => {
    expect(prod.global.priorityClassName).toBe(PRIORITY.platformCritical);
    expect(prod.global.leaderElection.namespace).toBe(NS.certManager);
  });

  it("ignores the webhook CA bundle cainjector writes, and creates webhooks and CRDs", async () => {
    const c = component(fixtureEnvironment('prod'), 'cert-manager');
    expect(c.ignoreDifferences?.map((d) => d.kind).sort()).toEqual(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);
    expect(c.ignoreDifferences?.[0].jqPathExpressions).toEqual(['.webhooks[]?.clientConfig.caBundle']);
    expect(permissionsOf([c], (await hydratedFixture('prod')).objects).clusterResources).toEqual(
      expect.arrayContaining(['apiextensions.k8s.io/CustomResourceDefinition', 'admissionregistration.k8s.io/ValidatingWebhookConfiguration']),
    );
  });

  it('rejects a recursive nameserver without a port', () => {
    expect(() => certManagerComponent({ namespace: NS.certManager, highAvailability: true, dns01RecursiveNameservers: ['1.1.1.1'] })).toThrow(
      /dns01RecursiveNameservers entry "1.1.1.1" is not host:port/,
    );
  });
});
