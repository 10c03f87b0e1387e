/**
 * The services in the whole platform built from the fixture config: what only the composition
 * decides (waves, sizing per environment, the sidecar istiod injects, routes in Emissary's
 * namespace, credentials delivered by external-secrets-config, Kafka users, load tests) as
 * invariants over every configured service, never the example's service names. The Microservice
 * construct itself is tested from props in test/apps/microservice.test.ts.
 */
import { Workflow } from '../../lib/component';
import { Cpu, Memory, podTotal } from '../../lib/resources';
import { componentWorkloads } from '../../lib/workloads';
import { NS } from '../../workflows/namespaces';
import { component, ENVIRONMENTS, fixtureConfig, fixtureEnvironment, hydratedFixture } from '../support';
import { find, objects, unsyncedObjects, withServices } from '../apps/support';

jest.setTimeout(120_000);

const CONFIGURED = fixtureConfig().services;
const SERVICES = CONFIGURED.map((s) => s.name);
const prod = fixtureEnvironment('prod');

describe('one Application per service, after the whole platform', () => {
  it('has services to check', () => {
    expect(SERVICES.length).toBeGreaterThan(1);
  });

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

  it('makes every service that reads a delivered Secret wait for external-secrets-config', () => {
    for (const name of SERVICES) {
      const c = component(prod, name);
      const delivered = (c.secrets ?? []).some((s) => !s.bootstrap);
      expect({ name, waits: c.dependsOn.includes('external-secrets-config') }).toEqual({ name, waits: delivered });
    }
  });
});

describe('sizing per environment', () => {
  it.each(ENVIRONMENTS)("%s: every service's HPA spans the environment's service replicas, requests its resources, and no replica count is in git", (env) => {
    const model = fixtureEnvironment(env);
    const sizing = model.env.services;
    expect(sizing.maxReplicas).toBeGreaterThan(sizing.minReplicas);
    for (const name of SERVICES) {
      const objs = objects(model, name);
      const hpa = find(objs, 'HorizontalPodAutoscaler', name);
      expect(hpa.spec.minReplicas).toBe(sizing.minReplicas);
      expect(hpa.spec.maxReplicas).toBe(sizing.maxReplicas);
      const rollout = find(objs, 'Rollout', name);
      expect(rollout.spec.replicas).toBeUndefined();
      expect(objs.some((o) => o.kind === 'Deployment')).toBe(false);
      const app = rollout.spec.template.spec.containers[0];
      expect(app.resources.requests).toEqual(sizing.resources.toK8s().requests);
      expect(app.resources.limits.cpu).toBeTruthy();
      expect(app.resources.limits.memory).toBeTruthy();
    }
  });

  it('counts every service with the sidecar istiod injects, sized by its annotations, at the HPA minimum and maximum', async () => {
    const hydrated = await hydratedFixture('prod');
    for (const name of SERVICES) {
      const [w] = componentWorkloads(hydrated, name);
      expect(w.replicas).toBe(prod.env.services.minReplicas);
      expect(w.maxReplicas).toBe(prod.env.services.maxReplicas);
      expect(w.containers.map((c) => c.name)).toEqual([name, 'istio-proxy']);
      const rollout = find(objects(prod, name), 'Rollout', name);
      expect(rollout.spec.template.metadata.annotations['sidecar.istio.io/proxyCPU']).toBe(w.containers[1].resources.requests.cpu.toString());
      expect(rollout.spec.template.metadata.annotations['sidecar.istio.io/proxyMemory']).toBe(w.containers[1].resources.requests.memory.toString());
    }
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
    // The seed's 5 services: 5 × 3 × (300m + 30m) = 4.95 CPU; 5 × 3 × (512Mi + 64Mi) = 8.44 GiB.
    expect(cpu.millicores).toBeLessThanOrEqual(5000);
    expect(memory.bytes).toBeLessThanOrEqual(10e9);
  });

  it.each(ENVIRONMENTS)("%s: every service spreads over zones as the environment's tier says (prod required, staging preferred, dev none)", (env) => {
    const model = fixtureEnvironment(env);
    const expected = { prod: 'DoNotSchedule', staging: 'ScheduleAnyway', dev: undefined }[model.env.tier];
    for (const name of SERVICES) {
      const spread = find(objects(model, name), 'Rollout').spec.template.spec.topologySpreadConstraints as any[] | undefined;
      expect({ name, zone: spread?.find((c) => c.topologyKey === 'topology.kubernetes.io/zone')?.whenUnsatisfiable }).toEqual({ name, zone: expected });
      if (expected === undefined) expect(spread).toBeUndefined();
    }
  });
});

