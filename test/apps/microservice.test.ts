/**
 * The Microservice construct, built from minimal typed props (./support.ts `serviceProps`). What
 * only the whole platform decides (waves, routes in Emissary's namespace, delivered credentials,
 * the injected sidecar, a service added by config) is test/workflows/apps.test.ts.
 */
import { checkCanaryTiming, microserviceComponent, DEFAULTS, podStartBound, podStartSettings, ServiceSpec, TierPolicy } from '../../apps';
import { POD_START_FACTS } from '../../apps/canary';
import { externalSecretsConfigComponent } from '../../charts/external-secrets-config';
import { openbaoEndpoints } from '../../charts/openbao';
import { TIER_DEFAULTS } from '../../config/defaults';
import { Duration } from '../../lib/duration';
import { RECOVERY_TARGETS } from '../../lib/rollout';
import { Resources } from '../../lib/resources';
import { ENDPOINTS } from '../../workflows/endpoints';
import { NS } from '../../workflows/namespaces';
import { fixtureEnvironment } from '../support';
import { find, objects, serviceObjects, serviceProps, serviceSpec, SIZING, TIERS } from './support';

// The Redis tests below still read the fixture platform; everything else builds services from props.
const prod = fixtureEnvironment('prod');

/** Services built from props, one of each shape: public and internal, with and without stores and peers. */
const GATEWAY = serviceSpec('gateway-api', { public: true, calls: ['orders', 'catalog', 'users'] });
const ORDERS = serviceSpec('orders', {
  database: true,
  redis: true,
  calls: ['payments', 'catalog'],
  kafka: { produces: ['orders.created', 'orders.cancelled'], consumes: ['payments.settled'] },
});
const PAYMENTS = serviceSpec('payments', {
  image: 'ghcr.io/acme/payments:3.1.4@sha256:aa096e18310387bef90bd0f1ad231e9b2ec4132a13a58913c3e9338ebe79e0de',
  database: true,
  kafka: { produces: ['payments.settled'], consumes: ['orders.created'] },
});
const CATALOG = serviceSpec('catalog', { database: true, redis: true });
const USERS = serviceSpec('users', { database: true, kafka: { produces: [], consumes: ['orders.created'] } });
const ALL = [GATEWAY, ORDERS, PAYMENTS, CATALOG, USERS];

/** A PEM-shaped stand-in for OpenBao's CA certificate (the chart checks the shape only). */
const TEST_CA = '-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n';

describe('sizing', () => {
  const objs = serviceObjects(serviceProps(ORDERS));

  it('lets the HPA scale between the sizing minimum and maximum, requests the sized resources, and keeps the replica count out of git', () => {
    const hpa = find(objs, 'HorizontalPodAutoscaler', 'orders');
    expect(hpa.spec.minReplicas).toBe(SIZING.minReplicas);
    expect(hpa.spec.maxReplicas).toBe(SIZING.maxReplicas);
    const rollout = find(objs, 'Rollout', 'orders');
    expect(rollout.spec.replicas).toBeUndefined();
    expect(objs.some((o) => o.kind === 'Deployment')).toBe(false);
    const app = rollout.spec.template.spec.containers[0];
    expect(app.resources).toEqual({ requests: { cpu: '300m', memory: '512Mi' }, limits: { cpu: '600m', memory: '1Gi' } });
  });

  it.each([
    ['prod', 3, '300m', '512Mi'],
    ['staging', 3, '300m', '512Mi'],
    ['dev', 1, '100m', '128Mi'],
  ] as const)('the %s tier sizes services as the seed: at least %i replicas of %s/%s, and room to scale', (tier, min, cpu, memory) => {
    const services = TIER_DEFAULTS[tier].services;
    expect(services.minReplicas).toBe(min);
    expect(services.maxReplicas).toBeGreaterThan(min);
    expect(services.resources.requests).toEqual({ cpu, memory });
    expect(services.resources.limits.cpu).toBeTruthy();
    expect(services.resources.limits.memory).toBeTruthy();
  });

  it('scales on the app container CPU at the seed 70% and targets the Rollout', () => {
    const hpa = find(objs, 'HorizontalPodAutoscaler', 'orders');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'orders' });
    expect(hpa.spec.metrics).toEqual([
      { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'orders', target: { type: 'Utilization', averageUtilization: 70 } } },
    ]);
  });

  it("sizes the sidecar istiod injects with the pod's annotations", () => {
    const annotations = find(objs, 'Rollout', 'orders').spec.template.metadata.annotations;
    expect(annotations).toMatchObject({
      'sidecar.istio.io/proxyCPU': '30m',
      'sidecar.istio.io/proxyMemory': '64Mi',
      'sidecar.istio.io/proxyCPULimit': '500m',
      'sidecar.istio.io/proxyMemoryLimit': '256Mi',
    });
    const custom = serviceObjects(serviceProps(ORDERS, { sidecarResources: Resources.of({ cpu: '50m', memory: '96Mi' }, { cpu: '1', memory: '512Mi' }) }));
    expect(find(custom, 'Rollout').spec.template.metadata.annotations).toMatchObject({ 'sidecar.istio.io/proxyCPU': '50m', 'sidecar.istio.io/proxyMemory': '96Mi' });
  });
});

