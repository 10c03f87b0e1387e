import { LabelDomain } from '../../lib/labels';
import { K8sObject } from '../../lib/render';
import { Resources, Workload, WorkloadKind } from '../../lib/resources';
import {
  componentWorkloads, containerDefaults, deriveWorkloads, environmentWorkloads, injectedNamespaces, istioProxyResources,
  WorkloadContext, workloadsFromObjects,
} from '../../lib/workloads';

type Res = { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
const res = (rc: string, rm: string, lc: string, lm: string): Res => ({ requests: { cpu: rc, memory: rm }, limits: { cpu: lc, memory: lm } });
const APP = res('100m', '128Mi', '200m', '256Mi');
const PROXY_DEFAULT = res('100m', '128Mi', '2', '1Gi');
const CTX: WorkloadContext = { defaultNamespace: 'team' };
const LABEL_DOMAIN = LabelDomain.of('platform.example.com');

/** A workload as plain data: resources in Kubernetes form. */
function plain(w: Workload) {
  return {
    kind: w.kind,
    name: w.name,
    namespace: w.namespace,
    replicas: w.replicas,
    ...(w.maxReplicas !== undefined ? { maxReplicas: w.maxReplicas } : {}),
    containers: w.containers.map((c) => ({ name: c.name, ...c.resources.toK8s() })),
  };
}

const derive = (objects: K8sObject[], ctx: WorkloadContext = CTX) => workloadsFromObjects(objects, ctx).map(plain);

function obj(apiVersion: string, kind: string, name: string, spec: object, metadata: object = {}, namespace: string | null = 'team'): K8sObject {
  return { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}), ...metadata }, spec };
}

function podTemplate(containers: object[], meta: { labels?: object; annotations?: object } = {}, extra: object = {}) {
  return { metadata: meta, spec: { containers, ...extra } };
}

const deployment = (name: string, spec: object, metadata: object = {}, namespace: string | null = 'team') => obj('apps/v1', 'Deployment', name, spec, metadata, namespace);
/** A container; `null` resources for one that sets none. */
const app = (name = 'app', resources: object | null = APP) => ({ name, image: 'example/app:1.0.0', ...(resources ? { resources } : {}) });

const sidecarCtx = (injected: string[]): WorkloadContext => ({
  defaultNamespace: 'team',
  sidecar: { injectedNamespaces: new Set(injected), resources: Resources.of(PROXY_DEFAULT.requests, PROXY_DEFAULT.limits) },
});

