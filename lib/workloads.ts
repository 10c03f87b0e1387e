/**
 * The workloads of a component, derived from its rendered objects: what the capacity plan
 * (lib/plan.ts) and platform-base's ResourceQuotas count. Once every chart is rendered at synth,
 * the objects are the one source for what a component runs; a hand-kept `workloads` list next to
 * a chart is a second copy that drifts (STYLE.md, "One source for each fact").
 *
 * Pure: objects in, `Workload`s out, no I/O. The objects are plain JSON as parsed from YAML. What
 * one component's objects alone do not say (the Application's destination namespace, which
 * namespaces Istio injects, the LimitRange defaults) comes in `WorkloadContext`, computed from the
 * whole environment's objects (`environmentContext`, `environmentWorkloads`). How many runs of a
 * Tekton Pipeline may run at once is the Pipeline's `<labelDomain>/concurrent-runs` annotation
 * (lib/labels.ts `LabelDomain.concurrentRuns`).
 *
 * Counting rules, kept consistent with lib/resources `podTotal` (the sum of a pod's containers):
 * - Deployment, StatefulSet, argoproj.io Rollout, ReplicaSet: `spec.replicas`, 1 when absent; an
 *   HPA targeting the object overrides it (minReplicas as `replicas`, maxReplicas as `maxReplicas`).
 *   The plan knows no Rollout or ReplicaSet kind: both run pods like a Deployment and count as one.
 * - DaemonSet: one pod per node (`replicas` 1; the plan multiplies by the node count).
 * - Job, CronJob and bare hook Pods: `WorkloadKind.Job`, which the plan sums as transient, not
 *   steady load, and platform-base's quota leaves room for. Helm and Argo CD hook Jobs are counted
 *   the same way: they run while the Application syncs, in the quota of their namespace. Helm test
 *   hooks (`helm.sh/hook: test…`) and `argocd.argoproj.io/hook: Skip` are never run by Argo CD
 *   and are left out. A suspended CronJob is left out.
 * - Containers: `spec.containers`, plus init containers with `restartPolicy: Always` (native
 *   sidecars, which run beside them). Ordinary init containers are not counted: Kubernetes
 *   reserves max(max(init), sum(containers)) per pod, and the plan's `podTotal` is the sum of the
 *   containers; an init container that asks for more than the containers together is reported,
 *   so the rare case where the sum understates the pod is visible rather than silently averaged.
 * - A container without requests or limits: the namespace's LimitRange defaults when the context
 *   has them (what admission gives it), otherwise 0; always reported as a warning, since every
 *   container we author sets both and only upstream charts omit them. A limit-less container
 *   counts its limit as its request (the plan needs a number; the warning says it is unbounded).
 * - Pods an operator creates from a rendered custom resource: Strimzi `KafkaNodePool` (and the
 *   entity operator, Cruise Control and Kafka Exporter of a `Kafka`), CloudNativePG `Cluster`
 *   (plus the Barman Cloud plugin's sidecar from its `ObjectStore`) and `Pooler`, OT redis-operator
 *   `Redis`, `RedisReplication`, `RedisSentinel`, `RedisCluster`, prometheus-operator `Prometheus`
 *   and `Alertmanager` (with the config-reloader sized by the operator's flags), the Tekton
 *   `TektonConfig`'s Deployments and the Task pods a Tekton `Pipeline` runs. They count as
 *   StatefulSets (stateful pods with stable names) or Deployments, named as the operator names them.
 * - Istio: a pod gets an `istio-proxy` container as istiod's injection webhook decides (see
 *   `injectsSidecar`), sized by the pod's `sidecar.istio.io/proxy*` annotations exactly as
 *   istiod's injection template reads them, else by the context's default (istiod's
 *   `global.proxy.resources`, see `istioProxyResources`).
 *
 * Not visible in objects, so not counted: Deployments an operator creates that no object sizes
 * (e.g. the Tekton operator's proxy webhook and pruner CronJob), CloudNativePG's initdb/join Jobs,
 * and the operators' own transient pods. Any other object that carries a pod template is reported.
 */
import type { LabelDomain } from './labels';
import type { K8sObject } from './render';
import { ContainerDeclaration, Cpu, Memory, Resources, Workload, WorkloadKind } from './resources';

/** Istio sidecar injection in the environment. */
export interface SidecarInjection {
  /** Namespaces labeled `istio-injection: enabled` (`injectedNamespaces`). */
  readonly injectedNamespaces: ReadonlySet<string>;
  /** A sidecar's requests and limits when its pod has no `sidecar.istio.io/proxy*` annotation: istiod's `global.proxy.resources` (`istioProxyResources`). */
  readonly resources: Resources;
}

/** What a LimitRange gives a container that sets no requests or limits, per resource. */
export interface ContainerDefaults {
  readonly requests: { readonly cpu?: Cpu; readonly memory?: Memory };
  readonly limits: { readonly cpu?: Cpu; readonly memory?: Memory };
}

export interface WorkloadContext {
  /** Namespace of namespaced objects without `metadata.namespace`: the Application's destination namespace. */
  readonly defaultNamespace: string;
  /** Istio injection; without it no pod gets a sidecar. */
  readonly sidecar?: SidecarInjection;
  /**
   * Namespace → LimitRange defaults (`containerDefaults`), for containers without requests or
   * limits. Without an entry those count as 0. Either way they are reported.
   */
  readonly containerDefaults?: ReadonlyMap<string, ContainerDefaults>;
  /**
   * The platform's label domain. On a Tekton Pipeline, its `concurrentRuns` annotation says how many
   * of the Pipeline's PipelineRuns may run at once (a whole number ≥ 1, which no Tekton field says);
   * the Task pods and affinity assistants are counted that many times. Without it no Pipeline
   * annotation is read: every Pipeline counts `concurrentPipelineRuns`.
   */
  readonly labelDomain?: LabelDomain;
  /**
   * PipelineRuns of a Tekton Pipeline without the concurrent-runs annotation that may run at once.
   * @default DEFAULTS.concurrentPipelineRuns
   */
  readonly concurrentPipelineRuns?: number;
}