describe('public services', () => {
  const staging = fixtureEnvironment('staging');
  const mappings = () => objects(staging, 'emissary-config').filter((o) => o.kind === 'Mapping');

  it("get an emissary Mapping at <service>.<environment domain> in Emissary's namespace, owned by emissary-config; internal services get none", () => {
    const publicServices = CONFIGURED.filter((s) => s.public);
    expect(publicServices.length).toBeGreaterThan(0);
    for (const s of publicServices) {
      const mapping = find(mappings(), 'Mapping', s.name);
      expect(mapping.apiVersion).toBe('getambassador.io/v3alpha1');
      expect(mapping.metadata.namespace).toBe(NS.emissary);
      expect(mapping.spec).toEqual({
        hostname: `${s.name}.${staging.env.domain}`,
        prefix: '/',
        service: `${s.name}.${NS.apps}:${s.port}`,
        // The Host Emissary's sidecar routes on: the in-mesh name, not the public one.
        host_rewrite: `${s.name}.${NS.apps}.svc.cluster.local`,
      });
    }
    expect(mappings().map((o) => o.metadata.name).sort()).toEqual(publicServices.map((s) => s.name).sort());
  });

  it("render no Mapping in the services' own Applications, public or not", () => {
    for (const name of SERVICES) expect(objects(staging, name).filter((o) => o.kind === 'Mapping')).toEqual([]);
  });
});

describe('a service added to the config only', () => {
  // It calls one configured service, is called by another, and consumes a topic a configured service produces.
  const [caller, callee] = SERVICES;
  const topic = CONFIGURED.flatMap((s) => s.kafka?.produces ?? [])[0];
  const added = {
    name: 'added',
    image: 'ghcr.io/acme/added:1.0.0@sha256:fc79bda5c2b079ef13ea7b313df3f1d194e1dafe444c982e522f6a676ed99b3f',
    port: 9000,
    public: true,
    database: true,
    redis: true,
    calls: [callee],
    kafka: { consumes: [topic] },
  };
  const model = withServices('staging', [added], (s) => s.find((x) => x.name === caller).calls.push('added'));
  const ingressFromPods = (np: any) => np.spec.ingress.flatMap((r: any) => r.from.flatMap((f: any) => f.podSelector?.matchExpressions?.[0]?.values ?? []));
  const egressToPods = (np: any) => np.spec.egress.flatMap((r: any) => r.to.map((t: any) => t.podSelector?.matchLabels?.['app.kubernetes.io/name']).filter(Boolean));

  it('has a configured topic to consume and two configured services to call and be called by', () => {
    expect(topic).toBeDefined();
    expect(caller).not.toBe(callee);
  });

  it("gets its Application, Rollout, HPA, PDB, PodMonitor, AnalysisTemplate and secrets, a Kafka user, and a Mapping in Emissary's namespace", () => {
    const objs = objects(model, 'added');
    // Two ServiceAccounts (the pods' and the data-credentials reader), the reader's SecretStore, and
    // the ExternalSecrets copying its Kafka credentials and the Redis CA certificate.
    expect(objs.map((o) => o.kind).sort()).toEqual([
      'AnalysisTemplate', 'ExternalSecret', 'ExternalSecret', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'PodMonitor', 'Rollout', 'SecretStore', 'Service',
      'ServiceAccount', 'ServiceAccount',
    ]);
    const user = find(objects(model, 'kafka'), 'KafkaUser', 'added');
    expect(user.spec.authorization.acls.map((a: any) => [a.resource.type, a.resource.name, a.operations])).toEqual([
      ['topic', topic, ['Read', 'Describe']],
      ['group', 'added', ['Read']],
    ]);
    const mapping = find(objects(model, 'emissary-config'), 'Mapping', 'added');
    expect(mapping.spec.hostname).toBe(`added.${model.env.domain}`);
    expect(mapping.spec.service).toBe(`added.${NS.apps}:9000`);
    expect(component(model, 'added').secrets!.map((s) => s.name)).toEqual(['added-postgres', 'added-redis']);
    // The same wave as every configured service that waits for its delivered Secrets.
    const withSecrets = SERVICES.filter((n) => (component(model, n).secrets ?? []).length > 0);
    expect(withSecrets.length).toBeGreaterThan(0);
    for (const n of withSecrets) expect(model.graph.waves.get('added')).toBe(model.graph.waves.get(n));
  });

  it('is reachable from its new caller on its own port, and reaches its callee', () => {
    const np = find(objects(model, 'added'), 'NetworkPolicy');
    const fromCaller = np.spec.ingress.find((r: any) => r.from[0].podSelector);
    expect(fromCaller).toEqual({
      from: [{ podSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: [caller] }] } }],
      ports: [{ protocol: 'TCP', port: 9000 }],
    });
    expect(egressToPods(np)).toEqual([callee]);
    expect(ingressFromPods(find(objects(model, callee), 'NetworkPolicy'))).toContain('added');
    const callerPolicy = find(objects(model, caller), 'NetworkPolicy');
    expect(callerPolicy.spec.egress).toContainEqual({
      to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'added' } } }],
      ports: [{ protocol: 'TCP', port: 9000 }],
    });
    const callerEnv = find(objects(model, caller), 'Rollout').spec.template.spec.containers[0].env;
    expect(callerEnv).toContainEqual({ name: 'ADDED_URL', value: `http://added.${NS.apps}.svc.cluster.local:9000` });
  });

  it('gets a staging load test of its public URL', () => {
    const run = find(unsyncedObjects(model, 'k6-operator'), 'TestRun', 'load-added') as any;
    expect(run.spec.runner.env).toContainEqual({ name: 'TARGET_URL', value: `https://added.${model.env.domain}/healthz` });
  });
});