describe('workloadsFromObjects: native kinds', () => {
  it('counts a Deployment with its replicas and each container with its requests and limits', () => {
    expect(derive([deployment('web', { replicas: 2, template: podTemplate([app('web')]) })])).toEqual([
      { kind: WorkloadKind.Deployment, name: 'web', namespace: 'team', replicas: 2, containers: [{ name: 'web', ...APP }] },
    ]);
  });

  it('counts one replica for a Deployment or StatefulSet that sets none', () => {
    const objects = [
      deployment('web', { template: podTemplate([app()]) }),
      obj('apps/v1', 'StatefulSet', 'db', { template: podTemplate([app()]) }),
    ];
    expect(derive(objects).map((w) => [w.kind, w.replicas])).toEqual([
      [WorkloadKind.Deployment, 1],
      [WorkloadKind.StatefulSet, 1],
    ]);
  });

  it('counts a DaemonSet as one pod, which the plan multiplies by the nodes', () => {
    const ds = obj('apps/v1', 'DaemonSet', 'agent', { template: podTemplate([app('agent', res('50m', '64Mi', '100m', '128Mi'))]) });
    expect(derive([ds])).toEqual([
      { kind: WorkloadKind.DaemonSet, name: 'agent', namespace: 'team', replicas: 1, containers: [{ name: 'agent', ...res('50m', '64Mi', '100m', '128Mi') }] },
    ]);
  });

  it('takes the replicas of a Rollout without replicas from its HPA: minReplicas, and maxReplicas as the upper bound', () => {
    const rollout = obj('argoproj.io/v1alpha1', 'Rollout', 'orders', { selector: {}, template: podTemplate([app('orders')]) });
    const hpa = obj('autoscaling/v2', 'HorizontalPodAutoscaler', 'orders', {
      scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'orders' },
      minReplicas: 3,
      maxReplicas: 6,
    });
    expect(derive([rollout, hpa])).toEqual([
      { kind: WorkloadKind.Deployment, name: 'orders', namespace: 'team', replicas: 3, maxReplicas: 6, containers: [{ name: 'orders', ...APP }] },
    ]);
  });

  it('ignores an HPA that targets another kind of the same name', () => {
    const hpa = obj('autoscaling/v2', 'HorizontalPodAutoscaler', 'web', { scaleTargetRef: { kind: 'StatefulSet', name: 'web' }, minReplicas: 4, maxReplicas: 8 });
    expect(derive([deployment('web', { replicas: 2, template: podTemplate([app()]) }), hpa])[0]).toMatchObject({ replicas: 2 });
    expect(derive([deployment('web', { replicas: 2, template: podTemplate([app()]) }), hpa])[0].maxReplicas).toBeUndefined();
  });

  it('puts objects without a namespace into the default namespace', () => {
    const objects = [deployment('web', { template: podTemplate([app()]) }, {}, null)];
    expect(derive(objects, { defaultNamespace: 'destination' })[0].namespace).toBe('destination');
  });

  it('counts hook Jobs and CronJobs as transient Jobs, and leaves out Helm test hooks and suspended CronJobs', () => {
    const job = (name: string, annotations: Record<string, string>) =>
      obj('batch/v1', 'Job', name, { template: podTemplate([app('run')], {}, { restartPolicy: 'Never' }) }, { annotations });
    const objects = [
      job('migrate', { 'helm.sh/hook': 'pre-install,pre-upgrade' }),
      job('restart', { 'argocd.argoproj.io/hook': 'PostSync' }),
      job('smoke-test', { 'helm.sh/hook': 'test' }),
      obj('batch/v1', 'CronJob', 'prune', { schedule: '0 * * * *', jobTemplate: { spec: { template: podTemplate([app('prune')]) } } }),
      obj('batch/v1', 'CronJob', 'paused', { suspend: true, schedule: '0 * * * *', jobTemplate: { spec: { template: podTemplate([app('paused')]) } } }),
    ];
    expect(derive(objects).map((w) => `${w.kind} ${w.name} x${w.replicas}`)).toEqual(['Job migrate x1', 'Job prune x1', 'Job restart x1']);
  });

  it('counts native sidecars with the containers but not ordinary init containers', () => {
    const d = deployment('web', {
      template: podTemplate([app('web')], {}, {
        initContainers: [
          { name: 'setup', resources: res('10m', '16Mi', '50m', '32Mi') },
          { name: 'log-shipper', restartPolicy: 'Always', resources: res('20m', '32Mi', '100m', '64Mi') },
        ],
      }),
    });
    expect(derive([d])[0].containers.map((c) => c.name)).toEqual(['web', 'log-shipper']);
  });

  it('reports an init container that requests more than the pod\'s containers together', () => {
    const d = deployment('web', {
      template: podTemplate([app('web')], {}, { initContainers: [{ name: 'warmup', resources: res('1', '64Mi', '1', '64Mi') }] }),
    });
    const { warnings } = deriveWorkloads([d], CTX);
    expect(warnings).toEqual([{ object: 'Deployment team/web', message: expect.stringContaining('init container "warmup" requests 1/64Mi, more than the pod\'s containers together') }]);
  });

  it('counts a container without resources as zero and reports it', () => {
    const { workloads, warnings } = deriveWorkloads([deployment('upstream', { template: podTemplate([app('bare', null)]) })], CTX);
    expect(workloads.map(plain)[0].containers).toEqual([{ name: 'bare', ...res('0', '0Gi', '0', '0Gi') }]);
    expect(warnings).toEqual([
      { object: 'Deployment team/upstream', message: expect.stringMatching(/^container "bare" sets no requests or limits \(requests counted as 0; limits unbounded/) },
    ]);
  });

  it('counts a container without resources with its namespace\'s LimitRange defaults when the context has them, and still reports it', () => {
    const limitRange = obj('v1', 'LimitRange', 'container-defaults', {
      limits: [{ type: 'Container', defaultRequest: { cpu: '50m', memory: '64Mi' }, default: { cpu: '500m', memory: '512Mi' } }],
    });
    const ctx: WorkloadContext = { defaultNamespace: 'team', containerDefaults: containerDefaults([limitRange]) };
    const { workloads, warnings } = deriveWorkloads([deployment('upstream', { template: podTemplate([app('bare', null)]) })], ctx);
    expect(workloads.map(plain)[0].containers).toEqual([{ name: 'bare', ...res('50m', '64Mi', '500m', '512Mi') }]);
    expect(warnings.map((w) => w.message)).toEqual([expect.stringContaining("sets no requests or limits (requests and limits from the namespace's LimitRange)")]);
  });

  it('takes a missing request from the container\'s own limit, as the API server does, without a warning', () => {
    const { workloads, warnings } = deriveWorkloads([deployment('web', { template: podTemplate([app('web', { limits: { cpu: '250m', memory: '1Gi' } })]) })], CTX);
    expect(workloads.map(plain)[0].containers).toEqual([{ name: 'web', ...res('250m', '1Gi', '250m', '1Gi') }]);
    expect(warnings).toEqual([]);
  });

  it('reads quantities in every Kubernetes notation', () => {
    const d = deployment('web', { template: podTemplate([app('web', { requests: { cpu: 0.25, memory: '129M' }, limits: { cpu: '1.5', memory: '1e9' } })]) });
    expect(derive([d])[0].containers[0]).toEqual({ name: 'web', requests: { cpu: '250m', memory: '129000000' }, limits: { cpu: '1500m', memory: '1000000000' } });
  });

  it('reports an unknown kind that carries a pod template instead of ignoring it silently', () => {
    const { workloads, warnings } = deriveWorkloads([obj('apps.example.com/v1', 'Widget', 'w', { template: podTemplate([app()]) })], CTX);
    expect(workloads).toEqual([]);
    expect(warnings).toEqual([{ object: 'Widget team/w', message: expect.stringContaining('its kind is not one this derivation knows') }]);
  });

  it('rejects a context without a default namespace or with a concurrency below 1, naming the field', () => {
    expect(() => workloadsFromObjects([], { defaultNamespace: '' })).toThrow(/defaultNamespace is empty/);
    expect(() => workloadsFromObjects([], { defaultNamespace: 'team', concurrentPipelineRuns: 0 })).toThrow(/concurrentPipelineRuns must be a whole number of at least 1, got 0/);
  });

  it('returns the workloads sorted by namespace, kind and name', () => {
    const objects = [
      deployment('b', { template: podTemplate([app()]) }, {}, 'zeta'),
      obj('apps/v1', 'StatefulSet', 'a', { template: podTemplate([app()]) }, {}, 'alpha'),
      deployment('z', { template: podTemplate([app()]) }, {}, 'alpha'),
      deployment('a', { template: podTemplate([app()]) }, {}, 'alpha'),
    ];
    expect(derive(objects).map((w) => `${w.namespace}/${w.kind}/${w.name}`)).toEqual([
      'alpha/Deployment/a', 'alpha/Deployment/z', 'alpha/StatefulSet/a', 'zeta/Deployment/b',
    ]);
  });
});

