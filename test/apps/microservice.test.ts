import { checkCanaryTiming, microserviceComponent, DEFAULTS, podStartBound, podStartSettings, TierPolicy } from '../../apps';
import { POD_START_FACTS } from '../../apps/canary';
import { externalSecretsConfigComponent } from '../../charts/external-secrets-config';
import { openbaoEndpoints } from '../../charts/openbao';
import { Duration } from '../../lib/duration';
import { RECOVERY_TARGETS } from '../../lib/rollout';
import { Workflow } from '../../lib/component';
import { Cpu, Memory, podTotal, Resources } from '../../lib/resources';
import { componentWorkloads } from '../../lib/workloads';
import { WIRING } from '../../workflows/apps';
import { ENDPOINTS } from '../../workflows/endpoints';
import { NS } from '../../workflows/namespaces';
import { component, ENVIRONMENTS, hydratedFixture, fixtureConfig, fixtureEnvironment } from '../support';
import { find, objects, unsyncedObjects, withServices } from './support';

const SERVICES = ['gateway-api', 'orders', 'payments', 'catalog', 'users'];
const prod = fixtureEnvironment('prod');

describe('one Application per service, after the whole platform', () => {
  it.each(ENVIRONMENTS)('%s: every configured service is a component of the apps workflow in the services namespace', (env) => {
    const model = fixtureEnvironment(env);
    for (const name of SERVICES) {
      const c = component(model, name);
      expect(c.workflow).toBe(Workflow.Apps);
      expect(c.namespace).toBe(NS.apps);
    }
  });

  it('puts every service in a later wave than every platform component', () => {
    const waves = prod.graph.waves;
    const platform = prod.components.filter((c) => c.workflow !== Workflow.Apps).map((c) => waves.get(c.id)!);
    for (const name of SERVICES) expect(waves.get(name)!).toBeGreaterThan(Math.max(...platform));
  });
});

describe('sizing per environment (seed: prod 3 replicas × 300m/512Mi, staging the same, dev one smaller replica)', () => {
  it.each([
    ['prod', 3, '300m', '512Mi'],
    ['staging', 3, '300m', '512Mi'],
    ['dev', 1, '100m', '128Mi'],
  ] as const)('%s: HPA minimum %i, requests %s/%s, and no replica count in git', (env, min, cpu, memory) => {
    const model = fixtureEnvironment(env);
    const objs = objects(model, 'orders');
    const hpa = find(objs, 'HorizontalPodAutoscaler', 'orders');
    expect(hpa.spec.minReplicas).toBe(min);
    expect(hpa.spec.maxReplicas).toBe(model.env.services.maxReplicas);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(min);
    const rollout = find(objs, 'Rollout', 'orders');
    expect(rollout.spec.replicas).toBeUndefined();
    expect(objs.some((o) => o.kind === 'Deployment')).toBe(false);
    const app = rollout.spec.template.spec.containers[0];
    expect(app.resources.requests).toEqual({ cpu, memory });
    expect(app.resources.limits.cpu).toBeTruthy();
    expect(app.resources.limits.memory).toBeTruthy();
  });

  it('scales on the app container CPU at the seed 70% and targets the Rollout', () => {
    const hpa = find(objects(prod, 'orders'), 'HorizontalPodAutoscaler', 'orders');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'orders' });
    expect(hpa.spec.metrics).toEqual([
      { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'orders', target: { type: 'Utilization', averageUtilization: 70 } } },
    ]);
  });

  it('is counted with the sidecar istiod injects, sized by its annotations, at the HPA minimum and maximum', async () => {
    const [w] = componentWorkloads(await hydratedFixture('prod'), 'orders');
    expect(w.replicas).toBe(3);
    expect(w.maxReplicas).toBe(prod.env.services.maxReplicas);
    expect(w.containers.map((c) => c.name)).toEqual(['orders', 'istio-proxy']);
    const rollout = find(objects(prod, 'orders'), 'Rollout', 'orders');
    expect(rollout.spec.template.metadata.annotations['sidecar.istio.io/proxyCPU']).toBe(w.containers[1].resources.requests.cpu.toString());
    expect(rollout.spec.template.metadata.annotations['sidecar.istio.io/proxyMemory']).toBe(w.containers[1].resources.requests.memory.toString());
  });

  it('keeps the prod services, sidecars included, within the seed ~5 CPU / ~10 GB', async () => {
    const hydrated = await hydratedFixture('prod');
    let cpu = Cpu.millis(0);
    let memory = Memory.mebibytes(0);
    for (const c of prod.components.filter((x) => x.workflow === Workflow.Apps)) {
      for (const w of componentWorkloads(hydrated, c.id)) {
        const pod = podTotal(w, 'requests');
        cpu = cpu.plus(pod.cpu.times(w.replicas));
        memory = memory.plus(pod.memory.times(w.replicas));
      }
    }
    // 5 × 3 × (300m + 30m) = 4.95 CPU; 5 × 3 × (512Mi + 64Mi) = 8.44 GiB.
    expect(cpu.millicores).toBeLessThanOrEqual(5000);
    expect(memory.bytes).toBeLessThanOrEqual(10e9);
  });
});

