/**
 * One microservice: a Rollout (the HPA owns its replica count), Service, ServiceAccount,
 * autoscaling/v2 HPA, PodDisruptionBudget, NetworkPolicy, PodMonitor and the canary
 * AnalysisTemplate. Every service of platform.yaml is this same construct with different data.
 * A public service's route (its emissary Mapping) is not here: the ingress workflow generates it
 * in Emissary's namespace from the same config (workflows/apps.ts `publicRoutes`), so the service's
 * namespace needs no Mapping and its AppProject allows none.
 *
 * Rollout with its own pod template rather than `workloadRef` to a Deployment: a referenced
 * Deployment only serves as a template and must sit at zero replicas (`scaleDown` by the
 * controller, or `replicas: 0` in git), so every service would carry two workload objects and a
 * replica count in git that the HPA rule forbids elsewhere. One Rollout reads as what runs.
 */
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AnalysisTemplate, Rollout } from '../imports/argoproj.io';
import {
  ExternalSecret,
  ExternalSecretSpecData,
  ExternalSecretSpecDataFrom,
  ExternalSecretSpecDataFromExtract,
  ExternalSecretSpecDataFromExtractConversionStrategy,
  ExternalSecretSpecDataFromExtractDecodingStrategy,
  ExternalSecretSpecDataFromExtractMetadataPolicy,
  ExternalSecretSpecDataFromExtractNullBytePolicy,
  SecretStore,
} from '../imports/external-secrets.io';
import { PodMonitor, PodMonitorSpecPodMetricsEndpointsRelabelingsAction } from '../imports/monitoring.coreos.com';
import { selectorLabels, standardLabels } from '../lib/labels';
import { externalSecretSpec, inClusterSecretsProvider, remoteRef } from '../lib/secret-readers';
import { PRIORITY } from '../lib/priority';
import { Resources } from '../lib/resources';
import { RESTRICTED_CONTAINER_SECURITY_CONTEXT, RESTRICTED_POD_SECURITY_CONTEXT } from '../lib/security';
import { TierPolicy } from '../lib/tier-policy';
import { analysisTemplateSpec, canaryStrategy, CanarySettings, POD_TEMPLATE_HASH_LABEL, POD_TEMPLATE_HASH_SERIES_LABEL, validateCanary } from './canary';
import { NamespacePorts, networkPolicySpec, Peer } from './network';
import { PodTemplateRollout } from './pod-template-rollout';

/** What platform.yaml says about one service (structurally the config's ServiceConfig). */
export interface ServiceSpec {
  readonly name: string;
  readonly image: string;
  readonly port: number;
  readonly public: boolean;
  readonly healthPath: string;
  readonly metricsPath: string;
  readonly database: boolean;
  readonly redis: boolean;
  readonly kafka?: { readonly produces: readonly string[]; readonly consumes: readonly string[] };
  readonly calls: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Pull credentials for a private registry: where the Docker config JSON lives in OpenBao. */
  readonly registryCredentials?: RegistryCredentials;
}

/** `services[].registryCredentials`: a Docker config JSON at an OpenBao KV path and property. */
export interface RegistryCredentials {
  readonly openbaoPath: string;
  readonly property: string;
}

export interface Sizing {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly resources: Resources;
}

/** Cross-workflow addresses and namespaces, handed in by the composition (workflows/apps.ts). */
export interface MicroserviceWiring {
  readonly namespaces: { readonly ingress: string; readonly observability: string; readonly istioSystem: string; readonly data: string };
  /** OTLP/HTTP endpoint of the OpenTelemetry collector, and the collector ports (gRPC and HTTP). */
  readonly otlp: { readonly endpoint: string; readonly ports: readonly number[] };
  readonly prometheusUrl: string;
  readonly postgres: { readonly host: string; readonly port: number };
  /** Redis serves TLS only; the CA certificate is `caKey` of the Secret `caSecret` in the data namespace. */
  readonly redis: { readonly host: string; readonly port: number; readonly caSecret: string; readonly caKey: string };
  /**
   * Kafka's TLS listener with SCRAM: the user's password is `passwordKey` of `userSecret(service)` and
   * the cluster CA certificate `caKey` of `caSecret`, both in the data namespace.
   */
  readonly kafka: {
    readonly bootstrap: string;
    readonly port: number;
    readonly securityProtocol: string;
    readonly saslMechanism: string;
    readonly userSecret: (service: string) => string;
    readonly passwordKey: string;
    readonly caSecret: string;
    readonly caKey: string;
  };
}