describe('workloadsFromObjects: pods operators create from custom resources', () => {
  it('counts a KafkaNodePool as its replicas with its resources, named after its cluster, and the entity operator\'s containers', () => {
    const broker = res('100m', '768Mi', '1', '1536Mi');
    const topicOperator = res('20m', '256Mi', '200m', '384Mi');
    const objects = [
      obj('kafka.strimzi.io/v1', 'Kafka', 'kafka', { kafka: { listeners: [] }, entityOperator: { topicOperator: { resources: topicOperator } } }),
      obj('kafka.strimzi.io/v1', 'KafkaNodePool', 'broker', { replicas: 3, roles: ['broker'], resources: broker }, { labels: { 'strimzi.io/cluster': 'kafka' } }),
    ];
    expect(derive(objects)).toEqual([
      { kind: WorkloadKind.Deployment, name: 'kafka-entity-operator', namespace: 'team', replicas: 1, containers: [{ name: 'topic-operator', ...topicOperator }] },
      { kind: WorkloadKind.StatefulSet, name: 'kafka-broker', namespace: 'team', replicas: 3, containers: [{ name: 'kafka', ...broker }] },
    ]);
  });

  it('counts a CloudNativePG Cluster as its instances, with the Barman Cloud sidecar sized by the ObjectStore it names', () => {
    const pg = res('100m', '512Mi', '1', '1Gi');
    const plugin = res('20m', '64Mi', '500m', '256Mi');
    const objects = [
      obj('postgresql.cnpg.io/v1', 'Cluster', 'postgres', {
        instances: 3,
        resources: pg,
        plugins: [{ name: 'barman-cloud.cloudnative-pg.io', isWALArchiver: true, parameters: { barmanObjectName: 'backups' } }],
      }),
      obj('barmancloud.cnpg.io/v1', 'ObjectStore', 'backups', { configuration: {}, instanceSidecarConfiguration: { resources: plugin } }),
    ];
    expect(derive(objects)).toEqual([
      { kind: WorkloadKind.StatefulSet, name: 'postgres', namespace: 'team', replicas: 3, containers: [{ name: 'postgres', ...pg }, { name: 'plugin-barman-cloud', ...plugin }] },
    ]);
  });

  it('reports a CloudNativePG Cluster whose Barman Cloud ObjectStore is not among the objects', () => {
    const cluster = obj('postgresql.cnpg.io/v1', 'Cluster', 'postgres', {
      instances: 1,
      resources: APP,
      plugins: [{ name: 'barman-cloud.cloudnative-pg.io', parameters: { barmanObjectName: 'elsewhere' } }],
    });
    expect(deriveWorkloads([cluster], CTX).warnings.map((w) => w.message)).toContainEqual(expect.stringContaining('ObjectStore elsewhere, which is not among the objects'));
  });

  it('counts a RedisReplication as its clusterSize with the exporter sidecar, and a RedisSentinel as its sentinels', () => {
    const server = res('25m', '128Mi', '500m', '256Mi');
    const exporter = res('10m', '32Mi', '100m', '64Mi');
    const sentinel = res('20m', '32Mi', '100m', '64Mi');
    const objects = [
      obj('redis.redis.opstreelabs.in/v1beta2', 'RedisReplication', 'redis-replication', {
        clusterSize: 3,
        kubernetesConfig: { image: 'redis:7', resources: server },
        redisExporter: { enabled: true, image: 'exporter:1', resources: exporter },
      }),
      obj('redis.redis.opstreelabs.in/v1beta2', 'RedisSentinel', 'redis-sentinel', { clusterSize: 3, kubernetesConfig: { image: 'sentinel:7', resources: sentinel } }),
    ];
    expect(derive(objects)).toEqual([
      { kind: WorkloadKind.StatefulSet, name: 'redis-replication', namespace: 'team', replicas: 3, containers: [{ name: 'redis', ...server }, { name: 'redis-exporter', ...exporter }] },
      { kind: WorkloadKind.StatefulSet, name: 'redis-sentinel-sentinel', namespace: 'team', replicas: 3, containers: [{ name: 'sentinel', ...sentinel }] },
    ]);
  });

  it('sizes the config-reloader of a Prometheus from the operator\'s flags among the same objects', () => {
    const operator = deployment('operator', {
      template: podTemplate([{ ...app('operator'), args: ['--prometheus-config-reloader=quay.io/x:1', '--config-reloader-cpu-request=10m', '--config-reloader-cpu-limit=50m', '--config-reloader-memory-request=32Mi', '--config-reloader-memory-limit=64Mi'] }]),
    });
    const prometheus = obj('monitoring.coreos.com/v1', 'Prometheus', 'main', { replicas: 2, resources: res('500m', '2Gi', '2', '4Gi') });
    expect(derive([operator, prometheus]).find((w) => w.kind === WorkloadKind.StatefulSet)).toEqual({
      kind: WorkloadKind.StatefulSet,
      name: 'prometheus-main',
      namespace: 'team',
      replicas: 2,
      containers: [{ name: 'prometheus', ...res('500m', '2Gi', '2', '4Gi') }, { name: 'config-reloader', ...res('10m', '32Mi', '50m', '64Mi') }],
    });
  });

  it('counts the Tekton Pipelines Deployments a TektonConfig sizes, in its target namespace', () => {
    const controller = res('30m', '64Mi', '500m', '512Mi');
    const config = obj('operator.tekton.dev/v1alpha1', 'TektonConfig', 'config', {
      targetNamespace: 'ci',
      pipeline: {
        performance: { replicas: 2 },
        options: { deployments: { 'tekton-pipelines-controller': { spec: { template: { spec: { containers: [{ name: 'tekton-pipelines-controller', resources: controller }] } } } } } },
      },
      trigger: { disabled: true, options: { deployments: { 'tekton-triggers-controller': { spec: { template: { spec: { containers: [{ name: 'c', resources: APP }] } } } } } } },
    }, {}, null);
    expect(derive([config])).toEqual([
      { kind: WorkloadKind.Deployment, name: 'tekton-pipelines-controller', namespace: 'ci', replicas: 2, containers: [{ name: 'tekton-pipelines-controller', ...controller }] },
    ]);
  });

  it('counts a Pipeline\'s concurrent runs as its largest Task pod and an affinity assistant per run', () => {
    const small = res('10m', '32Mi', '200m', '128Mi');
    const big = res('500m', '1Gi', '2', '3Gi');
    const task = (name: string, steps: object[]) => obj('tekton.dev/v1', 'Task', name, { steps });
    const objects = [
      task('clone', [{ name: 'clone', image: 'git:1', computeResources: small }]),
      task('build', [{ name: 'build', image: 'kaniko:1', computeResources: big }, { name: 'url', image: 'git:1', computeResources: small }]),
      obj('tekton.dev/v1', 'Pipeline', 'ci', {
        workspaces: [{ name: 'source' }],
        tasks: [{ name: 'clone', taskRef: { name: 'clone' } }, { name: 'build', taskRef: { name: 'build' }, runAfter: ['clone'] }],
      }),
    ];
    const limitRange = obj('v1', 'LimitRange', 'defaults', { limits: [{ type: 'Container', default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '50m', memory: '64Mi' } }] });
    const ctx: WorkloadContext = { defaultNamespace: 'team', concurrentPipelineRuns: 2, containerDefaults: containerDefaults([limitRange]) };
    expect(derive(objects, ctx)).toEqual([
      { kind: WorkloadKind.Job, name: 'ci-affinity-assistant', namespace: 'team', replicas: 2, containers: [{ name: 'affinity-assistant', ...res('50m', '64Mi', '500m', '512Mi') }] },
      { kind: WorkloadKind.Job, name: 'ci-task-pod', namespace: 'team', replicas: 2, containers: [{ name: 'step-build', ...big }, { name: 'step-url', ...small }] },
    ]);
  });

  it('takes the concurrent runs of a Pipeline from its annotation under the label domain, and reports one that is not a whole number', () => {
    const task = obj('tekton.dev/v1', 'Task', 'build', { steps: [{ name: 'build', image: 'kaniko:1', computeResources: APP }] });
    const pipeline = (runs: string, key = LABEL_DOMAIN.concurrentRuns) => obj('tekton.dev/v1', 'Pipeline', 'ci', { tasks: [{ name: 'build', taskRef: { name: 'build' } }] }, { annotations: { [key]: runs } });
    const derive = (p: K8sObject) => deriveWorkloads([task, p], { defaultNamespace: 'team', concurrentPipelineRuns: 2, labelDomain: LABEL_DOMAIN });
    expect(derive(pipeline('3')).workloads.map((w) => [w.name, w.replicas])).toEqual([['ci-task-pod', 3]]);
    expect(derive(pipeline('3')).warnings).toEqual([]);
    // Another domain's annotation is not ours.
    expect(derive(pipeline('3', LabelDomain.of('other.example.org').concurrentRuns)).workloads.map((w) => w.replicas)).toEqual([2]);
    expect(derive(pipeline('zero')).workloads.map((w) => w.replicas)).toEqual([2]);
    expect(derive(pipeline('zero')).warnings).toEqual([{ object: 'Pipeline team/ci', message: expect.stringContaining(`${LABEL_DOMAIN.concurrentRuns} "zero", not a whole number of at least 1`) }]);
  });
});