export const DEFAULTS = {
  concurrentPipelineRuns: 1,
  /** Istio never injects these (istiod's `IgnoredNamespaces`), whatever their labels. */
  neverInjected: ['kube-system', 'kube-public'] as readonly string[],
  /** The container name istiod's injection template gives the sidecar. */
  proxyContainer: 'istio-proxy',
  /** Where the Tekton operator installs Tekton Pipelines when the TektonConfig does not say. */
  tektonTargetNamespace: 'tekton-pipelines',
} as const;

/** Something about an object that the counted figures may not reflect. */
export interface WorkloadWarning {
  /** `Kind namespace/name` of the object the warning is about. */
  readonly object: string;
  readonly message: string;
}

export interface DerivedWorkloads {
  /** Sorted by namespace, kind, name. */
  readonly workloads: readonly Workload[];
  readonly warnings: readonly WorkloadWarning[];
}

/** The workloads of one component's rendered objects. Use `deriveWorkloads` to see the warnings too. */
export function workloadsFromObjects(objects: readonly K8sObject[], ctx: WorkloadContext): Workload[] {
  return [...deriveWorkloads(objects, ctx).workloads];
}

/** The workloads of one component's rendered objects, and what the counts may not reflect. */
export function deriveWorkloads(objects: readonly K8sObject[], ctx: WorkloadContext): DerivedWorkloads {
  if (!ctx.defaultNamespace) {
    throw new Error("workloads: defaultNamespace is empty; pass the component's namespace (the Application's destination)");
  }
  const runs = ctx.concurrentPipelineRuns ?? DEFAULTS.concurrentPipelineRuns;
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(`workloads: concurrentPipelineRuns must be a whole number of at least 1, got ${runs}; pass how many PipelineRuns of one Pipeline may run at once`);
  }
  const d = new Derivation(objects, ctx);
  for (const o of objects) d.object(o);
  const workloads = d.workloads
    .map((w, i) => ({ w, i }))
    .sort((a, b) => cmp(a.w.namespace, b.w.namespace) || cmp(a.w.kind, b.w.kind) || cmp(a.w.name, b.w.name) || a.i - b.i)
    .map(({ w }) => w);
  return { workloads, warnings: d.warnings };
}

/** The objects of each component, by component id (lib/hydrate.ts `ComponentObjects`). */
export type ObjectsByComponent = ReadonlyMap<string, readonly K8sObject[]>;

/**
 * What the whole environment says about every pod: the namespaces Istio injects and the sidecar's
 * default resources (istiod's objects), and the LimitRange defaults (platform-base's objects).
 */
export function environmentContext(objects: readonly K8sObject[]): Omit<WorkloadContext, 'defaultNamespace'> {
  const proxy = istioProxyResources(objects);
  return {
    ...(proxy ? { sidecar: { injectedNamespaces: injectedNamespaces(objects), resources: proxy } } : {}),
    containerDefaults: containerDefaults(objects),
  };
}

/**
 * The workloads of each of `components`, from its rendered objects, in the context of every
 * object in `objects` (`environmentContext`) and of the environment's label domain (the
 * annotations the platform's own objects carry). What the capacity plan and platform-base's
 * ResourceQuotas count.
 */
export function environmentWorkloads(
  components: readonly { readonly id: string; readonly namespace: string }[],
  objects: ObjectsByComponent,
  labelDomain: LabelDomain,
): Map<string, DerivedWorkloads> {
  const context = { ...environmentContext([...objects.values()].flat()), labelDomain };
  const out = new Map<string, DerivedWorkloads>();
  for (const c of components) {
    const own = objects.get(c.id);
    if (!own) throw new Error(`workloads: no rendered objects for component ${c.id}; hydrate the environment first`);
    out.set(c.id, deriveWorkloads(own, { ...context, defaultNamespace: c.namespace }));
  }
  return out;
}

/** The workloads of one component of a rendered environment, in the context of all its objects. */
export function componentWorkloads(
  model: {
    readonly env: { readonly labelDomain: LabelDomain };
    readonly components: readonly { readonly id: string; readonly namespace: string }[];
    readonly objects: ObjectsByComponent;
  },
  id: string,
): readonly Workload[] {
  const c = model.components.find((x) => x.id === id);
  if (!c) throw new Error(`workloads: no component ${id}`);
  return environmentWorkloads([c], model.objects, model.env.labelDomain).get(id)!.workloads;
}

/** Namespaces labeled `istio-injection: enabled` among an environment's objects (its Namespace objects). */
export function injectedNamespaces(objects: readonly K8sObject[]): Set<string> {
  return new Set(
    objects
      .filter((o) => o.kind === 'Namespace' && group(o.apiVersion) === '' && labelsOf(o.metadata)['istio-injection'] === 'enabled')
      .map((o) => o.metadata.name),
  );
}

/**
 * istiod's default sidecar resources (`global.proxy.resources`), read from the rendered
 * `istio-sidecar-injector` ConfigMap the injector itself reads; undefined when it is not among
 * the objects or sets none.
 */
export function istioProxyResources(objects: readonly K8sObject[]): Resources | undefined {
  const cm = objects.find((o) => o.kind === 'ConfigMap' && group(o.apiVersion) === '' && o.metadata.name === 'istio-sidecar-injector');
  const values = str(rec(cm?.data)?.values);
  if (values === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(values);
  } catch {
    return undefined;
  }
  const raw = rec(rec(rec(parsed)?.global)?.proxy)?.resources;
  if (rec(raw) === undefined) return undefined;
  return resolveResources(raw, undefined, () => undefined);
}