/** Secret names the service reads; the component declares them as SecretRequirements. */
export const secretNames = (service: string) => ({
  postgres: `${service}-postgres`,
  redis: `${service}-redis`,
  registry: `${service}-registry`,
  /** Kafka password (`password`) and cluster CA bundle (`ca.crt`), copied from the data namespace. */
  kafka: `${service}-kafka`,
  /** The Redis CA certificate (`ca.crt`), copied from the data namespace. */
  redisCa: `${service}-redis-ca`,
});

/**
 * The credential route from the data namespace (README, "Kafka and Redis access"): the service's
 * own SecretStore reads the data namespace through the Kubernetes API as the ServiceAccount
 * `reader`, which the data components grant `get` on exactly the Secrets this service may copy.
 */
export const dataCredentials = (service: string) => ({ reader: `${service}-data-reader`, store: `${service}-data` });

/**
 * A service's Redis user (README, "Kafka and Redis access"): named after the service, limited to
 * keys and channels under `keyPrefix`, its password in OpenBao at `password` (read by the service's
 * namespace, its REDIS_PASSWORD, and by the data namespace, which hashes it into the ACL file).
 * One source for this construct, its SecretRequirement (apps/index.ts) and the redis component.
 */
export const redisCredentials = (service: string) => ({
  username: service,
  keyPrefix: `${service}:`,
  password: { path: `data/redis/users/${service}`, property: 'password' },
});

/** Where the CA certificates are mounted in the app container. */
export const CA_MOUNTS = { kafka: '/etc/platform/kafka', redis: '/etc/platform/redis' } as const;

/** How often the copies from the data namespace are refreshed: a renewed CA or a recreated user arrives within this. */
export const DATA_CREDENTIALS_REFRESH = '10m';

/** The same for `dataFrom.extract` (its own generated enums): every key of one Secret. */
const extractRef = (key: string): ExternalSecretSpecDataFromExtract => ({
  key,
  conversionStrategy: ExternalSecretSpecDataFromExtractConversionStrategy.DEFAULT,
  decodingStrategy: ExternalSecretSpecDataFromExtractDecodingStrategy.NONE,
  metadataPolicy: ExternalSecretSpecDataFromExtractMetadataPolicy.NONE,
  nullBytePolicy: ExternalSecretSpecDataFromExtractNullBytePolicy.IGNORE,
});

/** Istio sidecar facts the construct relies on. */
export const ISTIO = {
  /** istiod: xDS configuration and workload certificates. */
  xdsPort: 15012,
  /** The agent's merged metrics (Envoy + the app's, when `prometheus.io/*` annotations name them). */
  mergedMetricsPort: 15020,
  mergedMetricsPath: '/stats/prometheus',
  /** The only port the injected istio-proxy container declares; used to find one target per pod. */
  proxyPortName: 'http-envoy-prom',
  proxyContainer: 'istio-proxy',
} as const;

export interface MicroserviceProps {
  readonly service: ServiceSpec;
  readonly namespace: string;
  /** Environment name, for OpenTelemetry's `deployment.environment`. */
  readonly environment: string;
  readonly sizing: Sizing;
  readonly sidecarResources: Resources;
  /**
   * How the service's replicas spread over zones (lib/tier-policy.ts): replicated workloads,
   * required where every zone has its own node group (prod), preferred in staging, none in dev.
   */
  readonly tierPolicy: TierPolicy;
  /** Services whose `calls` include this one. */
  readonly callers: readonly string[];
  /** The services this one calls, with their ports. */
  readonly callees: readonly Peer[];
  readonly wiring: MicroserviceWiring;
  readonly canary: CanarySettings;
  /** Startup probe: period × failures is the time a pod may take to start. */
  readonly startup: { readonly periodSeconds: number; readonly failureThreshold: number };
  /** CPU utilization (of the app container's request) the HPA holds. */
  readonly targetCpuUtilization: number;
}

const CONTAINER_PORT_NAME = 'http';

/** The readiness probe of every service (the startup probe is a prop, liveness below). */
export const READINESS_PROBE = { periodSeconds: 10, failureThreshold: 3 } as const;
/** A new pod counts as available (for the canary's progress) after being Ready this long. */
export const MIN_READY_SECONDS = 10;

