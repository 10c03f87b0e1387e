/**
 * Where a platform component cannot meet a Gatekeeper rule: each exception named, with its reason,
 * and no wider than the component's own objects (a label) unless a whole namespace needs it.
 * charts/gatekeeper-constraints turns these into `excludedNamespaces`, per-namespace constraints
 * with a label selector, and the `-audit` (dryrun) constraints that keep reporting them.
 *
 * The list is exact: test/workflows/gatekeeper-exceptions.test.ts evaluates every rendered object
 * against the constraints and fails on a violation no exception names, and on an exception that
 * no rendered object needs (except those marked `createdAtRuntimeBy`: pods an operator creates,
 * which are not in dist). An exception with `fix` is one the component does not need: the chart
 * value that removes it is named, for the chart's owner.
 */
import { LabelMatch, Policy, PolicyException, RbacAllowance } from '../charts/gatekeeper-constraints';
import type { PlatformComponentId } from '../config/ids';
import { NS } from './namespaces';

/** The same reason for several rules of one component's objects (a typed id: renaming a component is a compile error here). */
function except(component: PlatformComponentId, namespace: string, selector: LabelMatch | undefined, rules: readonly [Policy, string][], extra: Partial<Pick<PolicyException, 'createdAtRuntimeBy' | 'fix'>> = {}): PolicyException[] {
  return rules.map(([policy, reason]) => ({ policy, component, namespace, ...(selector ? { selector } : {}), reason, ...extra }));
}

const byName = (...values: string[]): LabelMatch => ({ key: 'app.kubernetes.io/name', values });

const API = 'calls the Kubernetes API (a controller, operator, webhook or a hook that writes objects)';

/**
 * Upstream images: every platform namespace pulls the vendors' images, pinned by tag (or digest) in
 * the vendored charts and reviewed with each bump; `policy.allowedRegistries` is the services'
 * registry. Whole namespaces, since every chart there pulls from its vendor.
 */
function upstreamRegistries(namespaces: readonly string[]): PolicyException[] {
  return namespaces.map((namespace) => ({
    policy: Policy.ALLOWED_REPOS,
    component: 'platform',
    namespace,
    reason: "platform charts pull their vendors' images (pinned in the vendored charts, reviewed on each bump); policy.allowedRegistries is for the services",
    ...(namespace === NS.tektonPipelines ? { createdAtRuntimeBy: 'tekton-operator' } : {}),
  }));
}

/** Readiness gates (charts/readiness-gates) whose check runs kubectl. */
const KUBECTL_READINESS_GATES: readonly PlatformComponentId[] = ['foundation-readiness', 'ingress-readiness'];