/** Namespace → the defaults of its LimitRange(s) of type Container, from an environment's objects. */
export function containerDefaults(objects: readonly K8sObject[]): Map<string, ContainerDefaults> {
  const out = new Map<string, ContainerDefaults>();
  for (const o of objects) {
    if (o.kind !== 'LimitRange' || group(o.apiVersion) !== '' || !o.metadata.namespace) continue;
    for (const item of arr(rec(o.spec)?.limits)) {
      const l = rec(item);
      if (str(l?.type) !== 'Container') continue;
      const q = (which: 'default' | 'defaultRequest', r: 'cpu' | 'memory') => {
        try {
          return parseQuantity(rec(l?.[which])?.[r]);
        } catch {
          return undefined;
        }
      };
      const cpuLimit = q('default', 'cpu');
      const memLimit = q('default', 'memory');
      // The API server fills a LimitRange's defaultRequest from its default when it has none.
      const cpuRequest = q('defaultRequest', 'cpu') ?? cpuLimit;
      const memRequest = q('defaultRequest', 'memory') ?? memLimit;
      const prev = out.get(o.metadata.namespace);
      out.set(o.metadata.namespace, {
        requests: { cpu: toCpu(cpuRequest) ?? prev?.requests.cpu, memory: toMemory(memRequest) ?? prev?.requests.memory },
        limits: { cpu: toCpu(cpuLimit) ?? prev?.limits.cpu, memory: toMemory(memLimit) ?? prev?.limits.memory },
      });
    }
  }
  return out;
}

/**
 * Whether istiod injects a sidecar into a pod, as its webhooks and injector decide: never with
 * `hostNetwork` or in kube-system/kube-public; in an injected namespace unless the pod's label
 * `sidecar.istio.io/inject` (or, without the label, the annotation of that name) is false;
 * elsewhere only when the pod's label (not the annotation: the webhook's objectSelector sees
 * labels only) is `"true"`. Revision labels (`istio.io/rev`) are not modeled, and a namespace
 * labeled `istio-injection: disabled`, where istiod ignores the pod's opt-in, is treated as
 * unlabeled; the platform uses neither.
 */
export function injectsSidecar(
  pod: { readonly namespace: string; readonly labels: Readonly<Record<string, string>>; readonly annotations: Readonly<Record<string, string>>; readonly hostNetwork: boolean },
  injected: ReadonlySet<string>,
): boolean {
  if (pod.hostNetwork || DEFAULTS.neverInjected.includes(pod.namespace)) return false;
  const label = pod.labels['sidecar.istio.io/inject'];
  if (!injected.has(pod.namespace)) return label === 'true';
  const value = label ?? pod.annotations['sidecar.istio.io/inject'];
  return value === undefined || !FALSE_VALUES.has(value.toLowerCase());
}

/** Values istiod reads as false (Go's strconv.ParseBool, plus the YAML-ish spellings it accepts). */
const FALSE_VALUES = new Set(['false', 'f', '0', 'n', 'no', 'off']);

// ---------------------------------------------------------------------------------------------
// The derivation

type Json = Record<string, unknown>;

/** A pod as the derivation sees it: its namespace, metadata and the containers' raw resources. */
interface PodShape {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly hostNetwork: boolean;
  readonly containers: readonly { readonly name: string; readonly resources: unknown }[];
  readonly initContainers: readonly { readonly name: string; readonly resources: unknown }[];
}

const HELM_TEST_HOOKS = new Set(['test', 'test-success', 'test-failure']);

class Derivation {
  readonly workloads: Workload[] = [];
  readonly warnings: WorkloadWarning[] = [];
  /** `namespace/Kind/name` of each HPA target → its min and max. */
  private readonly hpas = new Map<string, { min: number; max: number; hpa: string }>();

  constructor(private readonly objects: readonly K8sObject[], private readonly ctx: WorkloadContext) {
    for (const o of objects) {
      if (o.kind !== 'HorizontalPodAutoscaler' || group(o.apiVersion) !== 'autoscaling') continue;
      const spec = rec(o.spec);
      const ref = rec(spec?.scaleTargetRef);
      const kind = str(ref?.kind);
      const name = str(ref?.name);
      const max = num(spec?.maxReplicas);
      if (!kind || !name || max === undefined) {
        this.warn(o, 'has no complete scaleTargetRef or maxReplicas; ignored');
        continue;
      }
      const key = `${this.ns(o)}/${kind}/${name}`;
      if (this.hpas.has(key)) this.warn(o, `is the second HPA of ${kind} ${name}; the first (${this.hpas.get(key)!.hpa}) is used`);
      else this.hpas.set(key, { min: num(spec?.minReplicas) ?? 1, max, hpa: o.metadata.name });
    }
  }