describe('pod hardening', () => {
  const rollout = find(objects(prod, 'payments'), 'Rollout', 'payments');
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
    const sa = find(objects(prod, 'payments'), 'ServiceAccount', 'payments');
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('payments');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.priorityClassName).toBe('workload');
  });

  it('probes readiness, liveness and startup on the configured health path', () => {
    for (const probe of [app.readinessProbe, app.livenessProbe, app.startupProbe]) {
      expect(probe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    }
    const custom = withServices('dev', [], (s) => {
      s.find((x) => x.name === 'users').healthPath = '/ready';
    });
    expect(find(objects(custom, 'users'), 'Rollout').spec.template.spec.containers[0].readinessProbe.httpGet.path).toBe('/ready');
  });

  it('labels pods with the service name and selects without the version', () => {
    expect(rollout.spec.template.metadata.labels['app.kubernetes.io/name']).toBe('payments');
    expect(rollout.spec.template.metadata.labels['app.kubernetes.io/version']).toBe('3.1.4');
    expect(rollout.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/instance': 'payments', 'app.kubernetes.io/name': 'payments' });
  });

  it.each([
    ['prod', 'DoNotSchedule'],
    ['staging', 'ScheduleAnyway'],
  ] as const)('%s spreads pods across zones (%s); dev does not', (env, when) => {
    const spread = find(objects(fixtureEnvironment(env), 'payments'), 'Rollout').spec.template.spec.topologySpreadConstraints;
    expect(spread.find((c: any) => c.topologyKey === 'topology.kubernetes.io/zone').whenUnsatisfiable).toBe(when);
    expect(find(objects(fixtureEnvironment('dev'), 'payments'), 'Rollout').spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  it('keeps one pod of each version available through voluntary disruptions', () => {
    const pdb = find(objects(prod, 'payments'), 'PodDisruptionBudget', 'payments');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(rollout.spec.selector.matchLabels);
  });
});

describe('public services', () => {
  it("get an emissary Mapping at <service>.<environment domain> in Emissary's namespace, owned by emissary-config; internal services get none", () => {
    const staging = fixtureEnvironment('staging');
    const mapping = find(objects(staging, 'emissary-config'), 'Mapping', 'gateway-api');
    expect(mapping.apiVersion).toBe('getambassador.io/v3alpha1');
    expect(mapping.metadata.namespace).toBe(NS.emissary);
    expect(mapping.spec).toEqual({
      hostname: 'gateway-api.staging.acme.example.com',
      prefix: '/',
      service: 'gateway-api.apps:8080',
      // The Host Emissary's sidecar routes on: the in-mesh name, not the public one.
      host_rewrite: 'gateway-api.apps.svc.cluster.local',
    });
    expect(objects(staging, 'emissary-config').filter((o) => o.kind === 'Mapping').map((o) => o.metadata.name)).toEqual(['gateway-api']);
  });

  it("render no Mapping in the services' own Applications, public or not", () => {
    const staging = fixtureEnvironment('staging');
    for (const name of SERVICES) expect(objects(staging, name).filter((o) => o.kind === 'Mapping')).toEqual([]);
  });
});

describe('metrics through the sidecar', () => {
  const objs = objects(prod, 'catalog');

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

  it('admits exactly the declared callers and reaches exactly the declared callees', () => {
    const catalog = find(objects(prod, 'catalog'), 'NetworkPolicy');
    expect(ingressFromPods(catalog).sort()).toEqual(['gateway-api', 'orders']);
    expect(egressToPods(catalog)).toEqual([]);
    const orders = find(objects(prod, 'orders'), 'NetworkPolicy');
    expect(egressToPods(orders)).toEqual(['catalog', 'payments']);
    expect(ingressFromPods(orders)).toEqual(['gateway-api']);
  });

  it('admits the ingress gateway only to public services', () => {
    const fromEmissary = (np: any) => np.spec.ingress.some((r: any) => r.from.some((f: any) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === NS.emissary));
    expect(fromEmissary(find(objects(prod, 'gateway-api'), 'NetworkPolicy'))).toBe(true);
    expect(fromEmissary(find(objects(prod, 'orders'), 'NetworkPolicy'))).toBe(false);
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

  describe('a sixth service, added to the config only', () => {
    const sixth = {
      name: 'reviews',
      image: 'ghcr.io/acme/reviews:1.0.0@sha256:fc79bda5c2b079ef13ea7b313df3f1d194e1dafe444c982e522f6a676ed99b3f',
      port: 9000,
      public: true,
      database: true,
      redis: true,
      calls: ['catalog'],
      kafka: { consumes: ['orders.created'] },
    };
    const model = withServices('staging', [sixth], (s) => s.find((x) => x.name === 'gateway-api').calls.push('reviews'));

    it("gets its Application, Rollout, HPA, PDB, PodMonitor, AnalysisTemplate and secrets, and a Mapping in Emissary's namespace", () => {
      const objs = objects(model, 'reviews');
      // Two ServiceAccounts (the pods' and the data-credentials reader), the reader's SecretStore, and
      // the ExternalSecrets copying its Kafka credentials and the Redis CA certificate.
      expect(objs.map((o) => o.kind).sort()).toEqual([
        'AnalysisTemplate', 'ExternalSecret', 'ExternalSecret', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'PodMonitor', 'Rollout', 'SecretStore', 'Service',
        'ServiceAccount', 'ServiceAccount',
      ]);
      const user = find(objects(model, 'kafka'), 'KafkaUser', 'reviews');
      expect(user.spec.authorization.acls.map((a: any) => [a.resource.type, a.resource.name, a.operations])).toEqual([
        ['topic', 'orders.created', ['Read', 'Describe']],
        ['group', 'reviews', ['Read']],
      ]);
      const mapping = find(objects(model, 'emissary-config'), 'Mapping', 'reviews');
      expect(mapping.spec.hostname).toBe('reviews.staging.acme.example.com');
      expect(mapping.spec.service).toBe('reviews.apps:9000');
      expect(component(model, 'reviews').secrets!.map((s) => s.name)).toEqual(['reviews-postgres', 'reviews-redis']);
      expect(model.graph.waves.get('reviews')).toBe(model.graph.waves.get('orders'));
    });

    it('is reachable from its new caller on its own port, and reaches its callee', () => {
      const reviews = find(objects(model, 'reviews'), 'NetworkPolicy');
      const fromGateway = reviews.spec.ingress.find((r: any) => r.from[0].podSelector);
      expect(fromGateway).toEqual({
        from: [{ podSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['gateway-api'] }] } }],
        ports: [{ protocol: 'TCP', port: 9000 }],
      });
      expect(egressToPods(reviews)).toEqual(['catalog']);
      expect(ingressFromPods(find(objects(model, 'catalog'), 'NetworkPolicy'))).toContain('reviews');
      const gateway = find(objects(model, 'gateway-api'), 'NetworkPolicy');
      expect(gateway.spec.egress).toContainEqual({
        to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'reviews' } } }],
        ports: [{ protocol: 'TCP', port: 9000 }],
      });
      const gatewayEnv = find(objects(model, 'gateway-api'), 'Rollout').spec.template.spec.containers[0].env;
      expect(gatewayEnv).toContainEqual({ name: 'REVIEWS_URL', value: 'http://reviews.apps.svc.cluster.local:9000' });
    });

    it('gets a staging load test of its public URL', () => {
      const run = find(unsyncedObjects(model, 'k6-operator'), 'TestRun', 'load-reviews') as any;
      expect(run.spec.runner.env).toContainEqual({ name: 'TARGET_URL', value: 'https://reviews.staging.acme.example.com/healthz' });
    });
  });
});