describe('pod hardening', () => {
  const objs = serviceObjects(serviceProps(PAYMENTS));
  const rollout = find(objs, 'Rollout', 'payments');
  const pod = rollout.spec.template.spec;
  const app = pod.containers[0];

  it('meets the restricted Pod Security Standard with a read-only root filesystem and a writable /tmp', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(app.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    // /tmp is the one writable path; the CA certificates are read-only Secret volumes.
    expect(app.volumeMounts[0]).toEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(app.volumeMounts.slice(1).every((m: any) => m.readOnly === true)).toBe(true);
    expect(pod.volumes[0]).toMatchObject({ name: 'tmp', emptyDir: {} });
  });

  it('runs as its own ServiceAccount without a token, at the workload priority', () => {
    const sa = find(objs, 'ServiceAccount', 'payments');
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('payments');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.priorityClassName).toBe('workload');
  });

  it('probes readiness, liveness and startup on the configured health path', () => {
    for (const probe of [app.readinessProbe, app.livenessProbe, app.startupProbe]) {
      expect(probe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    }
    const custom = serviceObjects(serviceProps({ ...USERS, healthPath: '/ready' }));
    expect(find(custom, 'Rollout').spec.template.spec.containers[0].readinessProbe.httpGet.path).toBe('/ready');
  });

  it('labels pods with the service name and selects without the version', () => {
    expect(rollout.spec.template.metadata.labels['app.kubernetes.io/name']).toBe('payments');
    expect(rollout.spec.template.metadata.labels['app.kubernetes.io/version']).toBe('3.1.4');
    expect(rollout.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/instance': 'payments', 'app.kubernetes.io/name': 'payments' });
  });

  it.each([
    ['prod', 'DoNotSchedule'],
    ['staging', 'ScheduleAnyway'],
  ] as const)('the %s tier spreads pods across zones (%s); dev does not', (tier, when) => {
    const spread = find(serviceObjects(serviceProps(PAYMENTS, { tierPolicy: TIERS[tier] })), 'Rollout').spec.template.spec.topologySpreadConstraints;
    expect(spread.find((c: any) => c.topologyKey === 'topology.kubernetes.io/zone').whenUnsatisfiable).toBe(when);
    expect(find(serviceObjects(serviceProps(PAYMENTS, { tierPolicy: TIERS.dev })), 'Rollout').spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  it('keeps one pod of each version available through voluntary disruptions', () => {
    const pdb = find(objs, 'PodDisruptionBudget', 'payments');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(rollout.spec.selector.matchLabels);
  });
});

describe('public services', () => {
  // The route itself is a Mapping in Emissary's namespace (emissary-config): test/workflows/apps.test.ts.
  it("render no Mapping in the services' own Applications, public or not", () => {
    for (const service of [GATEWAY, ORDERS]) expect(serviceObjects(serviceProps(service)).filter((o) => o.kind === 'Mapping')).toEqual([]);
  });
});

describe('metrics through the sidecar', () => {
  const objs = serviceObjects(serviceProps(CATALOG));

  it('scrapes Istio merged metrics on 15020 with a PodMonitor and lets the app metrics merge in', () => {
    const pm = find(objs, 'PodMonitor', 'catalog');
    const ep = pm.spec.podMetricsEndpoints[0];
    expect(ep.path).toBe('/stats/prometheus');
    expect(ep.relabelings.find((r: any) => r.targetLabel === '__address__').replacement).toBe('$1:15020');
    expect(pm.spec.selector.matchLabels['app.kubernetes.io/name']).toBe('catalog');
    const annotations = find(objs, 'Rollout').spec.template.metadata.annotations;
    expect(annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics' });
  });

  it('lets the monitoring namespace reach 15020', () => {
    const np = find(objs, 'NetworkPolicy', 'catalog');
    expect(np.spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NS.observability } } }],
      ports: [{ protocol: 'TCP', port: 15020 }],
    });
  });
});

