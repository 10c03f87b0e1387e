/**
 * Declared traffic in argocd, tekton-pipelines, emissary and load-tests (issue 10 point 5): the
 * flows the generic test (traffic.test.ts) cannot see because the pods are operator-created
 * (Tekton's controllers and TaskRun pods, k6's runners) or the flow leaves the cluster, checked with
 * the evaluator against the rendered policies, from the charts' exported labels and ports.
 */
import type { K8sObject } from '../../lib/render';
import { ARGOCD_PODS, ARGOCD_PORTS, gitPort } from '../../charts/argocd';
import { CONTROLLER_POD_LABELS as ROLLOUTS_POD_LABELS } from '../../charts/argo-rollouts';
import { POD_LABELS as EMISSARY_POD_LABELS, PORTS as EMISSARY_PORTS } from '../../charts/emissary-ingress';
import { K6_PODS, K6_RUNNER_API_PORT } from '../../charts/k6-operator';
import { ALERTMANAGER_POD_LABELS, PROMETHEUS_POD_LABELS } from '../../charts/kube-prometheus-stack';
import { TEKTON_PODS, TEKTON_PORTS } from '../../charts/tekton-config';
import { selectorLabels } from '../../lib/labels';
import { ENVIRONMENTS, hydratedFixture } from '../support';
import { allowed, Pod, serviceTargets, podsOf } from './traffic-evaluator';

const pod = (namespace: string, labels: Record<string, string>, what: string, ports: number[] = []): Pod => ({ namespace, labels: { ...labels }, ports: ports.map((containerPort) => ({ containerPort })), what });
const stranger = pod('stranger', { 'app.kubernetes.io/name': 'stranger' }, 'a pod in another namespace');
const prometheus = pod('observability', PROMETHEUS_POD_LABELS, 'prometheus');

