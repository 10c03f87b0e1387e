/**
 * Grafana Mimir in monolithic mode, authored natively: long-term metrics in S3 through IRSA.
 *
 * Why native: the pinned mimir-distributed 6.0.4 chart has no package that can be had here (the
 * grafana/mimir repository is too large to bring in and the release tarball lives in no
 * repository; see ../shared/charts/INDEX.md "Not packaged"), and the platform renders every chart
 * into plain manifests at synth anyway. So we run the same Mimir the chart would have run (its
 * appVersion, `IMAGES.mimir`) from objects we write ourselves, in the simplest of Mimir's two
 * deployment modes.
 *
 * - Monolithic (`-target=all`): one StatefulSet whose pods each run every Mimir component
 *   (distributor, ingester, querier, query-frontend, query-scheduler, store-gateway, compactor,
 *   ruler). Mimir's own Alertmanager is not part of `all` and stays off: the ruler sends alerts to
 *   the kube-prometheus-stack Alertmanager. This replaces the chart's microservices layout (nine
 *   workloads, zone StatefulSets, the rollout-operator with its webhooks and CRDs), a deviation
 *   from the pinned mimir-distributed chart recorded in PLAN.md; one cluster's metrics fit it.
 * - Highly available environments (the tier policy): 3 replicas, replication factor 3 for
 *   ingesters and store-gateways, one pod per node and spread across zones as the tier policy
 *   says for a replicated store (a hard rule in prod, a preference in staging). With exactly
 *   three replicas and RF 3 every pod holds every series, so a zone (or node) loss keeps the
 *   2-of-3 write and read quorum without Mimir's zone-aware ring (which would need each pod to
 *   know its node's zone). A PodDisruptionBudget lets one pod go at a time. dev: one replica, RF 1.
 * - Rings over memberlist: a headless Service that publishes not-ready pods, so the ring forms
 *   before any pod is Ready.
 * - Classic architecture: distributors push straight to ingesters (`ingest_storage.enabled:
 *   false`); Kafka arrives only with the Data workflow, later in the graph.
 * - One bucket, `<platform>-<env>-mimir`: blocks under the `blocks/` prefix. The ruler reads its
 *   rules read-only from a ConfigMap observability-config renders (`ruler_storage.backend: local`,
 *   mounted optional so the ruler starts before it exists), so rules stay in git.
 * - Single tenant (`multitenancy_enabled: false`, tenant `anonymous`): writers and readers need no
 *   X-Scope-OrgID header. Access control is the network.
 * - Writers and readers (Prometheus remote write `/api/v1/push`, the collector's `/otlp`,
 *   Grafana's `/prometheus`) use the Service `mimir-gateway` on port 80, the name and port the
 *   chart's gateway had, so their URLs did not change. It is a plain Service in front of the pods.
 */
import { createHash } from 'node:crypto';
import { ApiObjectMetadata } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { IMAGES } from '../../config/versions';
import { Duration } from '../../lib/duration';
import { Endpoint } from '../../lib/endpoint';
import { ImageRef } from '../../lib/image-ref';
import { ServiceMonitor } from '../../imports/monitoring.coreos.com';
import { PlatformComponent, manifests, RunbookSection, Workflow } from '../../lib/component';
import { irsaAnnotations, IrsaRole, irsaRole, IrsaTarget, s3BucketPolicy } from '../../lib/irsa';
import { selectorLabels, standardLabels } from '../../lib/labels';
import { PlatformChart } from '../../lib/platform-chart';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { RESTRICTED_CONTAINER_SECURITY_CONTEXT, RESTRICTED_POD_SECURITY_CONTEXT } from '../../lib/security';
import { Storage } from '../../lib/storage';
import { TierPolicy } from '../../lib/tier-policy';
import { TrafficEdge } from '../../lib/traffic';
import { mimirConfig, MimirConfig, renderMimirConfig } from './config';