describe('network rules from declared dependencies', () => {
  const ingressFromPods = (np: any) => np.spec.ingress.flatMap((r: any) => r.from.flatMap((f: any) => f.podSelector?.matchExpressions?.[0]?.values ?? []));
  const egressToPods = (np: any) => np.spec.egress.flatMap((r: any) => r.to.map((t: any) => t.podSelector?.matchLabels?.['app.kubernetes.io/name']).filter(Boolean));
  const egressNamespacePorts = (np: any, ns: string) =>
    np.spec.egress.filter((r: any) => r.to.some((t: any) => t.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === ns)).flatMap((r: any) => r.ports.map((p: any) => p.port));

  const peers = (services: readonly ServiceSpec[]) => services.map((s) => ({ name: s.name, port: s.port }));

  it('admits exactly the declared callers and reaches exactly the declared callees', () => {
    const catalog = find(serviceObjects(serviceProps(CATALOG, { callers: ['gateway-api', 'orders'] })), 'NetworkPolicy');
    expect(ingressFromPods(catalog).sort()).toEqual(['gateway-api', 'orders']);
    expect(egressToPods(catalog)).toEqual([]);
    const orders = find(serviceObjects(serviceProps(ORDERS, { callers: ['gateway-api'], callees: peers([PAYMENTS, CATALOG]) })), 'NetworkPolicy');
    expect(egressToPods(orders)).toEqual(['catalog', 'payments']);
    expect(ingressFromPods(orders)).toEqual(['gateway-api']);
  });

  it('admits the ingress gateway only to public services', () => {
    const fromEmissary = (np: any) => np.spec.ingress.some((r: any) => r.from.some((f: any) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === NS.emissary));
    expect(fromEmissary(find(serviceObjects(serviceProps(GATEWAY)), 'NetworkPolicy'))).toBe(true);
    expect(fromEmissary(find(serviceObjects(serviceProps(ORDERS)), 'NetworkPolicy'))).toBe(false);
  });

  it('opens a callee on its own port to its callers', () => {
    const reviews = serviceSpec('reviews', { port: 9000 });
    const np = find(serviceObjects(serviceProps(reviews, { callers: ['gateway-api'] })), 'NetworkPolicy');
    expect(np.spec.ingress.find((r: any) => r.from[0].podSelector)).toEqual({
      from: [{ podSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['gateway-api'] }] } }],
      ports: [{ protocol: 'TCP', port: 9000 }],
    });
    const gateway = serviceObjects(serviceProps(GATEWAY, { callees: peers([reviews]) }));
    expect(find(gateway, 'NetworkPolicy').spec.egress).toContainEqual({
      to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'reviews' } } }],
      ports: [{ protocol: 'TCP', port: 9000 }],
    });
    expect(find(gateway, 'Rollout').spec.template.spec.containers[0].env).toContainEqual({ name: 'REVIEWS_URL', value: 'http://reviews.apps.svc.cluster.local:9000' });
  });

  it('opens Postgres, Redis and Kafka only to the services that use them, plus istiod and the collector to all', () => {
    const orders = find(objects(prod, 'orders'), 'NetworkPolicy');
    expect(egressNamespacePorts(orders, NS.data).sort()).toEqual([5432, 6379, 9093]);
    const payments = find(objects(prod, 'payments'), 'NetworkPolicy');
    expect(egressNamespacePorts(payments, NS.data).sort()).toEqual([5432, 9093]);
    const gateway = find(objects(prod, 'gateway-api'), 'NetworkPolicy');
    expect(egressNamespacePorts(gateway, NS.data)).toEqual([]);
    for (const np of [orders, payments, gateway]) {
      expect(egressNamespacePorts(np, NS.istioSystem)).toEqual([15012]);
      expect(egressNamespacePorts(np, NS.observability)).toEqual([4317, 4318]);
    }
  });
});