  object(o: K8sObject): void {
    const g = group(o.apiVersion);
    const spec = rec(o.spec) ?? {};
    switch (`${g}/${o.kind}`) {
      case 'apps/Deployment':
      case 'apps/ReplicaSet':
        return this.replicated(o, WorkloadKind.Deployment, rec(spec.template));
      case 'apps/StatefulSet':
        return this.replicated(o, WorkloadKind.StatefulSet, rec(spec.template));
      case 'argoproj.io/Rollout':
        return this.replicated(o, WorkloadKind.Deployment, this.rolloutTemplate(o));
      case 'apps/DaemonSet':
        return this.add(o, WorkloadKind.DaemonSet, o.metadata.name, 1, this.templatePod(o, rec(spec.template)));
      case 'batch/Job':
        if (this.skippedHook(o)) return;
        return this.add(o, WorkloadKind.Job, o.metadata.name, num(spec.parallelism) ?? 1, this.templatePod(o, rec(spec.template)));
      case 'batch/CronJob': {
        if (spec.suspend === true) return;
        const job = rec(rec(spec.jobTemplate)?.spec);
        return this.add(o, WorkloadKind.Job, o.metadata.name, num(job?.parallelism) ?? 1, this.templatePod(o, rec(job?.template)));
      }
      case '/Pod':
        return this.pod(o);
      case 'kafka.strimzi.io/KafkaNodePool':
        return this.kafkaNodePool(o);
      case 'kafka.strimzi.io/Kafka':
        return this.kafka(o);
      case 'postgresql.cnpg.io/Cluster':
        return this.cnpgCluster(o);
      case 'postgresql.cnpg.io/Pooler':
        return this.cnpgPooler(o);
      case 'redis.redis.opstreelabs.in/Redis':
        return this.redis(o, o.metadata.name, 1, 'redis');
      case 'redis.redis.opstreelabs.in/RedisReplication':
        return this.redis(o, o.metadata.name, num(spec.clusterSize) ?? 1, 'redis');
      case 'redis.redis.opstreelabs.in/RedisSentinel':
        return this.redis(o, `${o.metadata.name}-sentinel`, num(spec.clusterSize) ?? 3, 'sentinel');
      case 'redis.redis.opstreelabs.in/RedisCluster':
        return this.redisCluster(o);
      case 'monitoring.coreos.com/Prometheus':
        return this.promOperated(o, 'prometheus');
      case 'monitoring.coreos.com/Alertmanager':
        return this.promOperated(o, 'alertmanager');
      case 'operator.tekton.dev/TektonConfig':
        return this.tektonConfig(o);
      case 'tekton.dev/Pipeline':
        return this.tektonPipeline(o);
      default:
        if (rec(rec(spec.template)?.spec)?.containers !== undefined || rec(spec.jobTemplate) !== undefined) {
          this.warn(o, 'carries a pod template, but its kind is not one this derivation knows; its pods are not counted (add the kind to lib/workloads.ts)');
        }
    }
  }

  // --- native kinds --------------------------------------------------------------------------

  private replicated(o: K8sObject, kind: WorkloadKind, template: Json | undefined): void {
    const pod = this.templatePod(o, template);
    const hpa = this.hpas.get(`${this.ns(o)}/${o.kind}/${o.metadata.name}`);
    if (hpa) {
      this.workloads.push({ kind, name: o.metadata.name, namespace: pod.namespace, replicas: hpa.min, maxReplicas: hpa.max, containers: this.containers(o, pod) });
      return;
    }
    this.add(o, kind, o.metadata.name, num(rec(o.spec)?.replicas) ?? 1, pod);
  }

  /** A Rollout's own template, or the Deployment its `workloadRef` names (found among the same objects). */
  private rolloutTemplate(o: K8sObject): Json | undefined {
    const spec = rec(o.spec);
    const ref = rec(spec?.workloadRef);
    if (!ref) return rec(spec?.template);
    const target = this.objects.find((t) => t.kind === str(ref.kind) && t.metadata.name === str(ref.name) && this.ns(t) === this.ns(o));
    if (!target) this.warn(o, `references ${str(ref.kind)} ${str(ref.name)} (workloadRef), which is not among the objects; its containers are unknown`);
    return rec(rec(target?.spec)?.template);
  }

  private pod(o: K8sObject): void {
    const spec = rec(o.spec);
    const shape = this.podShape(this.ns(o), rec(o.metadata as unknown), spec);
    if (hookOf(o) !== undefined) {
      if (!this.skippedHook(o)) this.add(o, WorkloadKind.Job, o.metadata.name, 1, shape);
      return;
    }
    this.warn(o, 'is a bare Pod; counted as one steady replica');
    this.add(o, WorkloadKind.Deployment, o.metadata.name, 1, shape);
  }

  private skippedHook(o: K8sObject): boolean {
    const a = annotationsOf(o.metadata);
    const helmHooks = (a['helm.sh/hook'] ?? '').split(',').map((h) => h.trim()).filter(Boolean);
    if (helmHooks.length > 0 && helmHooks.every((h) => HELM_TEST_HOOKS.has(h))) return true;
    return (a['argocd.argoproj.io/hook'] ?? '').split(',').map((h) => h.trim()).includes('Skip');
  }

  // --- Strimzi -------------------------------------------------------------------------------

  private kafkaNodePool(o: K8sObject): void {
    const spec = rec(o.spec) ?? {};
    const cluster = labelsOf(o.metadata)['strimzi.io/cluster'];
    if (!cluster) this.warn(o, 'has no strimzi.io/cluster label; Strimzi ignores it');
    const pod = this.operatorPod(o, [{ name: 'kafka', resources: spec.resources }], templateMeta(rec(spec.template)?.pod));
    // Strimzi runs a pool as a StrimziPodSet: stateful pods with stable names, like a StatefulSet.
    this.add(o, WorkloadKind.StatefulSet, cluster ? `${cluster}-${o.metadata.name}` : o.metadata.name, num(spec.replicas) ?? 0, pod);
  }

  private kafka(o: K8sObject): void {
    const spec = rec(o.spec) ?? {};
    const name = o.metadata.name;
    const pools = this.objects.filter((p) => p.kind === 'KafkaNodePool' && group(p.apiVersion) === 'kafka.strimzi.io' && labelsOf(p.metadata)['strimzi.io/cluster'] === name && this.ns(p) === this.ns(o));
    if (pools.length === 0) {
      this.warn(o, 'has no KafkaNodePool among the objects; its brokers and controllers are not counted');
    }
    const eo = rec(spec.entityOperator);
    if (eo) {
      const containers = (['topicOperator', 'userOperator'] as const)
        .filter((k) => rec(eo[k]) !== undefined)
        .map((k) => ({ name: k === 'topicOperator' ? 'topic-operator' : 'user-operator', resources: rec(eo[k])!.resources }));
      // Strimzi deploys the entity operator only when one of its operators is configured.
      if (containers.length > 0) this.add(o, WorkloadKind.Deployment, `${name}-entity-operator`, 1, this.operatorPod(o, containers, templateMeta(rec(eo.template)?.pod)));
    }
    for (const [key, suffix] of [['cruiseControl', 'cruise-control'], ['kafkaExporter', 'kafka-exporter']] as const) {
      const c = rec(spec[key]);
      if (c) this.add(o, WorkloadKind.Deployment, `${name}-${suffix}`, 1, this.operatorPod(o, [{ name: suffix, resources: c.resources }], templateMeta(rec(c.template)?.pod)));
    }
  }