/** The image tag, when it is a valid label value (for `app.kubernetes.io/version`). */
export function imageTag(image: string): string | undefined {
  const lastSegment = image.split('@')[0].split('/').pop() ?? '';
  const tag = lastSegment.includes(':') ? lastSegment.split(':').pop() : undefined;
  return tag && /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(tag) ? tag : undefined;
}

/** The in-mesh host of a Service: what the sidecars' outbound routes match on. */
export const meshHost = (service: string, namespace: string) => `${service}.${namespace}.svc.cluster.local`;

/** `orders-api` → `ORDERS_API_URL`. */
export const peerUrlVariable = (peer: string) => `${peer.toUpperCase().replace(/-/g, '_')}_URL`;


export class Microservice extends Construct {
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;

  constructor(scope: Construct, id: string, private readonly props: MicroserviceProps) {
    super(scope, id);
    const s = props.service;
    validate(props);
    this.selector = selectorLabels({ name: s.name, instance: s.name });
    this.labels = standardLabels({ name: s.name, instance: s.name, version: imageTag(s.image), component: 'microservice' });
    const metadata = { name: s.name, namespace: props.namespace, labels: this.labels };

    new k8s.KubeServiceAccount(this, 'serviceaccount', {
      metadata,
      automountServiceAccountToken: false,
      // Every pod of the service runs as this account, so its pulls use the registry credentials.
      ...(s.registryCredentials ? { imagePullSecrets: [{ name: secretNames(s.name).registry }] } : {}),
    });

    new k8s.KubeService(this, 'service', {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector: this.selector,
        ports: [{ name: CONTAINER_PORT_NAME, port: s.port, targetPort: k8s.IntOrString.fromString(CONTAINER_PORT_NAME), protocol: 'TCP', appProtocol: 'http' }],
      },
    });

    new AnalysisTemplate(this, 'analysistemplate', {
      metadata,
      spec: analysisTemplateSpec(props.canary, { service: s.name, namespace: props.namespace, prometheusUrl: props.wiring.prometheusUrl }),
    });

    new PodTemplateRollout(this, 'rollout', {
      metadata,
      spec: {
        // No `replicas`: the HPA sets it, and a count in git would be reset by self-heal on every scale.
        selector: { matchLabels: this.selector },
        template: { metadata: { labels: this.labels, annotations: this.podAnnotations() }, spec: this.podSpec() },
        strategy: { canary: canaryStrategy(props.canary, s.name) },
        minReadySeconds: MIN_READY_SECONDS,
        revisionHistoryLimit: 3,
        progressDeadlineSeconds: props.canary.progressDeadline.totalSeconds,
        progressDeadlineAbort: true,
        analysis: { successfulRunHistoryLimit: 3, unsuccessfulRunHistoryLimit: 3 },
      },
    });

    new k8s.KubeHorizontalPodAutoscalerV2(this, 'hpa', {
      metadata,
      spec: {
        scaleTargetRef: { apiVersion: Rollout.GVK.apiVersion, kind: Rollout.GVK.kind, name: s.name },
        minReplicas: props.sizing.minReplicas,
        maxReplicas: props.sizing.maxReplicas,
        metrics: [
          {
            // The app container's CPU only: the sidecar's low request would skew a pod-level average.
            type: 'ContainerResource',
            containerResource: { name: 'cpu', container: s.name, target: { type: 'Utilization', averageUtilization: props.targetCpuUtilization } },
          },
        ],
      },
    });

