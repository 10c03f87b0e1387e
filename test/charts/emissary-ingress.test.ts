import { emissaryIngressComponent, emissaryIngressEndpoints, EmissaryIngressProps, EmissaryIngressValues, PORTS } from '../../charts/emissary-ingress';
import { CHARTS } from '../../config/versions';
import { HelmSource } from '../../lib/component';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { TierPolicy } from '../../lib/tier-policy';
import { objectsOfKind, renderComponent } from '../support';

jest.setTimeout(120_000);

const PROD = TierPolicy.of({ tier: 'prod', highAvailability: true, nodeGroupPerZone: true });
const STAGING = TierPolicy.of({ tier: 'staging', highAvailability: true, nodeGroupPerZone: false });
const DEV = TierPolicy.of({ tier: 'dev', highAvailability: false, nodeGroupPerZone: false });
const GATEWAY = Resources.of({ cpu: '150m', memory: '200Mi' }, { cpu: '500m', memory: '512Mi' });
const SIDECAR = Resources.of({ cpu: '30m', memory: '50Mi' }, { cpu: '300m', memory: '200Mi' });
const props: EmissaryIngressProps = {
  namespace: 'gateway',
  tierPolicy: PROD,
  serviceAnnotations: { 'external-dns.alpha.kubernetes.io/hostname': '*.example.com,example.com' },
  mesh: true,
  resources: GATEWAY,
  sidecarResources: SIDECAR,
};
const values = (p: EmissaryIngressProps): EmissaryIngressValues => (emissaryIngressComponent(p).source as HelmSource).values as EmissaryIngressValues;