/** Exceptions of the namespaced rules, by component (see the file comment), given the platform namespaces and the components. */
export function policyExceptions(
  platformNamespaces: readonly string[],
  components: readonly { readonly id: string; readonly namespace: string }[],
  /** Argo CD runs Redis HA (a StatefulSet behind HAProxy) where the environment is highly available, one Redis otherwise. */
  highAvailability: boolean,
): PolicyException[] {
  return [
    ...upstreamRegistries(platformNamespaces),

    // Cilium: the CNI. The agent and its Envoy run on the host network with host paths (BPF
    // filesystem, CNI configuration, the cgroup root); the agent is privileged.
    ...except('cilium', NS.kubeSystem, { key: 'k8s-app', values: ['cilium'] }, [
      [Policy.PRIVILEGED, 'the CNI agent loads BPF programs and configures the node network'],
      [Policy.HOST_NETWORK, 'the CNI agent serves the node datapath on the host network'],
      [Policy.HOST_PATH, 'the CNI agent mounts the BPF filesystem, the CNI configuration and the cgroup root'],
      [Policy.REQUIRED_RESOURCES, 'the CNI agent runs without limits on purpose: throttling or OOM-killing it cuts every pod on the node off the network'],
      [Policy.AUTOMOUNT_TOKEN, `the CNI agent ${API}`],
    ]),
    ...except('cilium', NS.kubeSystem, { key: 'k8s-app', values: ['cilium-envoy'] }, [
      [Policy.HOST_NETWORK, "Cilium's node-local Envoy proxies the node's L7 traffic on the host network"],
      [Policy.HOST_PATH, "Cilium's Envoy shares the agent's sockets through a host path"],
      [Policy.REQUIRED_RESOURCES, "Cilium's Envoy is part of the datapath and runs without limits like the agent"],
      [Policy.AUTOMOUNT_TOKEN, "Cilium's Envoy reads its configuration from the API"],
    ]),
    ...except('cilium', NS.kubeSystem, byName('cilium-operator'), [
      [Policy.HOST_NETWORK, 'the Cilium operator runs on the host network so it can start before the CNI is up'],
      [Policy.AUTOMOUNT_TOKEN, `the Cilium operator ${API}`],
    ]),
    ...except('cilium', NS.kubeSystem, { key: 'k8s-app', values: ['hubble-generate-certs'] }, [
      [Policy.REQUIRED_RESOURCES, "Hubble's certificate Job: the chart gives its container no resources and has no value for them"],
      [Policy.REQUIRED_LABELS, "Hubble's certificate Job: the chart labels its pods k8s-app only"],
      [Policy.AUTOMOUNT_TOKEN, "Hubble's certificate Job writes the TLS Secrets through the API"],
    ]),

    // Node agents that observe the host.
    ...except('kube-prometheus-stack', NS.observability, byName('prometheus-node-exporter'), [
      [Policy.HOST_NAMESPACES, 'node metrics: the exporter reads the host PID namespace'],
      [Policy.HOST_NETWORK, "node metrics: the exporter reports the host's network interfaces"],
      [Policy.HOST_PATH, 'node metrics: the exporter reads /proc, /sys and the root filesystem'],
    ]),
    ...except('opentelemetry-collector', NS.observability, byName('opentelemetry-collector'), [
      [Policy.HOST_PATH, 'the log agent reads /var/log/pods on the host'],
      [Policy.AUTOMOUNT_TOKEN, 'the log agent enriches records with pod metadata from the API (k8sattributes)'],
    ]),
    ...except('falco', NS.security, byName('falco'), [
      [Policy.HOST_PATH, 'the runtime sensor reads /proc, /etc, /boot and the container runtime socket on the host'],
      [Policy.AUTOMOUNT_TOKEN, 'the chart mounts the token for the Kubernetes metadata plugins'],
    ]),
    ...except('istio-cni', NS.istioSystem, byName('istio-cni'), [
      [Policy.HOST_PATH, 'the Istio CNI agent installs its plugin into the host CNI configuration and binary directories'],
      [Policy.AUTOMOUNT_TOKEN, 'the Istio CNI agent watches pods through the API to redirect their traffic'],
    ]),

    // Workloads the charts leave without the name label.
    ...(highAvailability ? except('argocd', NS.argocd, { key: 'app', values: ['redis-ha'] }, [[Policy.REQUIRED_LABELS, "Argo CD's Redis HA subchart labels its StatefulSet, pods and HAProxy Deployment with app only"]]) : []),
    ...except('redis-operator', NS.data, { key: 'name', values: ['redis-operator'] }, [[Policy.REQUIRED_LABELS, "the Redis operator chart labels the operator's pods name only"]]),
    ...except('strimzi', NS.data, { key: 'name', values: ['strimzi-cluster-operator'] }, [[Policy.REQUIRED_LABELS, "the Strimzi chart labels the operator's pods name and strimzi.io/kind only"]]),
    ...except('strimzi', NS.data, { key: 'app', values: ['strimzi'] }, [[Policy.REQUIRED_LABELS, "the Strimzi chart labels the operator's Deployment app only"]]),

    // The CI's run pods: Tekton labels a TaskRun's pod and a run's affinity assistant with its
    // tekton.dev and component labels, never the name label.
    ...except('tekton-config', NS.tektonPipelines, { key: 'tekton.dev/taskRun' }, [[Policy.REQUIRED_LABELS, "the pods of the CI's TaskRuns, which Tekton labels tekton.dev/* only"]], {
      createdAtRuntimeBy: 'tekton-operator',
    }),
    ...except('tekton-config', NS.tektonPipelines, { key: 'app.kubernetes.io/component', values: ['affinity-assistant'] }, [
      [Policy.REQUIRED_LABELS, "the affinity assistants that keep a CI run's pods beside its workspace volume (coschedule: workspaces): Tekton gives them no name label"],
    ], { createdAtRuntimeBy: 'tekton-operator' }),

    // The one load balancer: the ingress.
    ...except('emissary-ingress', NS.emissary, { key: 'app.kubernetes.io/component', values: ['ambassador-service'] }, [
      [Policy.BLOCK_LOADBALANCER, "the ingress: emissary's Service is the platform's one public load balancer (its source ranges are the CDN's where DNS is proxied)"],
    ]),

    // Pods that call the API.
    // The readiness gates whose check reads the API (kubectl); the HTTP-only ones mount no token.
    ...components.flatMap((c) => {
      const gate = KUBECTL_READINESS_GATES.find((id) => id === c.id);
      return gate ? except(gate, c.namespace, { key: 'app.kubernetes.io/component', values: ['readiness-gate'] }, [[Policy.AUTOMOUNT_TOKEN, 'the readiness gate checks its workflow through the API with kubectl']]) : [];
    }),
    ...except('cluster-autoscaler', NS.kubeSystem, byName('aws-cluster-autoscaler'), [[Policy.AUTOMOUNT_TOKEN, `the cluster autoscaler ${API}`]]),
    ...except('metrics-server', NS.kubeSystem, byName('metrics-server'), [[Policy.AUTOMOUNT_TOKEN, 'metrics-server serves the metrics API and reads nodes through the API']]),
    ...except('cert-manager', NS.certManager, { key: 'app.kubernetes.io/instance', values: ['cert-manager'] }, [[Policy.AUTOMOUNT_TOKEN, `cert-manager's controller, CA injector, webhook and startup check each ${API}`]]),
    ...except('external-dns', NS.externalDns, byName('external-dns'), [[Policy.AUTOMOUNT_TOKEN, 'external-dns reads Services and Hosts through the API']]),
    ...except('emissary-ingress', NS.emissary, byName('emissary-ingress'), [[Policy.AUTOMOUNT_TOKEN, 'emissary reads its Mappings, Hosts and Services through the API']]),
    ...except('istiod', NS.istioSystem, byName('istiod'), [[Policy.AUTOMOUNT_TOKEN, `istiod ${API}`]]),
    ...except('istio-config', NS.istioSystem, byName('sidecar-restart'), [[Policy.AUTOMOUNT_TOKEN, 'the sidecar-restart Job restarts meshed workloads through the API']]),
    ...except('argocd', NS.argocd, byName('argocd-application-controller', 'argocd-applicationset-controller', 'argocd-notifications-controller', 'argocd-server', 'argocd-repo-server', 'argocd-redis-secret-init'), [
      [Policy.AUTOMOUNT_TOKEN, `Argo CD's controllers, server and Redis secret Job each ${API}; the repo-server reads its GPG and TLS ConfigMaps through it`],
    ]),
    ...except('k6-operator', NS.loadTests, byName('k6-operator'), [[Policy.AUTOMOUNT_TOKEN, `the k6 operator ${API}`]]),
    ...except('argo-rollouts', NS.argocd, byName('argo-rollouts'), [[Policy.AUTOMOUNT_TOKEN, `the Rollouts controller ${API}`]]),
    ...except('tekton-operator', NS.tektonOperator, byName('tekton-operator'), [[Policy.AUTOMOUNT_TOKEN, `the Tekton operator and its webhook ${API}`]]),
    ...except('tekton-config', NS.tektonPipelines, { key: 'app.kubernetes.io/part-of', values: ['tekton-pipelines', 'tekton-triggers', 'tekton-chains'] }, [[Policy.AUTOMOUNT_TOKEN, `Tekton's controllers and webhooks ${API}; the Chains controller watches TaskRuns and reads its signing Secret`]], {
      createdAtRuntimeBy: 'tekton-operator',
    }),
    ...except('grafana', NS.observability, byName('grafana'), [[Policy.AUTOMOUNT_TOKEN, "Grafana's sidecar reads the dashboard and datasource ConfigMaps through the API"]]),
    ...except('kube-prometheus-stack', NS.observability, byName('kube-state-metrics', 'kube-prometheus-stack-prometheus-operator'), [
      [Policy.AUTOMOUNT_TOKEN, `kube-state-metrics lists every object it reports on; the Prometheus operator and its admission Jobs each ${API}`],
    ]),
    ...except('kube-prometheus-stack', NS.observability, { key: 'operator.prometheus.io/name' }, [[Policy.AUTOMOUNT_TOKEN, 'Prometheus discovers its scrape targets through the API (pods the Prometheus operator creates)']], {
      createdAtRuntimeBy: 'kube-prometheus-stack',
    }),
    ...except('openbao', NS.security, byName('openbao'), [[Policy.AUTOMOUNT_TOKEN, 'OpenBao reviews ServiceAccount tokens for its Kubernetes auth and labels its pods for service registration through the API']]),
    ...except('external-secrets', NS.security, { key: 'app.kubernetes.io/instance', values: ['external-secrets'] }, [[Policy.AUTOMOUNT_TOKEN, `External Secrets' controller, webhook and certificate controller each ${API}`]]),
    ...except('gatekeeper', NS.security, byName('gatekeeper'), [[Policy.AUTOMOUNT_TOKEN, `Gatekeeper's webhook, audit and hook Jobs each ${API}`]]),
    ...except('cloudnative-pg', NS.data, byName('cloudnative-pg'), [[Policy.AUTOMOUNT_TOKEN, `the CloudNativePG operator ${API}`]]),
    ...except('cloudnative-pg', NS.data, { key: 'cnpg.io/cluster' }, [[Policy.AUTOMOUNT_TOKEN, "each PostgreSQL instance's manager reads its Cluster and Secrets through the API (pods CloudNativePG creates)"]], {
      createdAtRuntimeBy: 'cloudnative-pg',
    }),
    ...except('kafka', NS.data, { key: 'strimzi.io/cluster' }, [[Policy.AUTOMOUNT_TOKEN, "Strimzi's entity operator manages topics and users through the API; Strimzi mounts the token in every pod of the cluster (pods Strimzi creates)"]], {
      createdAtRuntimeBy: 'strimzi',
    }),
    ...except('redis', NS.data, { key: 'redis_setup_type' }, [[Policy.AUTOMOUNT_TOKEN, "the Redis operator runs Redis and Sentinel under the namespace's default ServiceAccount, whose token is mounted; Redis never calls the API"]], {
      createdAtRuntimeBy: 'redis-operator',
      fix: "charts/redis: a ServiceAccount with automountServiceAccountToken: false, named in the Redis resources' serviceAccountName",
    }),
    ...except('barman-cloud', NS.data, byName('plugin-barman-cloud'), [[Policy.AUTOMOUNT_TOKEN, `the Barman Cloud plugin ${API}`]]),
    ...except('redis-operator', NS.data, { key: 'name', values: ['redis-operator'] }, [[Policy.AUTOMOUNT_TOKEN, `the Redis operator ${API}`]]),

    // Pods that mount a token they never use: the chart value that drops it is named.
    ...(highAvailability
      ? except('argocd', NS.argocd, { key: 'app', values: ['redis-ha-haproxy'] }, [[Policy.AUTOMOUNT_TOKEN, "Argo CD's Redis HAProxy never calls the API; the subchart mounts the token by default"]], {
          fix: 'argo-cd `redis-ha.haproxy.serviceAccount.automountToken: false`',
        })
      : except('argocd', NS.argocd, byName('argocd-redis'), [[Policy.AUTOMOUNT_TOKEN, "Argo CD's Redis never calls the API; the chart mounts the token by default"]], {
          fix: 'argo-cd `redis.serviceAccount.automountServiceAccountToken: false`',
        })),
    ...except('loki', NS.observability, byName('loki'), [[Policy.AUTOMOUNT_TOKEN, 'Loki never calls the API; the chart mounts the token by default']], { fix: 'loki `serviceAccount.automountServiceAccountToken: false`' }),
    ...except('tempo', NS.observability, byName('tempo'), [[Policy.AUTOMOUNT_TOKEN, 'Tempo never calls the API; the chart mounts the token by default']], { fix: 'tempo `serviceAccount.automountServiceAccountToken: false`' }),
    ...except('mimir', NS.observability, byName('mimir'), [[Policy.AUTOMOUNT_TOKEN, 'Mimir never calls the API; its pod spec leaves the token mounted']], { fix: 'charts/mimir: `automountServiceAccountToken: false` on the pod spec' }),
    ...except('falco', NS.security, byName('falcosidekick'), [[Policy.AUTOMOUNT_TOKEN, 'Falcosidekick only forwards events over HTTP; the subchart mounts the token by default']], {
      fix: 'falco `falcosidekick.serviceAccount.automountServiceAccountToken: false` if the subchart offers it, else a postRender',
    }),
  ];
}