    new k8s.KubePodDisruptionBudget(this, 'pdb', {
      metadata,
      spec: {
        selector: { matchLabels: this.selector },
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        // A pod that never became ready must not block a node drain.
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });

    const w = props.wiring;
    const dataEgress: NamespacePorts[] = [];
    if (s.database) dataEgress.push({ namespace: w.namespaces.data, ports: [w.postgres.port] });
    if (s.redis) dataEgress.push({ namespace: w.namespaces.data, ports: [w.redis.port] });
    if (usesKafka(s)) dataEgress.push({ namespace: w.namespaces.data, ports: [w.kafka.port] });
    new k8s.KubeNetworkPolicy(this, 'networkpolicy', {
      metadata,
      spec: networkPolicySpec(this.selector, {
        port: s.port,
        callers: props.callers,
        callees: props.callees,
        ingressFrom: s.public ? w.namespaces.ingress : undefined,
        scrapeFrom: { namespace: w.namespaces.observability, ports: [ISTIO.mergedMetricsPort] },
        platformEgress: [
          { namespace: w.namespaces.istioSystem, ports: [ISTIO.xdsPort] },
          { namespace: w.namespaces.observability, ports: w.otlp.ports },
        ],
        dataEgress,
      }),
    });

    new PodMonitor(this, 'podmonitor', {
      metadata,
      spec: {
        selector: { matchLabels: this.selector },
        namespaceSelector: { matchNames: [props.namespace] },
        podMetricsEndpoints: [
          {
            port: ISTIO.proxyPortName,
            path: ISTIO.mergedMetricsPath,
            interval: '30s',
            // The sidecar does not declare 15020: keep the one target per pod and point it there.
            relabelings: [
              { sourceLabels: ['__meta_kubernetes_pod_ip'], regex: '(.+)', replacement: `$1:${ISTIO.mergedMetricsPort}`, targetLabel: '__address__', action: PodMonitorSpecPodMetricsEndpointsRelabelingsAction.REPLACE },
              // The canary analysis tells the new version's series from the stable one's by this label.
              { sourceLabels: [`__meta_kubernetes_pod_label_${POD_TEMPLATE_HASH_SERIES_LABEL}`], targetLabel: POD_TEMPLATE_HASH_SERIES_LABEL, action: PodMonitorSpecPodMetricsEndpointsRelabelingsAction.REPLACE },
            ],
          },
        ],
      },
    });

    this.dataCredentialRoute();
  }

  /**
   * The Kafka password and CA bundle and the Redis CA certificate, copied from the data namespace by
   * the service's own SecretStore (Kubernetes provider) as its reader ServiceAccount. The data
   * components grant that account `get` on exactly these Secrets; nothing is in git.
   */
  private dataCredentialRoute(): void {
    const p = this.props;
    const s = p.service;
    const w = p.wiring;
    if (!usesKafka(s) && !s.redis) return;
    const route = dataCredentials(s.name);
    const secrets = secretNames(s.name);
    const meta = (name: string) => ({ name, namespace: p.namespace, labels: { ...this.labels, 'app.kubernetes.io/component': 'data-credentials' } });
    new k8s.KubeServiceAccount(this, 'serviceaccount-data-reader', { metadata: meta(route.reader), automountServiceAccountToken: false });
    new SecretStore(this, 'secretstore-data', {
      metadata: meta(route.store),
      spec: { provider: inClusterSecretsProvider(w.namespaces.data, route.reader) },
    });
    const copy = (id: string, name: string, spec: { data?: ExternalSecretSpecData[]; dataFrom?: ExternalSecretSpecDataFrom[]; template?: Record<string, string> }) =>
      new ExternalSecret(this, id, {
        metadata: meta(name),
        spec: externalSecretSpec({
          store: route.store,
          target: name,
          refreshInterval: DATA_CREDENTIALS_REFRESH,
          ...(spec.template ? { template: { data: spec.template } } : {}),
          ...(spec.data ? { data: spec.data } : {}),
          ...(spec.dataFrom ? { dataFrom: spec.dataFrom } : {}),
        }),
      });
    if (usesKafka(s)) {
      copy('externalsecret-kafka', secrets.kafka, {
        data: [{ secretKey: 'password', remoteRef: remoteRef(w.kafka.userSecret(s.name), w.kafka.passwordKey) }],
        // Every CA certificate Strimzi keeps (`ca.crt`, and the previous one as `ca-<date>.crt` while a
        // renewed CA rolls out), so the client trusts the brokers before and after the roll.
        dataFrom: [{ extract: extractRef(w.kafka.caSecret) }],
        template: {
          password: '{{ .password }}',
          [w.kafka.caKey]: '{{ range $key, $value := . }}{{ if and (hasPrefix "ca" $key) (hasSuffix ".crt" $key) }}{{ $value }}{{ end }}{{ end }}',
        },
      });
    }
    if (s.redis) {
      copy('externalsecret-redis-ca', secrets.redisCa, { data: [{ secretKey: 'ca.crt', remoteRef: remoteRef(w.redis.caSecret, w.redis.caKey) }] });
    }
  }