describe('images from a private registry', () => {
  const CREDENTIALS = { openbaoPath: 'registry/ghcr' };
  // The first configured service pulls from a private registry; the others do not.
  const [privateName, ...others] = SERVICES;
  const model = withServices('prod', [], (s) => {
    s.find((x) => x.name === privateName).registryCredentials = CREDENTIALS;
  });
  const pullSecretsOf = (m: typeof prod, name: string) => find(objects(m, name), 'ServiceAccount', name).imagePullSecrets;
  // The services' pull Secrets; CI's registry push credentials (tekton-config) are a dockerconfigjson too.
  const registryExternalSecrets = (m: typeof prod) =>
    objects(m, 'external-secrets-config').filter(
      (o) => o.kind === 'ExternalSecret' && o.spec.target.template.type === 'kubernetes.io/dockerconfigjson' && o.metadata.namespace !== component(m, 'tekton-config').namespace,
    );

  it('renders a pull secret and imagePullSecrets exactly for the configured services with registryCredentials', () => {
    const withCredentials = CONFIGURED.filter((s) => s.registryCredentials);
    for (const s of CONFIGURED.filter((x) => !x.registryCredentials)) {
      expect(pullSecretsOf(prod, s.name)).toBeUndefined();
      expect((component(prod, s.name).secrets ?? []).some((r) => r.type === 'kubernetes.io/dockerconfigjson')).toBe(false);
    }
    expect(registryExternalSecrets(prod).map((es) => es.metadata.name).sort()).toEqual(withCredentials.map((s) => `${s.name}-registry`).sort());
  });

  it('delivers the Docker config JSON from OpenBao as a dockerconfigjson ExternalSecret in the services namespace', () => {
    const es = registryExternalSecrets(model).find((o) => o.metadata.name === `${privateName}-registry`)!;
    expect(es.metadata).toMatchObject({ name: `${privateName}-registry`, namespace: NS.apps });
    expect(es.spec.target).toMatchObject({ name: `${privateName}-registry`, creationPolicy: 'Owner' });
    expect(es.spec.data).toEqual([
      { secretKey: '.dockerconfigjson', remoteRef: expect.objectContaining({ key: 'registry/ghcr', property: 'dockerconfigjson' }) },
    ]);
    expect(registryExternalSecrets(model)).toHaveLength(registryExternalSecrets(prod).length + 1);
    // The service now waits for External Secrets, so its first pods find the Secret.
    expect(component(model, privateName).dependsOn).toContain('external-secrets-config');
    expect(model.graph.waves.get(privateName)!).toBeGreaterThan(model.graph.waves.get('external-secrets-config')!);
  });

  it("lists it in the service's ServiceAccount, which the pods run as, and only that service's", () => {
    expect(pullSecretsOf(model, privateName)).toEqual([{ name: `${privateName}-registry` }]);
    expect(find(objects(model, privateName), 'Rollout').spec.template.spec.serviceAccountName).toBe(privateName);
    expect(others.length).toBeGreaterThan(0);
    for (const name of others.filter((n) => !CONFIGURED.find((s) => s.name === n)!.registryCredentials)) expect(pullSecretsOf(model, name)).toBeUndefined();
  });

  it('tells the operator to seed the path in OpenBao', () => {
    const runbook = component(model, 'external-secrets-config').runbook!.map((r) => r.body).join('\n');
    expect(runbook).toMatch(new RegExp(`bao kv put -mount=secret registry/ghcr dockerconfigjson="<dockerconfigjson>" +# ${NS.apps}/${privateName}-registry`));
  });
});