describe('environmentWorkloads: one component in the context of the whole environment', () => {
  const ns = (name: string, labels: Record<string, string>): K8sObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  const limitRange = obj('v1', 'LimitRange', 'defaults', { limits: [{ type: 'Container', default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '50m', memory: '64Mi' } }] }, {}, 'mesh');
  const injector: K8sObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'istio-sidecar-injector', namespace: 'istio-system' },
    data: { values: JSON.stringify({ global: { proxy: { resources: PROXY_DEFAULT } } }) },
  };
  const objects = new Map<string, K8sObject[]>([
    // The namespace, its label and its LimitRange come from one component, istiod's defaults from another.
    ['base', [ns('mesh', { 'istio-injection': 'enabled' }), limitRange]],
    ['istiod', [injector]],
    ['web', [deployment('web', { template: podTemplate([app('web'), app('helper', null)]) }, {}, null)]],
  ]);
  const components = [{ id: 'base', namespace: 'kube-system' }, { id: 'istiod', namespace: 'istio-system' }, { id: 'web', namespace: 'mesh' }];

  it('adds the sidecar and the LimitRange defaults that other components\' objects decide, in the destination namespace', () => {
    expect(componentWorkloads({ env: { labelDomain: LABEL_DOMAIN }, components, objects }, 'web').map(plain)).toEqual([
      {
        kind: WorkloadKind.Deployment,
        name: 'web',
        namespace: 'mesh',
        replicas: 1,
        containers: [{ name: 'web', ...APP }, { name: 'helper', ...res('50m', '64Mi', '500m', '512Mi') }, { name: 'istio-proxy', ...PROXY_DEFAULT }],
      },
    ]);
  });

  it('derives every component it is given, keeps the warnings with their component, and names a component without objects', () => {
    const derived = environmentWorkloads(components, objects, LABEL_DOMAIN);
    expect([...derived.keys()]).toEqual(['base', 'istiod', 'web']);
    expect(derived.get('base')!.workloads).toEqual([]);
    expect(derived.get('web')!.warnings.map((w) => w.object)).toEqual(['Deployment mesh/web']);
    expect(() => environmentWorkloads([{ id: 'ghost', namespace: 'x' }], objects, LABEL_DOMAIN)).toThrow('no rendered objects for component ghost');
  });
});