  private podAnnotations(): Record<string, string> {
    const s = this.props.service;
    const sidecar = this.props.sidecarResources.toK8s();
    return {
      // Istio rewrites these to its merged endpoint (15020) and scrapes the app's metrics from here.
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(s.port),
      'prometheus.io/path': s.metricsPath,
      // The sidecar's requests and limits, counted in the capacity plan with the app container's.
      'sidecar.istio.io/proxyCPU': sidecar.requests.cpu,
      'sidecar.istio.io/proxyMemory': sidecar.requests.memory,
      'sidecar.istio.io/proxyCPULimit': sidecar.limits.cpu,
      'sidecar.istio.io/proxyMemoryLimit': sidecar.limits.memory,
      // The app's first connections (database, callees) must not race the proxy's start.
      'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts":true}',
    };
  }

  private podSpec(): k8s.PodSpec {
    const p = this.props;
    const s = p.service;
    const probe = (periodSeconds: number, failureThreshold: number): k8s.Probe => ({
      httpGet: { path: s.healthPath, port: k8s.IntOrString.fromString(CONTAINER_PORT_NAME) },
      periodSeconds,
      failureThreshold,
      timeoutSeconds: 2,
    });
    // The CA certificates as files: mounted Secrets follow a renewal, environment variables would not.
    const names = secretNames(s.name);
    const caVolumes = [
      ...(usesKafka(s) ? [{ name: 'kafka-ca', secret: names.kafka, mountPath: CA_MOUNTS.kafka }] : []),
      ...(s.redis ? [{ name: 'redis-ca', secret: names.redisCa, mountPath: CA_MOUNTS.redis }] : []),
    ];
    return {
      serviceAccountName: s.name,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      priorityClassName: PRIORITY.workload,
      terminationGracePeriodSeconds: 30,
      securityContext: RESTRICTED_POD_SECURITY_CONTEXT,
      topologySpreadConstraints: this.spread(),
      containers: [
        {
          name: s.name,
          image: s.image,
          imagePullPolicy: 'IfNotPresent',
          ports: [{ name: CONTAINER_PORT_NAME, containerPort: s.port, protocol: 'TCP' }],
          env: this.env(),
          resources: p.sizing.resources.toRequirements(),
          securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
          startupProbe: probe(p.startup.periodSeconds, p.startup.failureThreshold),
          readinessProbe: probe(READINESS_PROBE.periodSeconds, READINESS_PROBE.failureThreshold),
          livenessProbe: probe(10, 6),
          volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...caVolumes.map((v) => ({ name: v.name, mountPath: v.mountPath, readOnly: true }))],
        },
      ],
      // The root filesystem is read-only; /tmp is the one writable path.
      volumes: [
        { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
        ...caVolumes.map((v) => ({ name: v.name, secret: { secretName: v.secret, items: [{ key: 'ca.crt', path: 'ca.crt' }] } })),
      ],
    };
  }

