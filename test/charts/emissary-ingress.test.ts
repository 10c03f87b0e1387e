import { emissaryIngressComponent, PORTS } from '../../charts/emissary-ingress';
import { CHARTS } from '../../config/versions';
import { HelmSource } from '../../lib/component';
import { PRIORITY } from '../../lib/priority';
import { componentWorkloads } from '../../lib/workloads';
import { NS } from '../../workflows/namespaces';
import { component, helmValues, hydratedFixture, fixtureEnvironment } from '../support';

describe('emissary-ingress', () => {
  const prodModel = fixtureEnvironment('prod');
  const prod = helmValues(prodModel, 'emissary-ingress');
  const dev = helmValues(fixtureEnvironment('dev'), 'emissary-ingress');

  it('watches only its own namespace, so the chart grants its Secret reads by a Role there and no ClusterRole', async () => {
    expect(prod.scope).toEqual({ singleNamespace: true });
    const objs = (await hydratedFixture('prod')).objects.get('emissary-ingress')! as any[];
    const secretRule = (o: any) => (o.rules ?? []).some((r: any) => r.apiGroups.includes('') && r.resources.includes('secrets'));
    expect(objs.filter((o) => o.kind === 'Role' && secretRule(o)).map((o) => o.metadata.namespace)).toEqual([NS.emissary]);
    expect(objs.filter((o) => o.kind === 'ClusterRole' && secretRule(o))).toEqual([]);
  });

  it('installs the pinned OCI chart into the emissary namespace', () => {
    const c = component(prodModel, 'emissary-ingress');
    expect(c.namespace).toBe(NS.emissary);
    expect((c.source as HelmSource).chart).toEqual(CHARTS.emissaryIngress);
  });

  it("runs two replicas across zones behind a PodDisruptionBudget in prod with the seed's 200m/256Mi and 500m/512Mi", () => {
    expect(prod.replicaCount).toBe(2);
    expect(prod.podDisruptionBudget).toEqual({ maxUnavailable: 1 });
    expect(prod.topologySpreadConstraints[0].topologyKey).toBe('topology.kubernetes.io/zone');
    expect(prod.resources).toEqual({ requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
    expect(helmValues(fixtureEnvironment('staging'), 'emissary-ingress').replicaCount).toBe(2);
  });

  it('runs one smaller replica without a PodDisruptionBudget in dev', () => {
    expect(dev.replicaCount).toBe(1);
    expect(dev.podDisruptionBudget).toEqual({});
    expect(dev.resources.requests).toEqual({ cpu: '100m', memory: '192Mi' });
  });

  it('puts every host behind one NLB Service that external-dns publishes as the wildcard, without a TTL', () => {
    const { domain } = prodModel.env;
    expect(prod.service.type).toBe('LoadBalancer');
    expect(prod.service.annotations).toEqual({
      'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb',
      'external-dns.alpha.kubernetes.io/hostname': `*.${domain},${domain}`,
    });
    expect(Object.keys(prod.service.annotations).some((k) => k.endsWith('/ttl'))).toBe(false);
    expect(prod.service.ports.map((p: { targetPort: number }) => p.targetPort)).toEqual([PORTS.http, PORTS.https]);
  });

  it('creates no Listeners, Module or IngressClass of its own, and turns the ServiceMonitor on', () => {
    expect(prod.createDefaultListeners).toBe(false);
    expect(prod.module.enabled).toBe(false);
    expect(prod.ingressClassResource.enabled).toBe(false);
    expect(prod.metrics.serviceMonitor.enabled).toBe(true);
    expect(prod.priorityClassName).toBe(PRIORITY.platformCritical);
  });

  it('joins the Istio mesh for outbound traffic only: the listener and admin ports bypass the sidecar', () => {
    expect(prod.podLabels['sidecar.istio.io/inject']).toBe('true');
    expect(prod.podAnnotations['traffic.sidecar.istio.io/excludeInboundPorts']).toBe('8080,8443,8877');
    expect(prod.podAnnotations['proxy.istio.io/config']).toBe('{"holdApplicationUntilProxyStarts":true}');
  });

  it('counts the sidecar with the pod, sized by the same numbers its annotations give Istio', async () => {
    const [w] = componentWorkloads(await hydratedFixture('prod'), 'emissary-ingress');
    expect(w.replicas).toBe(prod.replicaCount);
    const [emissary, sidecar] = w.containers;
    expect(emissary.resources.toK8s()).toEqual(prod.resources);
    expect(sidecar.name).toBe('istio-proxy');
    const k = sidecar.resources.toK8s();
    expect([prod.podAnnotations['sidecar.istio.io/proxyCPU'], prod.podAnnotations['sidecar.istio.io/proxyMemory']]).toEqual([k.requests.cpu, k.requests.memory]);
    expect([prod.podAnnotations['sidecar.istio.io/proxyCPULimit'], prod.podAnnotations['sidecar.istio.io/proxyMemoryLimit']]).toEqual([k.limits.cpu, k.limits.memory]);
  });

  it('runs non-root with a read-only root filesystem and writable emptyDirs where Emissary writes', () => {
    expect(prod.security.podSecurityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 8888, seccompProfile: { type: 'RuntimeDefault' } });
    expect(prod.security.containerSecurityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(prod.volumeMounts.map((m: { mountPath: string }) => m.mountPath).sort()).toEqual(['/ambassador', '/tmp']);
  });

  it('tells the operator how to check its pods carry the sidecar, with a restart as the fallback', () => {
    const runbook = component(prodModel, 'emissary-ingress').runbook ?? [];
    expect(runbook.map((r) => r.body).join('\n')).toContain('kubectl -n emissary rollout restart deployment/emissary-ingress');
  });

  it('rejects high availability with a single replica', () => {
    expect(() => emissaryIngressComponent({ namespace: NS.emissary, highAvailability: true, replicas: 1, serviceAnnotations: {}, mesh: true })).toThrow(
      /highAvailability needs at least 2 replicas, got 1/,
    );
  });

  it('admits only the given source ranges on its load balancer, and refuses an empty list or a malformed range', () => {
    const base = { namespace: NS.emissary, highAvailability: false, serviceAnnotations: {}, mesh: false };
    const values = (c: ReturnType<typeof emissaryIngressComponent>) => (c.source as HelmSource).values as any;
    expect(values(emissaryIngressComponent({ ...base, sourceRanges: ['198.51.100.0/24'] })).service.loadBalancerSourceRanges).toEqual(['198.51.100.0/24']);
    expect(values(emissaryIngressComponent(base)).service.loadBalancerSourceRanges).toBeUndefined();
    expect(() => emissaryIngressComponent({ ...base, sourceRanges: [] })).toThrow('emissary-ingress: sourceRanges is empty, which Kubernetes reads as "any source"');
    expect(() => emissaryIngressComponent({ ...base, sourceRanges: ['198.51.100.0'] })).toThrow('emissary-ingress: sourceRanges has "198.51.100.0", not IPv4 CIDRs');
  });
});
