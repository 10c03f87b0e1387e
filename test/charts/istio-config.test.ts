import { INJECTED_LABEL, istioConfigComponent, IstioConfigProps } from '../../charts/istio-config';
import { IMAGES } from '../../config/versions';
import { ManifestSource } from '../../lib/component';
import { K8sObject, synthObjects } from '../../lib/render';
import { WorkloadKind } from '../../lib/resources';
import { workloadsFromObjects } from '../../lib/workloads';

const props: IstioConfigProps = {
  meshNamespace: 'istio-system',
  appsNamespace: 'apps',
  mtlsMode: 'STRICT',
  services: [
    { name: 'front', port: 8080, public: true, calls: ['back'] },
    { name: 'back', port: 9000, public: false, calls: [] },
    { name: 'lonely', port: 8080, public: false, calls: [] },
  ],
  ingressPrincipal: 'cluster.local/ns/emissary/sa/emissary-ingress',
  tracingProvider: 'otel',
  accessLogs: false,
  injectedNamespaces: ['apps', 'emissary'],
  kubectlImage: IMAGES.kubectl,
};

const render = (p: IstioConfigProps): K8sObject[] => synthObjects(istioConfigComponent(p).source as ManifestSource);
const find = (objs: K8sObject[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name) as any;

describe('istio-config', () => {
  const objs = render(props);

  it('denies everything in the services namespace unless a policy allows it', () => {
    const deny = find(objs, 'AuthorizationPolicy', 'default-deny');
    expect(deny.metadata.namespace).toBe('apps');
    expect(deny.spec).toEqual({});
  });

  it('allows the ingress to public services and callers only to what they call, on the service port', () => {
    const front = find(objs, 'AuthorizationPolicy', 'allow-front');
    expect(front.spec.rules).toEqual([{ from: [{ source: { principals: ['cluster.local/ns/emissary/sa/emissary-ingress'] } }], to: [{ operation: { ports: ['8080'] } }] }]);
    const back = find(objs, 'AuthorizationPolicy', 'allow-back');
    expect(back.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'back' });
    expect(back.spec.rules).toEqual([{ from: [{ source: { principals: ['cluster.local/ns/apps/sa/front'] } }], to: [{ operation: { ports: ['9000'] } }] }]);
    // Nobody calls it and it is not public: no allow policy at all.
    expect(find(objs, 'AuthorizationPolicy', 'allow-lonely')).toBeUndefined();
  });

  it('sets the mesh-wide mTLS mode in the root namespace and traces through the named provider', () => {
    expect(find(objs, 'PeerAuthentication', 'default')).toMatchObject({ metadata: { namespace: 'istio-system' }, spec: { mtls: { mode: 'STRICT' } } });
    const tel = find(objs, 'Telemetry', 'mesh-default');
    expect(tel.spec.tracing[0].providers).toEqual([{ name: 'otel' }]);
    expect(tel.spec.accessLogging[0].disabled).toBe(true);
  });

  it('puts a DestinationRule with connection pool and outlier detection on every service', () => {
    for (const s of props.services) {
      const dr = find(objs, 'DestinationRule', s.name);
      expect(dr.spec.host).toBe(`${s.name}.apps.svc.cluster.local`);
      expect(dr.spec.trafficPolicy.connectionPool.http.http1MaxPendingRequests).toBeGreaterThan(0);
      expect(dr.spec.trafficPolicy.outlierDetection).toMatchObject({ consecutive5xxErrors: 5, interval: '10s' });
    }
  });

  it('recreates un-injected pods with a PostSync hook: pinned kubectl, restricted, minimal RBAC per injected namespace', () => {
    const job = find(objs, 'Job', 'sidecar-restart');
    expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('PostSync');
    const pod = job.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers.map((c: any) => c.name)).toEqual(['restart-apps', 'restart-emissary']);
    for (const c of pod.containers) {
      expect(c.image).toBe(IMAGES.kubectl);
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(c.resources.requests.cpu).toBeDefined();
      expect(c.resources.limits.memory).toBeDefined();
      expect(c.args).toContain(`--selector=${INJECTED_LABEL}!=istio,sidecar.istio.io/inject!=false`);
    }
    for (const ns of ['apps', 'emissary']) {
      const role = objs.find((o) => o.kind === 'Role' && o.metadata.namespace === ns) as any;
      expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['list', 'delete'] }]);
    }
    expect(objs.some((o) => o.kind === 'ClusterRole')).toBe(false);
  });

  it('waits for istiod and the CNI agent, and its only pod is the hook, a transient Job, with objects in the injected namespaces', () => {
    const c = istioConfigComponent(props);
    expect(c.dependsOn).toEqual(['istiod', 'istio-cni']);
    expect(workloadsFromObjects(objs, { defaultNamespace: props.meshNamespace }).map((w) => [w.kind, w.namespace])).toEqual([[WorkloadKind.Job, 'istio-system']]);
    expect([...new Set(objs.flatMap((o) => (o.metadata.namespace ? [o.metadata.namespace] : [])))].sort()).toEqual(['apps', 'emissary', 'istio-system']);
  });

  it('rejects a call to a service that does not exist, naming it', () => {
    const bad = { ...props, services: [{ name: 'front', port: 8080, public: true, calls: ['ghost'] }] };
    expect(() => istioConfigComponent(bad)).toThrow(/"front" calls "ghost", which is not a service/);
  });
});