describe('connection settings are Secret references, never credentials', () => {
  it('declares one ExternalSecret-backed Secret per store the service uses, none bootstrapped', () => {
    const orders = microserviceComponent(serviceProps(ORDERS));
    expect(orders.secrets).toEqual([
      {
        namespace: NS.apps,
        name: 'orders-postgres',
        data: { username: { path: 'data/postgres/orders', property: 'username' }, password: { path: 'data/postgres/orders', property: 'password' } },
        purpose: expect.any(String),
      },
      // Its own ACL user's password, not the shared default user's (data/redis).
      { namespace: NS.apps, name: 'orders-redis', data: { password: { path: 'data/redis/users/orders', property: 'password' } }, purpose: expect.any(String) },
    ]);
    expect(microserviceComponent(serviceProps(GATEWAY)).secrets).toEqual([]);
    // The platform makes a service with such Secrets wait for external-secrets-config: test/workflows/apps.test.ts.
  });

  it('renders no Secret and reads every credential from a secretKeyRef', () => {
    for (const service of ALL) {
      const name = service.name;
      const objs = serviceObjects(serviceProps(service));
      expect(objs.some((o) => o.kind === 'Secret')).toBe(false);
      const env = find(objs, 'Rollout').spec.template.spec.containers[0].env as any[];
      for (const e of env.filter((x) => /(PASSWORD|USER|TOKEN|SECRET)$/.test(x.name))) {
        expect(e.value).toBeUndefined();
        expect(e.valueFrom.secretKeyRef.name).toMatch(new RegExp(`^${name}-(postgres|redis|kafka)$`));
      }
    }
  });

  it('hands the data endpoints, topics and OpenTelemetry settings in the environment', () => {
    const env = Object.fromEntries(
      (find(serviceObjects(serviceProps(ORDERS)), 'Rollout').spec.template.spec.containers[0].env as any[]).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]),
    );
    expect(env).toMatchObject({
      PGHOST: ENDPOINTS.postgresRw,
      PGPORT: '5432',
      PGDATABASE: 'orders',
      REDIS_HOST: ENDPOINTS.redis,
      REDIS_USERNAME: 'orders',
      REDIS_KEY_PREFIX: 'orders:',
      KAFKA_BOOTSTRAP_SERVERS: ENDPOINTS.kafkaBootstrap,
      KAFKA_PRODUCES: 'orders.created,orders.cancelled',
      KAFKA_CONSUMES: 'payments.settled',
      OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINTS.otlpHttp,
      OTEL_SERVICE_NAME: 'orders',
    });
    expect(env.OTEL_RESOURCE_ATTRIBUTES).toContain('deployment.environment=prod');
  });
});

describe('images from a private registry', () => {
  // Delivering the Secret (external-secrets-config's ExternalSecret, the runbook, the wave) is the
  // platform's: test/workflows/apps.test.ts.
  const CREDENTIALS = { openbaoPath: 'registry/ghcr', property: 'dockerconfigjson' };
  const privateGateway = { ...GATEWAY, registryCredentials: CREDENTIALS };
  const pullSecretsOf = (service: ServiceSpec) => find(serviceObjects(serviceProps(service)), 'ServiceAccount', service.name).imagePullSecrets;

  it('without registryCredentials, renders no pull secret and no imagePullSecrets', () => {
    for (const service of ALL) {
      expect(pullSecretsOf(service)).toBeUndefined();
      expect((microserviceComponent(serviceProps(service)).secrets ?? []).some((r) => r.type === 'kubernetes.io/dockerconfigjson')).toBe(false);
    }
  });

  it('declares the Docker config JSON from OpenBao as a dockerconfigjson Secret of the service', () => {
    const requirement = microserviceComponent(serviceProps(privateGateway)).secrets!.find((r) => r.name === 'gateway-api-registry')!;
    expect(requirement).toEqual({
      namespace: 'apps',
      name: 'gateway-api-registry',
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': { path: 'registry/ghcr', property: 'dockerconfigjson' } },
      purpose: expect.any(String),
    });
  });

  it("lists it in the service's ServiceAccount, which the pods run as", () => {
    expect(pullSecretsOf(privateGateway)).toEqual([{ name: 'gateway-api-registry' }]);
    expect(find(serviceObjects(serviceProps(privateGateway)), 'Rollout').spec.template.spec.serviceAccountName).toBe('gateway-api');
  });

  it('refuses a dockerconfigjson Secret whose data key is not .dockerconfigjson', () => {
    const requirement = microserviceComponent(serviceProps(privateGateway)).secrets!.find((r) => r.name === 'gateway-api-registry')!;
    expect(requirement.type).toBe('kubernetes.io/dockerconfigjson');
    expect(() =>
      externalSecretsConfigComponent({
        namespace: 'external-secrets',
        openbao: { server: openbaoEndpoints('security').api, kvMount: 'secret', kubernetesAuthMount: 'kubernetes', audience: 'openbao', caCertificate: TEST_CA },
        requirements: [{ ...requirement, data: { config: requirement.data['.dockerconfigjson'] } }],
        refreshInterval: Duration.hours(1),
      }),
    ).toThrow('external-secrets-config: Secret apps/gateway-api-registry of type kubernetes.io/dockerconfigjson has data keys config; that type takes exactly .dockerconfigjson');
  });
});