export const ID = 'mimir';

export interface MimirProps {
  readonly namespace: string;
  readonly target: IrsaTarget & { readonly region: string };
  /** S3 bucket for the blocks (created by the operator, see the runbook). */
  readonly bucket: string;
  /**
   * The environment's tier policy: where it is highly available, three replicas with replication
   * factor 3, one per node, spread across zones as the policy says; otherwise one.
   */
  readonly tierPolicy: TierPolicy;
  /** Where the ruler sends alerts (the kube-prometheus-stack Alertmanager). */
  readonly alertmanagerUrl: string;
  /** ConfigMap (in `namespace`) holding the ruler's rule files; optional, so the ruler starts before it exists. */
  readonly rulerRulesConfigMap: string;
  /** Requests and limits of one monolithic pod (config/sizing.ts). */
  readonly resources: Resources;
  /** How long blocks stay in S3. @default DEFAULTS.retention */
  readonly retention?: Duration;
  /** Each pod's volume: ingester WAL and TSDB head, store-gateway index headers, compactor scratch (config/sizing.ts). */
  readonly volumeSize: Storage;
  /** @default DEFAULTS.storageClass */
  readonly storageClass?: string;
  /** @default DEFAULTS.image */
  readonly image?: ImageRef;
  /** Operator steps outside the cluster (the bucket). */
  readonly runbook?: readonly RunbookSection[];
}

export const DEFAULTS = {
  image: ImageRef.parse(IMAGES.mimir),
  /** Replicas where highly available: the replication factor, one pod per zone. */
  haReplicas: 3,
  /** Long-term history: six times Prometheus' 15 days, and three times the 30-day forecast window. */
  retention: Duration.days(90),
  /** platform-base's default StorageClass (encrypted gp3 EBS). */
  storageClass: 'gp3',
  serviceAccount: 'mimir',
  /** The tenant every write and read lands in with multi-tenancy off. */
  tenant: 'anonymous',
  /** Object names. `gateway` is what writers and readers call (workflows/endpoints.ts). */
  names: { statefulSet: 'mimir', service: 'mimir', gateway: 'mimir-gateway', gossipRing: 'mimir-gossip-ring', config: 'mimir-config' },
  /** Mimir's HTTP (API and metrics), gRPC and memberlist ports; the gateway Service's port. */
  ports: { http: 8080, grpc: 9095, memberlist: 7946, gateway: 80 },
  /** The grafana/mimir image's user and group. */
  uid: 10001,
  /** Blocks live under this prefix of the bucket. */
  blocksPrefix: 'blocks',
  paths: { config: '/etc/mimir', data: '/data', rules: '/etc/mimir-rules' },
  configFile: 'mimir.yaml',
  /** The writable /tmp under the read-only root filesystem. */
  tmpSize: Storage.mebibytes(256),
  /** How often Prometheus scrapes Mimir's /metrics. */
  scrapeInterval: Duration.seconds(30),
  /** Time for the ingester to close its TSDB and the compactor to stop between jobs. */
  terminationGracePeriodSeconds: 300,
  /**
   * Per-tenant limits above Mimir's defaults (150k series, 10k samples/s), which one cluster's
   * Prometheus at a 30 s scrape interval already reaches; and exemplar storage, off by default,
   * which Grafana's metric → trace links need.
   */
  limits: { maxGlobalSeriesPerUser: 1_000_000, ingestionRate: 40_000, ingestionBurstSize: 800_000, maxGlobalExemplarsPerUser: 100_000 },
} as const;

/** Mimir's HTTP API paths behind the gateway: Prometheus remote write, OTLP (the exporter appends /v1/metrics), the Prometheus query API. */
export const MIMIR_API_PATHS = { remoteWrite: '/api/v1/push', otlp: '/otlp', query: '/prometheus' } as const;