describe('connection settings are Secret references, never credentials', () => {
  it('declares one ExternalSecret-backed Secret per store the service uses, none bootstrapped', () => {
    const orders = component(prod, 'orders');
    expect(orders.secrets).toEqual([
      {
        namespace: NS.apps,
        name: 'orders-postgres',
        data: { username: { path: 'data/postgres/orders', property: 'username' }, password: { path: 'data/postgres/orders', property: 'password' } },
        purpose: expect.any(String),
      },
      { namespace: NS.apps, name: 'orders-redis', data: { password: { path: 'data/redis', property: 'password' } }, purpose: expect.any(String) },
    ]);
    expect(component(prod, 'gateway-api').secrets).toEqual([]);
    expect(orders.dependsOn).toContain('external-secrets-config');
  });

  it('renders no Secret and reads every credential from a secretKeyRef', () => {
    for (const name of SERVICES) {
      const objs = objects(prod, name);
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
      (find(objects(prod, 'orders'), 'Rollout').spec.template.spec.containers[0].env as any[]).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]),
    );
    expect(env).toMatchObject({
      PGHOST: ENDPOINTS.postgresRw,
      PGPORT: '5432',
      PGDATABASE: 'orders',
      REDIS_HOST: ENDPOINTS.redis,
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
  const CREDENTIALS = { openbaoPath: 'registry/ghcr' };
  const model = withServices('prod', [], (s) => {
    s.find((x) => x.name === 'gateway-api').registryCredentials = CREDENTIALS;
  });
  const pullSecretsOf = (m: typeof prod, name: string) => find(objects(m, name), 'ServiceAccount', name).imagePullSecrets;
  // The services' pull Secrets; CI's registry push credentials (tekton-config) are a dockerconfigjson too.
  const registryExternalSecrets = (m: typeof prod) =>
    objects(m, 'external-secrets-config').filter(
      (o) => o.kind === 'ExternalSecret' && o.spec.target.template.type === 'kubernetes.io/dockerconfigjson' && o.metadata.namespace !== component(m, 'tekton-config').namespace,
    );

  it('without registryCredentials, renders no pull secret and no imagePullSecrets', () => {
    for (const name of SERVICES) {
      expect(pullSecretsOf(prod, name)).toBeUndefined();
      expect((component(prod, name).secrets ?? []).some((r) => r.type === 'kubernetes.io/dockerconfigjson')).toBe(false);
    }
    expect(registryExternalSecrets(prod)).toEqual([]);
  });

  it('delivers the Docker config JSON from OpenBao as a dockerconfigjson ExternalSecret in the services namespace', () => {
    const [es] = registryExternalSecrets(model);
    expect(es.metadata).toMatchObject({ name: 'gateway-api-registry', namespace: NS.apps });
    expect(es.spec.target).toMatchObject({ name: 'gateway-api-registry', creationPolicy: 'Owner' });
    expect(es.spec.data).toEqual([
      { secretKey: '.dockerconfigjson', remoteRef: expect.objectContaining({ key: 'registry/ghcr', property: 'dockerconfigjson' }) },
    ]);
    expect(registryExternalSecrets(model)).toHaveLength(1);
    // The service now waits for External Secrets, so its first pods find the Secret.
    expect(component(model, 'gateway-api').dependsOn).toContain('external-secrets-config');
    expect(model.graph.waves.get('gateway-api')!).toBeGreaterThan(model.graph.waves.get('external-secrets-config')!);
  });

  it("lists it in the service's ServiceAccount, which the pods run as, and only that service's", () => {
    expect(pullSecretsOf(model, 'gateway-api')).toEqual([{ name: 'gateway-api-registry' }]);
    expect(find(objects(model, 'gateway-api'), 'Rollout').spec.template.spec.serviceAccountName).toBe('gateway-api');
    for (const name of SERVICES.filter((n) => n !== 'gateway-api')) expect(pullSecretsOf(model, name)).toBeUndefined();
  });

  it('tells the operator to seed the path in OpenBao', () => {
    const runbook = component(model, 'external-secrets-config').runbook!.map((r) => r.body).join('\n');
    expect(runbook).toMatch(/bao kv put -mount=secret registry\/ghcr dockerconfigjson="<dockerconfigjson>" +# apps\/gateway-api-registry/);
  });

  it('refuses a dockerconfigjson Secret whose data key is not .dockerconfigjson', () => {
    const requirement = component(model, 'gateway-api').secrets!.find((r) => r.name === 'gateway-api-registry')!;
    expect(requirement.type).toBe('kubernetes.io/dockerconfigjson');
    expect(() =>
      externalSecretsConfigComponent({
        namespace: 'external-secrets',
        openbao: { server: openbaoEndpoints('security').api, kvMount: 'secret', kubernetesAuthMount: 'kubernetes', audience: 'openbao', caCertificate: model.env.openbaoCaCertificate },
        requirements: [{ ...requirement, data: { config: requirement.data['.dockerconfigjson'] } }],
        refreshInterval: Duration.hours(1),
      }),
    ).toThrow('external-secrets-config: Secret apps/gateway-api-registry of type kubernetes.io/dockerconfigjson has data keys config; that type takes exactly .dockerconfigjson');
  });
});

describe('canary releases with automatic rollback', () => {
  const objs = objects(prod, 'orders');
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
  const service = fixtureConfig().services.find((s) => s.name === 'gateway-api')!;
  const base = {
    service,
    namespace: NS.apps,
    environment: 'dev',
    sizing: { minReplicas: 1, maxReplicas: 2, resources: Resources.of({ cpu: '100m', memory: '128Mi' }, { cpu: '200m', memory: '256Mi' }) },
    tierPolicy: TierPolicy.of({ tier: 'dev', highAvailability: false, nodeGroupPerZone: false }),
    callers: [],
    callees: [],
    wiring: WIRING,
  };
  const render = (props: Parameters<typeof microserviceComponent>[0]) => {
    const c = microserviceComponent(props);
    return c.source.type === 'manifests' ? objects({ components: [c] } as any, c.id) : [];
  };

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