describe('emissary-ingress', () => {
  const prod = values(props);
  const dev = values({ ...props, tierPolicy: DEV });

  it('installs the pinned OCI chart into the namespace it is given, after external-dns and its CRDs', () => {
    const c = emissaryIngressComponent(props);
    expect(c.namespace).toBe('gateway');
    expect((c.source as HelmSource).chart).toEqual(CHARTS.emissaryIngress);
    expect(c.dependsOn).toEqual(['external-dns', 'emissary-crds']);
  });

  it('watches only its own namespace, so the chart grants its Secret reads by a Role there and no ClusterRole', async () => {
    expect(prod.scope).toEqual({ singleNamespace: true });
    const objects = await renderComponent(emissaryIngressComponent(props));
    const secretRule = (o: any) => (o.rules ?? []).some((r: any) => r.apiGroups.includes('') && r.resources.includes('secrets'));
    expect(objectsOfKind(objects, 'Role').filter(secretRule).map((o) => o.metadata.namespace)).toEqual(['gateway']);
    expect(objectsOfKind(objects, 'ClusterRole').filter(secretRule)).toEqual([]);
  });

  it('runs two replicas behind a PodDisruptionBudget where the tier is highly available, with the resources it is given', () => {
    expect(prod.replicaCount).toBe(2);
    expect(prod.podDisruptionBudget).toEqual({ maxUnavailable: 1 });
    expect(prod.resources).toEqual(GATEWAY.toK8s());
    expect(values({ ...props, tierPolicy: STAGING }).replicaCount).toBe(2);
  });

  it('prefers to spread its replicas over zones in every highly available tier, as a stateless controller never left Pending', () => {
    const selector = { 'app.kubernetes.io/instance': 'emissary-ingress', 'app.kubernetes.io/name': 'emissary-ingress' };
    for (const tier of [PROD, STAGING]) {
      expect(values({ ...props, tierPolicy: tier }).topologySpreadConstraints).toEqual([
        { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
      ]);
    }
  });

  it('runs one replica without a PodDisruptionBudget or zone spread where the tier is not highly available', () => {
    expect(dev.replicaCount).toBe(1);
    expect(dev.podDisruptionBudget).toEqual({});
    expect(dev.topologySpreadConstraints).toEqual([]);
  });

  it('puts every host behind one NLB Service with the annotations it is given, on the ports its endpoints name', () => {
    expect(prod.service.type).toBe('LoadBalancer');
    expect(prod.service.annotations).toEqual({
      'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb',
      'external-dns.alpha.kubernetes.io/hostname': '*.example.com,example.com',
    });
    expect(prod.service.ports.map((p) => p.targetPort)).toEqual([PORTS.http, PORTS.https]);
    const endpoints = emissaryIngressEndpoints('gateway');
    expect(prod.service.ports.map((p) => p.port)).toEqual([endpoints.http.port, endpoints.https.port]);
  });

  it('serves its endpoints from the load balancer Service it renders', async () => {
    const objects = await renderComponent(emissaryIngressComponent(props));
    const { https } = emissaryIngressEndpoints('gateway');
    const [service] = objectsOfKind(objects, 'Service', https.service);
    expect(service.metadata.namespace).toBe(https.namespace);
    expect(service.spec.type).toBe('LoadBalancer');
    expect(service.spec.ports.map((p: { port: number }) => p.port)).toContain(https.port);
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
    const outside = values({ ...props, mesh: false });
    expect(outside.podLabels['sidecar.istio.io/inject']).toBe('false');
    expect(outside.podAnnotations).toEqual({});
  });

  it('sizes the sidecar by its annotations from the sidecar resources it is given', () => {
    const k = SIDECAR.toK8s();
    expect([prod.podAnnotations['sidecar.istio.io/proxyCPU'], prod.podAnnotations['sidecar.istio.io/proxyMemory']]).toEqual([k.requests.cpu, k.requests.memory]);
    expect([prod.podAnnotations['sidecar.istio.io/proxyCPULimit'], prod.podAnnotations['sidecar.istio.io/proxyMemoryLimit']]).toEqual([k.limits.cpu, k.limits.memory]);
  });

  it('runs non-root with a read-only root filesystem and bounded writable emptyDirs where Emissary writes', async () => {
    expect(prod.security.podSecurityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 8888, seccompProfile: { type: 'RuntimeDefault' } });
    expect(prod.security.containerSecurityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(prod.volumeMounts.map((m) => m.mountPath).sort()).toEqual(['/ambassador', '/tmp']);
    const [deployment] = objectsOfKind(await renderComponent(emissaryIngressComponent(props)), 'Deployment');
    const volumes = deployment.spec.template.spec.volumes as { name: string; emptyDir?: { sizeLimit: string } }[];
    for (const v of prod.volumes) expect(volumes.find((x) => x.name === v.name)?.emptyDir).toEqual({ sizeLimit: v.emptyDir.sizeLimit });
    expect(prod.volumes.map((v) => v.emptyDir.sizeLimit)).toEqual(['256Mi', '64Mi']);
  });

  it('tells the operator how to check its pods carry the sidecar, with a restart as the fallback', () => {
    const runbook = emissaryIngressComponent(props).runbook ?? [];
    expect(runbook.map((r) => r.body).join('\n')).toContain('kubectl -n gateway rollout restart deployment/emissary-ingress');
    expect(emissaryIngressComponent({ ...props, mesh: false }).runbook).toEqual([]);
  });

  it('rejects a highly available tier with a single replica', () => {
    expect(() => emissaryIngressComponent({ ...props, replicas: 1 })).toThrow('emissary-ingress: the prod tier is highly available and needs at least 2 replicas, got 1');
    expect(() => emissaryIngressComponent({ ...props, replicas: 0 })).toThrow('emissary-ingress: replicas must be a whole number of at least 1, got 0');
  });

  it('admits only the given source ranges on its load balancer, and refuses an empty list or a malformed range', () => {
    expect(values({ ...props, sourceRanges: ['198.51.100.0/24'] }).service.loadBalancerSourceRanges).toEqual(['198.51.100.0/24']);
    expect(prod.service.loadBalancerSourceRanges).toBeUndefined();
    expect(() => emissaryIngressComponent({ ...props, sourceRanges: [] })).toThrow('emissary-ingress: sourceRanges is empty, which Kubernetes reads as "any source"');
    expect(() => emissaryIngressComponent({ ...props, sourceRanges: ['198.51.100.0'] })).toThrow('emissary-ingress: sourceRanges has "198.51.100.0", not IPv4 CIDRs');
  });
});