/**
 * The restricted-rbac rule's allow-lists: every Role and ClusterRole with a wildcard rule, and
 * every binding to cluster-admin, that the platform needs.
 */
export const RBAC_ALLOWANCES: readonly RbacAllowance[] = [
  { kind: 'ClusterRole', name: 'argocd-application-controller', component: 'argocd', reason: 'Argo CD applies every kind of every project: its controller holds all verbs on all resources' },
  { kind: 'ClusterRole', name: 'argocd-server', component: 'argocd', reason: "Argo CD's UI and API delete, get and patch any resource an Application manages (resource actions)" },
  { kind: 'Role', name: 'emissary-ingress', namespace: NS.emissary, component: 'emissary-ingress', reason: "emissary owns the getambassador.io groups: every resource of its own API groups, no others, in its own namespace" },
  { kind: 'ClusterRole', name: 'gatekeeper-manager-role', component: 'gatekeeper', reason: 'Gatekeeper audits every kind (read-only on all resources) and manages its own API groups' },
  { kind: 'ClusterRole', name: 'istiod-clusterrole-istio-system', component: 'istiod', reason: "istiod reads every resource of Istio's and the Gateway API's groups and updates ingress status" },
  { kind: 'ClusterRole', name: 'istio-reader-clusterrole-istio-system', component: 'istiod', reason: "read-only on every resource of Istio's groups, for multi-cluster readers" },
  { kind: 'ClusterRole', name: 'kube-prometheus-stack-operator', component: 'kube-prometheus-stack', reason: 'the Prometheus operator owns the StatefulSets, Secrets and ConfigMaps it generates: all verbs on those resources only' },
  { kind: 'ClusterRole', name: 'tekton-operator', component: 'tekton-operator', reason: "the Tekton operator installs and owns the resources of Tekton's own API groups" },
  // Created by Kubernetes and EKS, not in dist; audit would report them, and the webhook judges their reconciliation.
  { kind: 'ClusterRole', name: 'cluster-admin', component: 'cluster', reason: 'the built-in superuser role itself' },
  { kind: 'ClusterRole', name: 'system:*', component: 'cluster', reason: "the API server's bootstrap roles (system:controller:*), reconciled by the API server on every start" },
  { kind: 'ClusterRole', name: 'eks:*', component: 'cluster', reason: "EKS's own roles for its control-plane components and add-ons" },
  { kind: 'ClusterRoleBinding', name: 'cluster-admin', component: 'cluster', reason: 'the built-in binding of cluster-admin to system:masters' },
];