describe.each(ENVIRONMENTS)('%s: declared traffic of the delivery namespaces', (env) => {
  let objects: K8sObject[];
  let policies: K8sObject[];
  let model: Awaited<ReturnType<typeof hydratedFixture>>;

  beforeAll(async () => {
    model = await hydratedFixture(env);
    objects = [...model.objects.values()].flat();
    policies = objects.filter((o) => o.kind === 'NetworkPolicy' || o.kind === 'CiliumNetworkPolicy');
  });

  describe('argocd', () => {
    const ns = 'argocd';
    const ha = () => objects.some((o) => o.kind === 'StatefulSet' && o.metadata.namespace === ns && o.metadata.name === 'argocd-redis-ha-server');
    const redis = () => (ha() ? ARGOCD_PODS.haproxy : ARGOCD_PODS.redis);

    it('renders no chart NetworkPolicy: the declared edges replace them', () => {
      expect(objects.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === ns).map((o) => o.metadata.name).filter((n) => !n.startsWith('allow-') && n !== 'default-deny' && !n.startsWith('argocd-allow-'))).toEqual([]);
    });

    it('lets the controllers and the server reach the repo-server, and its clients Redis', () => {
      for (const from of [ARGOCD_PODS.controller, ARGOCD_PODS.server, ARGOCD_PODS.applicationSet, ARGOCD_PODS.notifications]) {
        expect([from, allowed(policies, { pod: pod(ns, from, 'client') }, { pod: pod(ns, ARGOCD_PODS.repoServer, 'repo-server', [ARGOCD_PORTS.repoServer]) }, ARGOCD_PORTS.repoServer)]).toEqual([from, true]);
      }
      for (const from of [ARGOCD_PODS.controller, ARGOCD_PODS.server, ARGOCD_PODS.repoServer]) {
        expect([from, allowed(policies, { pod: pod(ns, from, 'client') }, { pod: pod(ns, redis(), 'redis') }, ARGOCD_PORTS.redis)]).toEqual([from, true]);
      }
      // Nobody else in the namespace talks to Redis, and nobody outside reaches the repo-server.
      expect(allowed(policies, { pod: pod(ns, ARGOCD_PODS.notifications, 'notifications') }, { pod: pod(ns, redis(), 'redis') }, ARGOCD_PORTS.redis)).toBe(false);
      expect(allowed(policies, { pod: stranger }, { pod: pod(ns, ARGOCD_PODS.repoServer, 'repo-server') }, ARGOCD_PORTS.repoServer)).toBe(false);
      expect(allowed(policies, { pod: stranger }, { pod: pod(ns, ARGOCD_PODS.server, 'server') }, 8080)).toBe(false);
    });

    it('lets redis-ha replicate and its Sentinels vote, where it runs', () => {
      if (!ha()) return;
      for (const port of [ARGOCD_PORTS.redis, ARGOCD_PORTS.sentinel]) {
        expect(allowed(policies, { pod: pod(ns, ARGOCD_PODS.redisHa, 'redis-ha') }, { pod: pod(ns, ARGOCD_PODS.redisHa, 'redis-ha') }, port)).toBe(true);
        expect(allowed(policies, { pod: pod(ns, ARGOCD_PODS.haproxy, 'haproxy') }, { pod: pod(ns, ARGOCD_PODS.redisHa, 'redis-ha') }, port)).toBe(true);
      }
    });

    it('lets only the repo-server reach the git host and only the server the OIDC provider; the application controller reaches only the API server', () => {
      const gitops = model.env.gitops.repoURL;
      const git = gitPort(gitops);
      expect(allowed(policies, { pod: pod(ns, ARGOCD_PODS.repoServer, 'repo-server') }, { entity: 'world' }, git)).toBe(true);
      expect(allowed(policies, { pod: pod(ns, ARGOCD_PODS.controller, 'controller') }, { entity: 'world' }, git)).toBe(false);
      expect(allowed(policies, { pod: pod(ns, ARGOCD_PODS.controller, 'controller') }, { entity: 'world' }, 443)).toBe(false);
      expect(allowed(policies, { pod: pod(ns, ARGOCD_PODS.controller, 'controller') }, { entity: 'kube-apiserver' }, 443)).toBe(true);
      const sso = model.env.argocd.sso;
      expect(allowed(policies, { pod: pod(ns, ARGOCD_PODS.server, 'server') }, { entity: 'world' }, 443)).toBe(sso !== undefined);
    });

    it('lets the notifications controller reach Alertmanager and the Rollouts controller Prometheus', () => {
      expect(allowed(policies, { pod: pod(ns, ARGOCD_PODS.notifications, 'notifications') }, { pod: pod('observability', ALERTMANAGER_POD_LABELS, 'alertmanager') }, 9093)).toBe(true);
      expect(allowed(policies, { pod: pod(ns, ROLLOUTS_POD_LABELS, 'argo-rollouts') }, { pod: prometheus }, 9090)).toBe(true);
      expect(allowed(policies, { pod: pod(ns, ARGOCD_PODS.server, 'server') }, { pod: prometheus }, 9090)).toBe(false);
    });
  });

  describe('tekton-pipelines (operator-created pods)', () => {
    const ns = 'tekton-pipelines';
    const taskRun = pod(ns, { ...TEKTON_PODS.taskRuns, 'tekton.dev/task': 'image-build' }, 'a TaskRun pod');
    const controller = pod(ns, { ...TEKTON_PODS.controller, ...TEKTON_PODS.pipelines }, 'pipelines controller', [TEKTON_PORTS.metrics]);
    const webhook = pod(ns, { ...TEKTON_PODS.webhook, ...TEKTON_PODS.pipelines }, 'pipelines webhook', [TEKTON_PORTS.webhook, TEKTON_PORTS.metrics]);
    const chains = pod(ns, TEKTON_PODS.chains, 'chains controller');

    it('lets the API server call the admission webhook and Prometheus scrape the Pipelines Deployments', () => {
      expect(allowed(policies, { entity: 'kube-apiserver' }, { pod: webhook }, TEKTON_PORTS.webhook)).toBe(true);
      for (const p of [controller, webhook]) expect([p.what, allowed(policies, { pod: prometheus }, { pod: p }, TEKTON_PORTS.metrics)]).toEqual([p.what, true]);
      expect(allowed(policies, { pod: stranger }, { pod: webhook }, TEKTON_PORTS.webhook)).toBe(false);
    });

    it('lets TaskRun pods, Chains and the controller reach git hosts and registries on 443, and nothing in the cluster', () => {
      for (const p of [taskRun, chains, controller]) {
        expect([p.what, allowed(policies, { pod: p }, { entity: 'world' }, 443)]).toEqual([p.what, true]);
        expect([p.what, allowed(policies, { pod: p }, { entity: 'world' }, 80)]).toEqual([p.what, false]);
      }
      expect(allowed(policies, { pod: webhook }, { entity: 'world' }, 443)).toBe(false);
      // CI steps never reach OpenBao or another namespace's pods.
      expect(allowed(policies, { pod: taskRun }, { pod: pod('security', { 'app.kubernetes.io/name': 'openbao' }, 'openbao', [8200]) }, 8200)).toBe(false);
      expect(allowed(policies, { pod: stranger }, { pod: taskRun }, 8080)).toBe(false);
    });
  });

  describe('emissary', () => {
    const ns = 'emissary';
    const emissary = pod(ns, EMISSARY_POD_LABELS, 'emissary', [EMISSARY_PORTS.http, EMISSARY_PORTS.https, EMISSARY_PORTS.admin]);

    it('admits the load balancer on the listener ports only', () => {
      for (const port of [EMISSARY_PORTS.http, EMISSARY_PORTS.https]) {
        for (const entity of ['world', 'remote-node', 'host'] as const) expect([entity, port, allowed(policies, { entity }, { pod: emissary }, port)]).toEqual([entity, port, true]);
      }
      expect(allowed(policies, { entity: 'world' }, { pod: emissary }, EMISSARY_PORTS.admin)).toBe(false);
      expect(allowed(policies, { pod: stranger }, { pod: emissary }, EMISSARY_PORTS.admin)).toBe(false);
    });

    it("reaches every rendered Mapping's service on its port, and no other service", () => {
      const mappings = objects.filter((o) => o.kind === 'Mapping' && o.metadata.namespace === ns);
      expect(mappings.length).toBeGreaterThan(0);
      for (const m of mappings) {
        const [host, port] = String((m.spec as any).service).split(':');
        const [name, namespace] = host.split('.');
        // The service's rendered pods: a Rollout's template (podsOf reads the built-in workload kinds).
        const rollouts = objects
          .filter((o) => o.kind === 'Rollout' && o.metadata.namespace === namespace)
          .map((o) => ({ kind: 'Deployment', apiVersion: 'apps/v1', metadata: o.metadata, spec: { template: (o.spec as any).template } }) as K8sObject);
        const targets = serviceTargets(objects, podsOf([...objects, ...rollouts]), name, namespace, Number(port));
        expect([m.metadata.name, targets.length > 0]).toEqual([m.metadata.name, true]);
        for (const t of targets) {
          expect([m.metadata.name, t.pod.what, allowed(policies, { pod: emissary }, { pod: t.pod }, t.port)]).toEqual([m.metadata.name, t.pod.what, true]);
          expect(allowed(policies, { pod: emissary }, { pod: t.pod }, 9999)).toBe(false);
        }
      }
      expect(allowed(policies, { pod: emissary }, { pod: pod('apps', selectorLabels({ name: 'not-public', instance: 'not-public' }), 'not-public', [8080]) }, 8080)).toBe(false);
      expect(allowed(policies, { pod: emissary }, { entity: 'world' }, 443)).toBe(false);
    });

    it('lets the sidecar reach istiod', () => {
      expect(allowed(policies, { pod: emissary }, { pod: pod('istio-system', { app: 'istiod', istio: 'pilot' }, 'istiod', [15012]) }, 15012)).toBe(true);
    });
  });

  describe('load-tests', () => {
    const ns = 'load-tests';

    it('exists only in staging; there the runners reach the public hostnames and the operator and starter the runners', () => {
      const rendered = objects.some((o) => o.kind === 'Namespace' && o.metadata.name === ns);
      expect(rendered).toBe(env === 'staging');
      if (!rendered) return;
      const runner = pod(ns, { ...K6_PODS.runners, k6_cr: 'load-x' }, 'runner', [K6_RUNNER_API_PORT]);
      const starter = pod(ns, { ...K6_PODS.testRun, k6_cr: 'load-x' }, 'starter');
      const operator = pod(ns, K6_PODS.operator, 'operator');
      expect(allowed(policies, { pod: runner }, { entity: 'world' }, 443)).toBe(true);
      expect(allowed(policies, { pod: starter }, { entity: 'world' }, 443)).toBe(false);
      expect(allowed(policies, { pod: operator }, { entity: 'world' }, 443)).toBe(false);
      expect(allowed(policies, { pod: operator }, { pod: runner }, K6_RUNNER_API_PORT)).toBe(true);
      expect(allowed(policies, { pod: starter }, { pod: runner }, K6_RUNNER_API_PORT)).toBe(true);
      expect(allowed(policies, { pod: stranger }, { pod: runner }, K6_RUNNER_API_PORT)).toBe(false);
    });
  });
});