describe('workloadsFromObjects: Istio sidecars', () => {
  const pod = (name: string, meta: { labels?: object; annotations?: object } = {}, extra: object = {}, namespace = 'mesh') =>
    deployment(name, { template: podTemplate([app(name)], meta, extra) }, {}, namespace);
  const proxyOf = (w: ReturnType<typeof plain>) => w.containers.find((c) => c.name === 'istio-proxy');

  it('adds an istio-proxy with istiod\'s default resources to a pod in an injected namespace', () => {
    const [w] = derive([pod('web')], sidecarCtx(['mesh']));
    expect(w.containers).toEqual([{ name: 'web', ...APP }, { name: 'istio-proxy', ...PROXY_DEFAULT }]);
  });

  it('adds no sidecar to a pod that opts out with the label or the annotation, or runs on the host network', () => {
    const objects = [
      pod('label', { labels: { 'sidecar.istio.io/inject': 'false' } }),
      pod('annotation', { annotations: { 'sidecar.istio.io/inject': 'false' } }),
      pod('host', {}, { hostNetwork: true }),
    ];
    expect(derive(objects, sidecarCtx(['mesh'])).map((w) => [w.name, proxyOf(w)])).toEqual([
      ['annotation', undefined],
      ['host', undefined],
      ['label', undefined],
    ]);
  });

  it('adds a sidecar outside the injected namespaces only to a pod whose label opts in', () => {
    const objects = [
      pod('opted-in', { labels: { 'sidecar.istio.io/inject': 'true' } }, {}, 'plain'),
      pod('annotated', { annotations: { 'sidecar.istio.io/inject': 'true' } }, {}, 'plain'),
      pod('untouched', {}, {}, 'plain'),
    ];
    expect(derive(objects, sidecarCtx(['mesh'])).map((w) => [w.name, proxyOf(w) !== undefined])).toEqual([
      ['annotated', false],
      ['opted-in', true],
      ['untouched', false],
    ]);
  });

  it('sizes the sidecar from the pod\'s proxy annotations, and only from them once one is set', () => {
    const annotated = pod('web', {
      annotations: { 'sidecar.istio.io/proxyCPU': '30m', 'sidecar.istio.io/proxyMemory': '64Mi', 'sidecar.istio.io/proxyCPULimit': '500m', 'sidecar.istio.io/proxyMemoryLimit': '256Mi' },
    });
    const partial = pod('partial', { annotations: { 'sidecar.istio.io/proxyCPU': '30m' } });
    const { workloads, warnings } = deriveWorkloads([annotated, partial], sidecarCtx(['mesh']));
    const [p, w] = workloads.map(plain);
    expect(proxyOf(w)).toEqual({ name: 'istio-proxy', ...res('30m', '64Mi', '500m', '256Mi') });
    expect(proxyOf(p)).toEqual({ name: 'istio-proxy', ...res('30m', '0Gi', '30m', '0Gi') });
    expect(warnings.map((x) => x.object)).toEqual(['Deployment mesh/partial']);
  });

  it('finds the injected namespaces from the istio-injection label of the Namespace objects', () => {
    const ns = (name: string, labels: Record<string, string>): K8sObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
    expect([...injectedNamespaces([ns('apps', { 'istio-injection': 'enabled' }), ns('data', {}), ns('off', { 'istio-injection': 'disabled' })])]).toEqual(['apps']);
  });

  it('reads istiod\'s default sidecar resources from the rendered sidecar injector ConfigMap', () => {
    const cm: K8sObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'istio-sidecar-injector', namespace: 'istio-system' },
      data: { values: JSON.stringify({ global: { proxy: { resources: res('30m', '64Mi', '500m', '256Mi') } } }), config: '' },
    };
    expect(istioProxyResources([cm])?.toK8s()).toEqual(res('30m', '64Mi', '500m', '256Mi'));
    expect(istioProxyResources([])).toBeUndefined();
  });
});