/** The address writers and readers call in `namespace`: the `mimir-gateway` Service on port 80 (see MIMIR_API_PATHS). */
export function mimirEndpoints(namespace: string): { readonly gateway: Endpoint } {
  return { gateway: Endpoint.service(DEFAULTS.names.gateway, namespace, DEFAULTS.ports.gateway) };
}

const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PORT = { http: 'http-metrics', grpc: 'grpc', memberlist: 'memberlist' } as const;

/** Everything the chart renders, resolved once from the props. */
interface Resolved {
  readonly props: MimirProps;
  readonly role: IrsaRole;
  readonly replicas: number;
  readonly replicationFactor: number;
  readonly resources: Resources;
  readonly image: ImageRef;
  readonly version?: string;
  readonly config: MimirConfig;
}

/** The image tag, when it is a valid label value (for `app.kubernetes.io/version`). */
function imageTag(image: ImageRef): string | undefined {
  const tag = image.tag;
  return tag && /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(tag) ? tag : undefined;
}

function validate(props: MimirProps): void {
  if (!S3_BUCKET.test(props.bucket)) {
    throw new Error(`mimir: bucket "${props.bucket}" is not a valid S3 bucket name (3-63 lowercase letters, digits, "." or "-")`);
  }
  const image = props.image ?? DEFAULTS.image;
  if (!imageTag(image) || image.tag === 'latest') {
    throw new Error(`mimir: image "${image}" has no pinned tag; use e.g. grafana/mimir:3.0.1`);
  }
}

function resolve(props: MimirProps): Resolved {
  validate(props);
  const ns = props.namespace;
  const replicas = props.tierPolicy.replicas(DEFAULTS.haReplicas);
  const image = props.image ?? DEFAULTS.image;
  return {
    props,
    role: irsaRole(props.target, ns, DEFAULTS.serviceAccount, s3BucketPolicy(props.bucket)),
    replicas,
    replicationFactor: replicas,
    resources: props.resources,
    image,
    version: imageTag(image),
    config: mimirConfig({
      httpPort: DEFAULTS.ports.http,
      grpcPort: DEFAULTS.ports.grpc,
      memberlistPort: DEFAULTS.ports.memberlist,
      joinMembers: [`dns+${DEFAULTS.names.gossipRing}.${ns}.svc.cluster.local:${DEFAULTS.ports.memberlist}`],
      clusterLabel: `${ns}-${ID}`,
      s3: { region: props.target.region, bucket: props.bucket, prefix: DEFAULTS.blocksPrefix },
      replicationFactor: replicas,
      paths: { data: DEFAULTS.paths.data, rules: DEFAULTS.paths.rules },
      alertmanagerUrl: props.alertmanagerUrl,
      retention: props.retention ?? DEFAULTS.retention,
      limits: DEFAULTS.limits,
    }),
  };
}


export class MimirChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: MimirProps) {
    super(scope, id);
    const r = resolve(props);
    const ns = props.namespace;
    const n = DEFAULTS.names;
    const meta = (name: string, component: string, extra: Partial<ApiObjectMetadata> = {}): ApiObjectMetadata => ({
      name,
      namespace: ns,
      ...extra,
      labels: standardLabels({ name, instance: ID, version: r.version, component }),
    });
    const selector = selectorLabels({ name: n.statefulSet, instance: ID });
    const configText = renderMimirConfig(r.config);

    new k8s.KubeServiceAccount(this, 'serviceaccount', {
      // The pod keeps the default token mount: IRSA's web identity token is projected next to it.
      metadata: meta(DEFAULTS.serviceAccount, 'mimir', { annotations: irsaAnnotations(r.role) }),
    });

    new k8s.KubeConfigMap(this, 'config', {
      metadata: meta(n.config, 'mimir'),
      data: { [DEFAULTS.configFile]: configText },
    });