  // --- CloudNativePG -------------------------------------------------------------------------

  private cnpgCluster(o: K8sObject): void {
    const spec = rec(o.spec) ?? {};
    const containers: { name: string; resources: unknown }[] = [{ name: 'postgres', resources: spec.resources }];
    for (const p of arr(spec.plugins).map(rec)) {
      if (!p || p.enabled === false) continue;
      const plugin = str(p.name);
      if (plugin !== 'barman-cloud.cloudnative-pg.io') {
        this.warn(o, `uses the CNPG-I plugin ${plugin}, which may add containers to the instance pods; they are not counted`);
        continue;
      }
      // The Barman Cloud plugin injects its sidecar into every instance pod, sized by the ObjectStore.
      const storeName = str(rec(p.parameters)?.barmanObjectName);
      const store = this.objects.find((s) => s.kind === 'ObjectStore' && group(s.apiVersion) === 'barmancloud.cnpg.io' && s.metadata.name === storeName && this.ns(s) === this.ns(o));
      if (!store) this.warn(o, `uses the Barman Cloud plugin with ObjectStore ${storeName ?? '(none named)'}, which is not among the objects; its sidecar's resources are unknown`);
      containers.push({ name: 'plugin-barman-cloud', resources: rec(rec(store?.spec)?.instanceSidecarConfiguration)?.resources });
    }
    const inherited = rec(spec.inheritedMetadata);
    // CloudNativePG manages the instance pods itself (no StatefulSet); they are stateful pods all the same.
    this.add(o, WorkloadKind.StatefulSet, o.metadata.name, num(spec.instances) ?? 1, this.operatorPod(o, containers, { labels: strMap(inherited?.labels), annotations: strMap(inherited?.annotations) }));
  }

  private cnpgPooler(o: K8sObject): void {
    const spec = rec(o.spec) ?? {};
    const template = rec(spec.template);
    const pod = this.templatePod(o, template);
    // The operator adds a `pgbouncer` container when the template has none (without resources).
    const withPgbouncer = pod.containers.some((c) => c.name === 'pgbouncer') ? pod : { ...pod, containers: [{ name: 'pgbouncer', resources: undefined }, ...pod.containers] };
    this.add(o, WorkloadKind.Deployment, o.metadata.name, num(spec.instances) ?? 1, withPgbouncer);
  }

  // --- OT redis-operator ---------------------------------------------------------------------

  private redis(o: K8sObject, name: string, replicas: number, main: string, resources?: unknown): void {
    const spec = rec(o.spec) ?? {};
    this.add(o, WorkloadKind.StatefulSet, name, replicas, this.redisPod(o, main, resources ?? rec(spec.kubernetesConfig)?.resources));
  }

  private redisCluster(o: K8sObject): void {
    const spec = rec(o.spec) ?? {};
    const size = num(spec.clusterSize) ?? 3;
    for (const role of ['leader', 'follower'] as const) {
      const r = rec(spec[role === 'leader' ? 'redisLeader' : 'redisFollower']);
      this.redis(o, `${o.metadata.name}-${role}`, num(r?.replicas) ?? size, 'redis', r?.resources ?? rec(spec.kubernetesConfig)?.resources);
    }
  }

  /** The operator's pod: the server (or sentinel), the exporter when enabled, and `spec.sidecars`. */
  private redisPod(o: K8sObject, main: string, resources: unknown): PodShape {
    const spec = rec(o.spec) ?? {};
    const exporter = rec(spec.redisExporter);
    const containers = [
      { name: main, resources },
      ...(exporter?.enabled === true ? [{ name: 'redis-exporter', resources: exporter.resources }] : []),
      ...arr(spec.sidecars).map(rec).filter((s): s is Json => s !== undefined).map((s) => ({ name: str(s.name) ?? 'sidecar', resources: s.resources })),
    ];
    // The operator copies the custom resource's labels onto its pods.
    return this.operatorPod(o, containers, { labels: labelsOf(o.metadata), annotations: {} });
  }

  // --- prometheus-operator -------------------------------------------------------------------

  private promOperated(o: K8sObject, main: 'prometheus' | 'alertmanager'): void {
    const spec = rec(o.spec) ?? {};
    const containers: { name: string; resources: unknown }[] = [
      { name: main, resources: spec.resources },
      { name: 'config-reloader', resources: this.configReloaderResources(o) },
      ...(main === 'prometheus' && rec(spec.thanos) ? [{ name: 'thanos-sidecar', resources: rec(spec.thanos)!.resources }] : []),
    ];
    // `spec.containers` is merged into the operator's containers by name (strategic merge).
    for (const extra of arr(spec.containers).map(rec)) {
      const name = str(extra?.name);
      if (!extra || !name) continue;
      const i = containers.findIndex((c) => c.name === name);
      if (i < 0) containers.push({ name, resources: extra.resources });
      else if (extra.resources !== undefined) containers[i] = { name, resources: extra.resources };
    }
    const pod = this.operatorPod(o, containers, templateMeta(spec.podMetadata));
    const replicas = num(spec.replicas) ?? 1;
    const shards = main === 'prometheus' ? Math.max(1, num(spec.shards) ?? 1) : 1;
    for (let s = 0; s < shards; s++) {
      this.add(o, WorkloadKind.StatefulSet, `${main}-${o.metadata.name}${s === 0 ? '' : `-shard-${s}`}`, replicas, pod);
    }
  }