describe('canary releases with automatic rollback', () => {
  const objs = serviceObjects(serviceProps(ORDERS));
  const rollout = find(objs, 'Rollout', 'orders');
  const template = find(objs, 'AnalysisTemplate', 'orders');

  it('steps the canary up with background analysis on the canary pods and aborts on no progress', () => {
    const canary = rollout.spec.strategy.canary;
    expect(canary.steps.filter((s: any) => s.setWeight).map((s: any) => s.setWeight)).toEqual([20, 50]);
    expect(canary.analysis.templates).toEqual([{ templateName: template.metadata.name }]);
    expect(canary.analysis.args).toEqual([{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } }]);
    expect(rollout.spec.progressDeadlineAbort).toBe(true);
  });

  it('measures error rate and latency from Istio metrics in Prometheus', () => {
    const byName = Object.fromEntries(template.spec.metrics.map((m: any) => [m.name, m]));
    expect(byName['error-rate'].provider.prometheus.query).toContain('istio_requests_total');
    expect(byName['p95-latency'].provider.prometheus.query).toContain('istio_request_duration_milliseconds_bucket');
    for (const m of template.spec.metrics) {
      expect(m.provider.prometheus.address).toBe(ENDPOINTS.prometheus);
      expect(m.provider.prometheus.query).toContain('rollouts_pod_template_hash="{{args.canary-hash}}"');
      expect(m.provider.prometheus.query).toContain('destination_service_name="orders"');
    }
    // The label the queries filter on is the one the PodMonitor copies from the pods.
    const pm = find(objs, 'PodMonitor');
    expect(pm.spec.podMetricsEndpoints[0].relabelings).toContainEqual({
      sourceLabels: ['__meta_kubernetes_pod_label_rollouts_pod_template_hash'],
      targetLabel: 'rollouts_pod_template_hash',
      action: 'replace',
    });
  });

  it("gives a canary pod the guide's node scale-up, the image pull, the sidecar, the startup probe and availability before the progress deadline aborts it", () => {
    const pod = rollout.spec.template.spec;
    const app = pod.containers[0];
    // Every term read back from the rendered Rollout, except the two stated assumptions.
    const startupProbe = app.startupProbe.periodSeconds * app.startupProbe.failureThreshold;
    const needed =
      RECOVERY_TARGETS.nodeScaleUp.totalSeconds +
      POD_START_FACTS.imagePull.time.totalSeconds +
      POD_START_FACTS.sidecarStart.time.totalSeconds +
      startupProbe +
      app.readinessProbe.periodSeconds +
      rollout.spec.minReadySeconds;
    expect(RECOVERY_TARGETS.nodeScaleUp.totalSeconds).toBe(180);
    expect(needed).toBe(180 + 30 + 10 + 60 + 10 + 10);
    expect(rollout.spec.progressDeadlineSeconds).toBeGreaterThanOrEqual(needed);
    expect(rollout.spec.progressDeadlineAbort).toBe(true);
    for (const t of Object.values(POD_START_FACTS)) expect(t.source).toMatch(/guide|assumed/);
  });

  it('rolls a failing canary back within the guide five minutes; a canary that never starts is aborted after them, unseen and without taking capacity', () => {
    const c = DEFAULTS.canary;
    const bounds = checkCanaryTiming('orders', c, DEFAULTS.startup);
    // The stable pod coming back: image pull + sidecar + startup probe + readiness, no node.
    const stableStart = 30 + 10 + 60 + 10;
    expect(bounds.failingCanary.totalSeconds).toBe(60 + 3 * 30 + stableStart);
    expect(bounds.failingCanary.totalSeconds).toBeLessThan(RECOVERY_TARGETS.rollback.totalSeconds);
    // What gives: the deadline must outlast a node scale-up, so this path exceeds five minutes.
    expect(bounds.stuckCanary.totalSeconds).toBe(rollout.spec.progressDeadlineSeconds + stableStart);
    expect(bounds.stuckCanary.totalSeconds).toBeGreaterThan(RECOVERY_TARGETS.rollback.totalSeconds);
    // Unseen: an unready canary gets no traffic and the stable version keeps every replica until it is available.
    expect(rollout.spec.strategy.canary.maxUnavailable).toBe(0);
    const metric = template.spec.metrics[0];
    expect(metric.interval).toBe(c.interval.toString());
    expect(metric.failureLimit).toBe(c.failureLimit);
    expect(rollout.spec.progressDeadlineSeconds).toBe(c.progressDeadline.totalSeconds);
    expect(c.progressDeadline.totalSeconds).toBe(podStartBound(podStartSettings(DEFAULTS.startup), { nodeScaleUp: true, untilAvailable: true }).total.totalSeconds);
  });
});