    const http = { name: PORT.http, port: DEFAULTS.ports.http, targetPort: k8s.IntOrString.fromNumber(DEFAULTS.ports.http), protocol: 'TCP', appProtocol: 'http' };
    new k8s.KubeService(this, 'service-gateway', {
      metadata: meta(n.gateway, 'gateway'),
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [{ ...http, name: 'http', port: DEFAULTS.ports.gateway }],
      },
    });
    new k8s.KubeService(this, 'service', {
      metadata: meta(n.service, 'mimir'),
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [http, { name: PORT.grpc, port: DEFAULTS.ports.grpc, targetPort: k8s.IntOrString.fromNumber(DEFAULTS.ports.grpc), protocol: 'TCP', appProtocol: 'grpc' }],
      },
    });
    new k8s.KubeService(this, 'service-gossip-ring', {
      metadata: meta(n.gossipRing, 'gossip-ring'),
      spec: {
        clusterIp: 'None',
        // Peers find each other before they are Ready: readiness waits for the ring.
        publishNotReadyAddresses: true,
        selector,
        ports: [{ name: PORT.memberlist, port: DEFAULTS.ports.memberlist, targetPort: k8s.IntOrString.fromNumber(DEFAULTS.ports.memberlist), protocol: 'TCP' }],
      },
    });

    new k8s.KubeStatefulSet(this, 'statefulset', {
      metadata: meta(n.statefulSet, 'mimir'),
      spec: {
        serviceName: n.gossipRing,
        replicas: r.replicas,
        // All pods start together: the ring needs its peers, and a WAL replay must not hold the others back.
        podManagementPolicy: 'Parallel',
        updateStrategy: { type: 'RollingUpdate' },
        selector: { matchLabels: selector },
        template: {
          metadata: {
            labels: standardLabels({ name: n.statefulSet, instance: ID, version: r.version, component: 'mimir' }),
            // A config change rolls the pods.
            annotations: { 'checksum/config': createHash('sha256').update(configText).digest('hex') },
          },
          spec: this.podSpec(r),
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: props.storageClass ?? DEFAULTS.storageClass,
              resources: { requests: { storage: k8s.Quantity.fromString(props.volumeSize.toString()) } },
            },
          },
        ],
      },
    });

    if (props.tierPolicy.highAvailability) {
      new k8s.KubePodDisruptionBudget(this, 'pdb', {
        metadata: meta(n.statefulSet, 'mimir'),
        // One pod at a time: the other two keep the replication factor 3 quorum.
        spec: { selector: { matchLabels: selector }, maxUnavailable: k8s.IntOrString.fromNumber(1) },
      });
    }

    new ServiceMonitor(this, 'servicemonitor', {
      metadata: meta(n.service, 'monitoring'),
      spec: {
        // Only the `mimir` Service: the gateway and the ring select the same pods.
        selector: { matchLabels: { ...selectorLabels({ name: n.service, instance: ID }), 'app.kubernetes.io/component': 'mimir' } },
        namespaceSelector: { matchNames: [ns] },
        endpoints: [{ port: PORT.http, path: '/metrics', interval: DEFAULTS.scrapeInterval.toString() }],
      },
    });
  }

  private podSpec(r: Resolved): k8s.PodSpec {
    const props = r.props;
    const selector = selectorLabels({ name: DEFAULTS.names.statefulSet, instance: ID });
    const p = DEFAULTS.paths;
    return {
      serviceAccountName: DEFAULTS.serviceAccount,
      enableServiceLinks: false,
      priorityClassName: PRIORITY.platformCritical,
      terminationGracePeriodSeconds: DEFAULTS.terminationGracePeriodSeconds,
      securityContext: {
        ...RESTRICTED_POD_SECURITY_CONTEXT,
        runAsUser: DEFAULTS.uid,
        runAsGroup: DEFAULTS.uid,
        fsGroup: DEFAULTS.uid,
        // Skip the recursive chown of a large volume when its root already has the group.
        fsGroupChangePolicy: 'OnRootMismatch',
      },
      ...(props.tierPolicy.highAvailability
        ? {
            // Two copies of the series on one node would lose the quorum with that node.
            affinity: {
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: selector }, topologyKey: 'kubernetes.io/hostname' }],
              },
            },
            // Mimir is a replicated store: the tier policy says how hard the zone rule is.
            topologySpreadConstraints: props.tierPolicy.k8sZoneSpreadConstraints(selector, 'replicated'),
          }
        : {}),
      containers: [
        {
          name: 'mimir',
          image: r.image.toString(),
          imagePullPolicy: 'IfNotPresent',
          args: ['-target=all', `-config.file=${p.config}/${DEFAULTS.configFile}`],
          ports: [
            { name: PORT.http, containerPort: DEFAULTS.ports.http, protocol: 'TCP' },
            { name: PORT.grpc, containerPort: DEFAULTS.ports.grpc, protocol: 'TCP' },
            { name: PORT.memberlist, containerPort: DEFAULTS.ports.memberlist, protocol: 'TCP' },
          ],
          // No liveness probe: an ingester replaying a large WAL is slow, not dead.
          readinessProbe: {
            httpGet: { path: '/ready', port: k8s.IntOrString.fromNumber(DEFAULTS.ports.http) },
            initialDelaySeconds: 30,
            periodSeconds: 10,
            timeoutSeconds: 2,
            failureThreshold: 3,
          },
          resources: r.resources.toRequirements(),
          securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
          volumeMounts: [
            { name: 'config', mountPath: p.config, readOnly: true },
            // `<rules dir>/<tenant>/`: the local rule store reads one directory per tenant.
            { name: 'rules', mountPath: `${p.rules}/${DEFAULTS.tenant}`, readOnly: true },
            { name: 'data', mountPath: p.data },
            // The root filesystem is read-only; /tmp is the one writable path besides the volume.
            { name: 'tmp', mountPath: '/tmp' },
          ],
        },
      ],
      volumes: [
        { name: 'config', configMap: { name: DEFAULTS.names.config } },
        { name: 'rules', configMap: { name: props.rulerRulesConfigMap, optional: true } },
        { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString(DEFAULTS.tmpSize.toString()) } },
      ],
    };
  }
}