  /** The config-reloader's resources: the operator's `--config-reloader-*` flags, when the operator is among the objects. */
  private configReloaderResources(o: K8sObject): Json | undefined {
    for (const d of this.objects) {
      if (d.kind !== 'Deployment') continue;
      for (const c of arr(rec(rec(rec(d.spec)?.template)?.spec)?.containers).map(rec)) {
        const args = arr(c?.args).map(str).filter((a): a is string => a !== undefined);
        if (!args.some((a) => a.startsWith('--prometheus-config-reloader='))) continue;
        const flag = (n: string) => args.find((a) => a.startsWith(`--config-reloader-${n}=`))?.split('=')[1];
        return {
          requests: { cpu: flag('cpu-request'), memory: flag('memory-request') },
          limits: { cpu: flag('cpu-limit'), memory: flag('memory-limit') },
        };
      }
    }
    this.warn(o, "has a config-reloader sized by the prometheus-operator's flags, but the operator is not among the objects");
    return undefined;
  }

  // --- Tekton --------------------------------------------------------------------------------

  /**
   * The Deployments the Tekton operator creates and this TektonConfig sizes
   * (`spec.<component>.options.deployments`), in its target namespace. Components that are
   * disabled create nothing; the operator's other Deployments are not sized here and not counted.
   */
  private tektonConfig(o: K8sObject): void {
    const spec = rec(o.spec) ?? {};
    const namespace = str(spec.targetNamespace) ?? DEFAULTS.tektonTargetNamespace;
    for (const [section, value] of Object.entries(spec)) {
      const s = rec(value);
      const options = rec(s?.options);
      if (!s || !options || s.disabled === true) continue;
      if (options.disabled === true) {
        this.warn(o, `has spec.${section}.options disabled; the operator ignores the sizing there and the Deployments are not counted`);
        continue;
      }
      for (const [name, dep] of Object.entries(rec(options.deployments) ?? {})) {
        const depSpec = rec(rec(dep)?.spec);
        const performance = rec(s.performance);
        const replicas = num(depSpec?.replicas) ?? (section === 'pipeline' && name === 'tekton-pipelines-controller' ? num(performance?.replicas) : undefined) ?? 1;
        const pod = this.podShape(namespace, rec(rec(depSpec?.template)?.metadata), rec(rec(depSpec?.template)?.spec));
        this.add(o, WorkloadKind.Deployment, name, replicas, pod);
      }
    }
  }

  /**
   * A Pipeline's runs, transient: per run, the largest pod among its Tasks (a run has one Task
   * pod at a time on this platform's sequential Pipelines) and the affinity assistant Tekton
   * starts for each workspace when the TektonConfig coschedules by workspace (its default).
   */
  private tektonPipeline(o: K8sObject): void {
    const spec = rec(o.spec) ?? {};
    const ns = this.ns(o);
    const runs = this.concurrentRuns(o);
    const pods: PodShape[] = [];
    for (const t of [...arr(spec.tasks), ...arr(spec.finally)].map(rec)) {
      const ref = rec(t?.taskRef);
      const taskSpec = rec(t?.taskSpec) ?? (ref ? rec(this.objects.find((x) => x.kind === 'Task' && group(x.apiVersion) === 'tekton.dev' && x.metadata.name === str(ref.name) && this.ns(x) === ns)?.spec) : undefined);
      if (!taskSpec) {
        this.warn(o, `runs Task ${str(ref?.name) ?? str(t?.name)}, which is not among the objects; its pod is not counted`);
        continue;
      }
      pods.push(this.taskPod(ns, taskSpec));
    }
    if (pods.length > 0) {
      const sized = pods.map((p) => ({ p, total: this.podRequests(p) }));
      const largest = sized.reduce((a, b) => (b.total.cpu > a.total.cpu || (b.total.cpu === a.total.cpu && b.total.memory > a.total.memory) ? b : a));
      this.add(o, WorkloadKind.Job, `${o.metadata.name}-task-pod`, runs, largest.p);
    }
    const tekton = this.objects.find((x) => x.kind === 'TektonConfig' && group(x.apiVersion) === 'operator.tekton.dev');
    const coschedule = str(rec(rec(tekton?.spec)?.pipeline)?.coschedule) ?? 'workspaces';
    const workspaces = arr(spec.workspaces).filter((w) => rec(w)?.optional !== true).length;
    const assistants = coschedule === 'disabled' || workspaces === 0 ? 0 : coschedule === 'workspaces' ? workspaces : 1;
    if (assistants > 0) {
      const pod = this.podShape(ns, undefined, { containers: [{ name: 'affinity-assistant' }] });
      this.add(o, WorkloadKind.Job, `${o.metadata.name}-affinity-assistant`, runs * assistants, pod);
    }
  }