describe('bad input fails with a clear message', () => {
  const service = GATEWAY;
  const base = serviceProps(service, {
    environment: 'dev',
    sizing: { minReplicas: 1, maxReplicas: 2, resources: Resources.of({ cpu: '100m', memory: '128Mi' }, { cpu: '200m', memory: '256Mi' }) },
    tierPolicy: TIERS.dev,
  });
  const render = serviceObjects;

  it('spreads replicas over zones by the tier policy: required with a node group per zone, preferred without, none in dev; always per version and preferred per node', () => {
    const spreadOf = (tierPolicy: TierPolicy) => find(render({ ...base, tierPolicy }), 'Rollout').spec.template.spec.topologySpreadConstraints;
    const prod = spreadOf(TierPolicy.of({ tier: 'prod', highAvailability: true, nodeGroupPerZone: true }));
    expect(prod.map((c: any) => [c.topologyKey, c.whenUnsatisfiable])).toEqual([
      ['topology.kubernetes.io/zone', 'DoNotSchedule'],
      ['kubernetes.io/hostname', 'ScheduleAnyway'],
    ]);
    for (const c of prod) expect(c.matchLabelKeys).toEqual(['rollouts-pod-template-hash']);
    expect(prod[0].labelSelector.matchLabels).toEqual({ 'app.kubernetes.io/instance': 'gateway-api', 'app.kubernetes.io/name': 'gateway-api' });
    const staging = spreadOf(TierPolicy.of({ tier: 'staging', highAvailability: true, nodeGroupPerZone: false }));
    expect(staging[0].whenUnsatisfiable).toBe('ScheduleAnyway');
    expect(spreadOf(base.tierPolicy)).toBeUndefined();
  });

  it('names a platform variable a service tries to override', () => {
    expect(() => render({ ...base, service: { ...service, env: { OTEL_SERVICE_NAME: 'x' } } })).toThrow(
      'service gateway-api: env OTEL_SERVICE_NAME is set by the platform',
    );
  });

  it('names a maximum below the minimum', () => {
    expect(() => render({ ...base, sizing: { ...base.sizing, minReplicas: 3, maxReplicas: 2 } })).toThrow('maxReplicas 2 is below minReplicas 3');
  });

  it('refuses canary settings whose rollback would exceed five minutes', () => {
    expect(() => microserviceComponent({ ...base, canary: { ...DEFAULTS.canary, failureLimit: 10 } })).toThrow(/failing canary could take 500 s to roll back, over the 300 s budget/);
    expect(() => render({ ...base, canary: { ...DEFAULTS.canary, interval: Duration.seconds(0) } })).toThrow('canary.interval is "0s"');
  });

  it('refuses a progress deadline shorter than a canary pod start with a node scale-up, naming the terms', () => {
    expect(() => microserviceComponent({ ...base, canary: { ...DEFAULTS.canary, progressDeadline: Duration.seconds(150) } })).toThrow(
      'service gateway-api: canary.progressDeadline 150 s is shorter than the slowest legitimate canary pod start, 300 s (node scale-up 180 s + image pull 30 s + sidecar start 10 s + startup probe 60 s + readiness 10 s + minReadySeconds 10 s)',
    );
    // A longer startup probe needs a longer deadline too.
    expect(() => microserviceComponent({ ...base, startup: { periodSeconds: 5, failureThreshold: 24 } })).toThrow(/progressDeadline 300 s is shorter .* 360 s/);
  });
});