  private spread(): k8s.TopologySpreadConstraint[] | undefined {
    const zone = this.props.tierPolicy.k8sZoneSpreadConstraints(this.selector, 'replicated');
    if (zone.length === 0) return undefined;
    // Spread each version on its own: a canary's pods do not count against the stable ones'.
    const perVersion = (c: k8s.TopologySpreadConstraint): k8s.TopologySpreadConstraint => ({ ...c, matchLabelKeys: [POD_TEMPLATE_HASH_LABEL] });
    const host: k8s.TopologySpreadConstraint = { ...zone[0], topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' };
    return [...zone, host].map(perVersion);
  }

  private env(): k8s.EnvVar[] {
    const p = this.props;
    const s = p.service;
    const w = p.wiring;
    const secrets = secretNames(s.name);
    const fromSecret = (name: string, secret: string, key: string): k8s.EnvVar => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });
    const platform: k8s.EnvVar[] = [
      { name: 'PORT', value: String(s.port) },
      { name: 'OTEL_SERVICE_NAME', value: s.name },
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: w.otlp.endpoint },
      { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'http/protobuf' },
      { name: 'OTEL_RESOURCE_ATTRIBUTES', value: [`deployment.environment=${p.environment}`, `service.namespace=${p.namespace}`, ...(imageTag(s.image) ? [`service.version=${imageTag(s.image)}`] : [])].join(',') },
    ];
    if (s.database) {
      platform.push(
        { name: 'PGHOST', value: w.postgres.host },
        { name: 'PGPORT', value: String(w.postgres.port) },
        { name: 'PGDATABASE', value: s.name },
        fromSecret('PGUSER', secrets.postgres, 'username'),
        fromSecret('PGPASSWORD', secrets.postgres, 'password'),
        // CloudNativePG always serves TLS.
        { name: 'PGSSLMODE', value: 'require' },
      );
    }
    if (s.redis) {
      const user = redisCredentials(s.name);
      platform.push(
        { name: 'REDIS_HOST', value: w.redis.host },
        { name: 'REDIS_PORT', value: String(w.redis.port) },
        // Its own ACL user: every key and channel it uses starts with the prefix, nothing else is reachable.
        { name: 'REDIS_USERNAME', value: user.username },
        fromSecret('REDIS_PASSWORD', secrets.redis, 'password'),
        { name: 'REDIS_KEY_PREFIX', value: user.keyPrefix },
        // TLS only; the server's certificate is issued by the CA in this file.
        { name: 'REDIS_TLS', value: 'true' },
        { name: 'REDIS_TLS_CA_FILE', value: `${CA_MOUNTS.redis}/ca.crt` },
      );
    }
    if (usesKafka(s)) {
      platform.push(
        { name: 'KAFKA_BOOTSTRAP_SERVERS', value: w.kafka.bootstrap },
        { name: 'KAFKA_SECURITY_PROTOCOL', value: w.kafka.securityProtocol },
        { name: 'KAFKA_SASL_MECHANISM', value: w.kafka.saslMechanism },
        // The KafkaUser is named after the service.
        { name: 'KAFKA_SASL_USERNAME', value: s.name },
        fromSecret('KAFKA_SASL_PASSWORD', secrets.kafka, 'password'),
        // PEM bundle: librdkafka's ssl.ca.location; Java's ssl.truststore.location with ssl.truststore.type=PEM.
        { name: 'KAFKA_SSL_CA_LOCATION', value: `${CA_MOUNTS.kafka}/ca.crt` },
      );
      if (s.kafka!.produces.length > 0) platform.push({ name: 'KAFKA_PRODUCES', value: s.kafka!.produces.join(',') });
      if (s.kafka!.consumes.length > 0) {
        platform.push({ name: 'KAFKA_CONSUMES', value: s.kafka!.consumes.join(',') }, { name: 'KAFKA_CONSUMER_GROUP', value: s.name });
      }
    }
    for (const c of [...p.callees].sort((a, b) => a.name.localeCompare(b.name))) {
      platform.push({ name: peerUrlVariable(c.name), value: `http://${meshHost(c.name, p.namespace)}:${c.port}` });
    }
    const taken = new Set(platform.map((e) => e.name));
    const own = Object.keys(s.env).sort();
    const clash = own.find((k) => taken.has(k));
    if (clash) {
      throw new Error(`service ${s.name}: env ${clash} is set by the platform (connection settings and OpenTelemetry); remove it from services[].env or rename it`);
    }
    return [...platform, ...own.map((name) => ({ name, value: s.env[name] }))];
  }
}

export function usesKafka(s: Pick<ServiceSpec, 'kafka'>): boolean {
  return (s.kafka?.produces.length ?? 0) + (s.kafka?.consumes.length ?? 0) > 0;
}

function validate(p: MicroserviceProps): void {
  const s = p.service;
  const { minReplicas, maxReplicas } = p.sizing;
  if (!Number.isInteger(minReplicas) || minReplicas < 1) {
    throw new Error(`service ${s.name}: minReplicas is ${minReplicas}; the HPA needs at least 1 (set environments.<env>.services.minReplicas)`);
  }
  if (maxReplicas < minReplicas) {
    throw new Error(`service ${s.name}: maxReplicas ${maxReplicas} is below minReplicas ${minReplicas}; raise environments.<env>.services.maxReplicas`);
  }
  if (!(p.targetCpuUtilization > 0 && p.targetCpuUtilization <= 100)) {
    throw new Error(`service ${s.name}: targetCpuUtilization is ${p.targetCpuUtilization}; use a percentage between 1 and 100`);
  }
  validateCanary(s.name, p.canary);
}