  /** The concurrent-runs annotation of a Pipeline (`WorkloadContext.labelDomain`), else the context's number, else the default. */
  private concurrentRuns(o: K8sObject): number {
    const fallback = this.ctx.concurrentPipelineRuns ?? DEFAULTS.concurrentPipelineRuns;
    const annotation = this.ctx.labelDomain?.concurrentRuns;
    const value = annotation === undefined ? undefined : annotationsOf(o.metadata)[annotation];
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < 1) {
      this.warn(o, `has ${annotation} "${value}", not a whole number of at least 1; counted ${fallback} run(s)`);
      return fallback;
    }
    return n;
  }

  /** A Task's pod: `step-<name>` per step (the stepTemplate's resources under its own), `sidecar-<name>` per sidecar. */
  private taskPod(namespace: string, spec: Json): PodShape {
    const template = rec(rec(spec.stepTemplate)?.computeResources);
    const merged = (own: unknown): Json => {
      const r = rec(own);
      return {
        requests: { ...rec(template?.requests), ...rec(r?.requests) },
        limits: { ...rec(template?.limits), ...rec(r?.limits) },
      };
    };
    const containers = [
      ...arr(spec.steps).map(rec).map((s, i) => ({ name: `step-${str(s?.name) ?? `unnamed-${i}`}`, resources: merged(s?.computeResources) })),
      ...arr(spec.sidecars).map(rec).map((s, i) => ({ name: `sidecar-${str(s?.name) ?? `unnamed-${i}`}`, resources: s?.computeResources ?? s?.resources })),
    ];
    return { namespace, labels: {}, annotations: {}, hostNetwork: false, containers, initContainers: [] };
  }

  // --- pods and containers -------------------------------------------------------------------

  private add(o: K8sObject, kind: WorkloadKind, name: string, replicas: number, pod: PodShape): void {
    this.workloads.push({ kind, name, namespace: pod.namespace, replicas, containers: this.containers(o, pod) });
  }

  private templatePod(o: K8sObject, template: Json | undefined): PodShape {
    if (!template) this.warn(o, 'has no pod template; counted without containers');
    return this.podShape(this.ns(o), rec(template?.metadata), rec(template?.spec));
  }

  private podShape(namespace: string, meta: Json | undefined, spec: Json | undefined): PodShape {
    const list = (v: unknown) =>
      arr(v)
        .map(rec)
        .filter((c): c is Json => c !== undefined)
        .map((c) => ({ name: str(c.name) ?? '(unnamed)', resources: c.resources, restartPolicy: str(c.restartPolicy) }));
    const init = list(spec?.initContainers);
    return {
      namespace,
      labels: strMap(meta?.labels),
      annotations: strMap(meta?.annotations),
      hostNetwork: spec?.hostNetwork === true,
      // Native sidecars (restartable init containers) run for the pod's lifetime, beside the containers.
      containers: [...list(spec?.containers), ...init.filter((c) => c.restartPolicy === 'Always')],
      initContainers: init.filter((c) => c.restartPolicy !== 'Always'),
    };
  }

  /** A pod an operator creates from a custom resource, in the resource's namespace. */
  private operatorPod(o: K8sObject, containers: readonly { name: string; resources: unknown }[], meta: { labels: Record<string, string>; annotations: Record<string, string> }): PodShape {
    return { namespace: this.ns(o), labels: meta.labels, annotations: meta.annotations, hostNetwork: false, containers, initContainers: [] };
  }

  /** The counted containers of a pod, with the sidecar istiod would inject; warnings for what the counts miss. */
  private containers(o: K8sObject, pod: PodShape): ContainerDeclaration[] {
    const defaults = this.ctx.containerDefaults?.get(pod.namespace);
    const out: ContainerDeclaration[] = pod.containers.map((c) => ({
      name: c.name,
      resources: resolveResources(c.resources, defaults, (m) => this.warn(o, `container "${c.name}" ${m}`)),
    }));
    const sidecar = this.ctx.sidecar;
    if (sidecar && injectsSidecar(pod, sidecar.injectedNamespaces) && !out.some((c) => c.name === DEFAULTS.proxyContainer)) {
      const fromAnnotations = proxyResources(pod.annotations);
      out.push({
        name: DEFAULTS.proxyContainer,
        resources: fromAnnotations === undefined ? sidecar.resources : resolveResources(fromAnnotations, defaults, (m) => this.warn(o, `injected ${DEFAULTS.proxyContainer} (sidecar.istio.io/proxy* annotations) ${m}`)),
      });
    }
    const sum = out.reduce((a, c) => ({ cpu: a.cpu + c.resources.requests.cpu.millicores, memory: a.memory + c.resources.requests.memory.bytes }), { cpu: 0, memory: 0 });
    for (const c of pod.initContainers) {
      const r = resolveResources(c.resources, defaults, () => undefined);
      if (r.requests.cpu.millicores > sum.cpu || r.requests.memory.bytes > sum.memory) {
        this.warn(o, `init container "${c.name}" requests ${r.requests.cpu}/${r.requests.memory}, more than the pod's containers together (${Cpu.millis(sum.cpu)}/${Memory.parse(String(sum.memory))}); the scheduler reserves the larger, the plan counts the containers`);
      }
    }
    return out;
  }

  private podRequests(pod: PodShape): { cpu: number; memory: number } {
    const defaults = this.ctx.containerDefaults?.get(pod.namespace);
    return pod.containers
      .map((c) => resolveResources(c.resources, defaults, () => undefined))
      .reduce((a, r) => ({ cpu: a.cpu + r.requests.cpu.millicores, memory: a.memory + r.requests.memory.bytes }), { cpu: 0, memory: 0 });
  }

  private ns(o: K8sObject): string {
    return o.metadata.namespace ?? this.ctx.defaultNamespace;
  }

  private warn(o: K8sObject, message: string): void {
    const w = { object: `${o.kind} ${this.ns(o)}/${o.metadata.name}`, message };
    if (!this.warnings.some((x) => x.object === w.object && x.message === w.message)) this.warnings.push(w);
  }
}

/**
 * The sidecar's resources from the pod's annotations, as istiod's injection template reads them:
 * as soon as one of the four is present only the annotations count (a missing one is unset, not
 * the default); undefined when none is.
 */
function proxyResources(a: Readonly<Record<string, string>>): Json | undefined {
  const key = (k: string) => `sidecar.istio.io/${k}`;
  if (!['proxyCPU', 'proxyMemory', 'proxyCPULimit', 'proxyMemoryLimit'].some((k) => a[key(k)] !== undefined)) return undefined;
  return {
    requests: { cpu: a[key('proxyCPU')], memory: a[key('proxyMemory')] },
    limits: { cpu: a[key('proxyCPULimit')], memory: a[key('proxyMemoryLimit')] },
  };
}

// ---------------------------------------------------------------------------------------------
// Quantities

type Amount = 'cpu' | 'memory';