/** The labels of Mimir's pods (the StatefulSet's selector labels), for peers' NetworkPolicies. */
export const POD_LABELS = selectorLabels({ name: DEFAULTS.names.statefulSet, instance: ID });

/**
 * Mimir's own traffic (lib/traffic.ts): the replicas gossip the hash ring (memberlist, TCP only in
 * Mimir) and call each other over gRPC (distributor to ingesters, queriers to ingesters and store
 * gateways); S3 and STS (IRSA) over HTTPS. The ruler's alerts to Alertmanager and the writers and
 * readers are declared in workflows/observability.ts.
 */
export function mimirTraffic(namespace: string): TrafficEdge[] {
  const mimir = { namespace, pods: POD_LABELS };
  const p = DEFAULTS.ports;
  return [
    { name: 'mimir-peers', from: mimir, to: mimir, ports: [{ port: p.grpc }, { port: p.memberlist }], reason: "Mimir's replicas gossip the hash ring (memberlist) and call each other over gRPC." },
    { name: 'mimir-s3', from: mimir, to: { entity: 'world' }, ports: [{ port: 443 }], reason: 'Blocks in S3, and STS for its IRSA role, over HTTPS; Cilium has no FQDN policies under chaining (lib/traffic.ts).' },
  ];
}

export function mimirComponent(props: MimirProps): PlatformComponent {
  const r = resolve(props);
  return {
    id: ID,
    workflow: Workflow.Observability,
    namespace: props.namespace,
    dependsOn: [],
    source: manifests((scope) => new MimirChart(scope, ID, props)),
    irsa: [r.role],
    traffic: mimirTraffic(props.namespace),
    runbook: props.runbook ?? [],
  };
}