/**
 * A container's `resources` as Kubernetes admits it: a missing request takes the container's
 * limit (API defaulting), then the LimitRange fills what is still missing; a request still
 * missing counts 0 and a limit still missing counts as the request (unbounded). `report` hears
 * about every field the container does not set itself.
 */
function resolveResources(raw: unknown, defaults: ContainerDefaults | undefined, report: (message: string) => void): Resources {
  const r = rec(raw);
  const requests = rec(r?.requests);
  const limits = rec(r?.limits);
  const values: Record<'requests' | 'limits', Record<Amount, number>> = { requests: { cpu: 0, memory: 0 }, limits: { cpu: 0, memory: 0 } };
  const missing: string[] = [];
  const fromLimitRange: string[] = [];
  const zero: string[] = [];
  const unbounded: string[] = [];
  for (const a of ['cpu', 'memory'] as const) {
    const parse = (which: string, v: unknown) => {
      try {
        return parseQuantity(v);
      } catch (e) {
        report(`has an unreadable ${a} ${which} (${(e as Error).message}); treated as unset`);
        return undefined;
      }
    };
    const base = (q: Cpu | Memory | undefined) => (q === undefined ? undefined : q instanceof Cpu ? q.millicores : q.bytes);
    const toUnit = (n: number | undefined) => (n === undefined ? undefined : a === 'cpu' ? Math.ceil(n * 1000 - 1e-6) : Math.ceil(n - 1e-6));
    const requestSet = requests?.[a] !== undefined;
    const limitSet = limits?.[a] !== undefined;
    let limit = toUnit(parse('limit', limits?.[a]));
    // The API server defaults a missing request to the container's own limit: not a gap.
    let request = toUnit(parse('request', requests?.[a])) ?? limit;
    if (!requestSet && !limitSet) missing.push(`${a} request`);
    if (!limitSet) missing.push(`${a} limit`);
    if (limit === undefined && defaults?.limits[a] !== undefined) {
      limit = base(defaults.limits[a]);
      fromLimitRange.push(`${a} limit`);
    }
    if (request === undefined && defaults?.requests[a] !== undefined) {
      request = base(defaults.requests[a]);
      fromLimitRange.push(`${a} request`);
    }
    if (request === undefined) {
      request = 0;
      zero.push(`${a} request`);
    }
    if (limit === undefined) {
      limit = request;
      unbounded.push(`${a} limit`);
    }
    if (request > limit) {
      report(`requests more ${a} than its limit allows, which the API server rejects; counted with the limit raised to the request`);
      limit = request;
    }
    values.requests[a] = request;
    values.limits[a] = limit;
  }
  if (missing.length > 0) {
    const treated = [
      fromLimitRange.length > 0 ? `${fields(fromLimitRange, 'and')} from the namespace's LimitRange` : '',
      zero.length > 0 ? `${fields(zero, 'and')} counted as 0` : '',
      unbounded.length > 0 ? `${fields(unbounded, 'and')} unbounded, counted as the request` : '',
    ].filter(Boolean);
    report(`sets no ${fields(missing)} (${treated.join('; ')}); every container we author sets requests and limits`);
  }
  const amounts = (v: Record<Amount, number>) => ({ cpu: Cpu.millis(v.cpu), memory: Memory.parse(String(v.memory)) });
  return new Resources(amounts(values.requests), amounts(values.limits));
}

/** `cpu request, memory request` → `requests`; all four → `requests or limits` (or `and`). */
function fields(list: readonly string[], conjunction: 'or' | 'and' = 'or'): string {
  const has = (f: string) => list.includes(f);
  const requests = has('cpu request') && has('memory request');
  const limits = has('cpu limit') && has('memory limit');
  if (requests && limits) return `requests ${conjunction} limits`;
  const order = ['cpu request', 'memory request', 'cpu limit', 'memory limit'];
  const rest = order.filter((f) => has(f) && !(requests && f.endsWith('request')) && !(limits && f.endsWith('limit')));
  return [...(requests ? ['requests'] : []), ...(limits ? ['limits'] : []), ...rest].join(', ');
}

const SUFFIX: Readonly<Record<string, number>> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A Kubernetes quantity (`250m`, `1.5`, `512Mi`, `1e3`, or a YAML number) as a plain number of base units. */
function parseQuantity(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  const s = String(v).trim();
  const m = /^([+]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/.exec(s);
  if (!m) throw new Error(`"${s}" is not a Kubernetes quantity`);
  const n = Number(m[1]);
  return m[2] ? n * 10 ** Number(m[2].slice(1)) : n * SUFFIX[m[3] ?? ''];
}

function toCpu(n: number | undefined): Cpu | undefined {
  return n === undefined ? undefined : Cpu.millis(Math.ceil(n * 1000 - 1e-6));
}

function toMemory(n: number | undefined): Memory | undefined {
  return n === undefined ? undefined : Memory.parse(String(Math.ceil(n - 1e-6)));
}

// ---------------------------------------------------------------------------------------------
// Reading plain JSON

function rec(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

function arr(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(rec(v) ?? {})) if (x !== undefined && x !== null) out[k] = String(x);
  return out;
}

function labelsOf(meta: unknown): Record<string, string> {
  return strMap(rec(meta)?.labels);
}

function annotationsOf(meta: unknown): Record<string, string> {
  return strMap(rec(meta)?.annotations);
}

function templateMeta(podTemplate: unknown): { labels: Record<string, string>; annotations: Record<string, string> } {
  const meta = rec(rec(podTemplate)?.metadata);
  return { labels: strMap(meta?.labels), annotations: strMap(meta?.annotations) };
}

function hookOf(o: K8sObject): string | undefined {
  const a = annotationsOf(o.metadata);
  return a['helm.sh/hook'] ?? a['argocd.argoproj.io/hook'];
}

/** `apps/v1` → `apps`, `v1` → `` (the core group). */
function group(apiVersion: string): string {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
