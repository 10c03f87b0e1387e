/**
 * redis: the platform's Redis, through the OT-Container-Kit operator.
 *
 * - Highly available environments: a RedisReplication (one master, replicas) spread across zones
 *   and a RedisSentinel quorum that promotes a replica when the master fails. The operator labels
 *   the current master `redis-role=master`.
 * - dev: one standalone Redis.
 * - Clients always use the Service `redis` (port 6379), which we own: it selects the writable
 *   instance (the master, or the standalone), so a failover needs no client change. The
 *   operator's own Services keep their names (`<cr>`, `<cr>-headless`, `<cr>-master`, ...).
 * - The password comes from the Secret `redis-auth` (External Secrets, from OpenBao); the
 *   redis-exporter sidecar runs in every data pod and a PodMonitor scrapes it.
 */
import { ApiObjectMetadata } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Component, manifests, RunbookSection, SecretRequirement, Workflow } from '../../lib/component';
import { standardLabels } from '../../lib/labels';
import { PlatformChart } from '../../lib/platform-chart';
import { PRIORITY } from '../../lib/priority';
import { crdQuantities, K8sResources, Resources } from '../../lib/resources';
import { RESTRICTED_CONTAINER_SECURITY_CONTEXT } from '../../lib/security';
import { PodMonitor } from '../../imports/monitoring.coreos.com';
import {
  Redis,
  RedisReplication,
  RedisReplicationSpec,
  RedisSentinel,
  RedisSpec,
  RedisSpecKubernetesConfigResourcesLimits,
  RedisSpecKubernetesConfigResourcesRequests,
  RedisSpecPodSecurityContext,
  RedisSpecSecurityContext,
  RedisSpecStorageVolumeClaimTemplateSpecResourcesRequests,
} from '../../imports/redis.redis.opstreelabs.in';

/**
 * Requests and limits in the generated types, which wrap each quantity in a class (an IntOrString,
 * unwrapped by the construct's toJson). The classes of the three kinds have the same shape, so one
 * Redis* value serves Redis, RedisReplication and RedisSentinel alike.
 */
const quantities = (r: K8sResources) => crdQuantities(r, RedisSpecKubernetesConfigResourcesRequests.fromString, RedisSpecKubernetesConfigResourcesLimits.fromString);

/**
 * The server fields Redis and RedisReplication share. Their generated types differ only by name
 * except for enums (nominal in TypeScript) in fields we leave unset, so the shared value is typed
 * as both kinds' fields at once.
 */
type CommonKey = 'kubernetesConfig' | 'podSecurityContext' | 'securityContext' | 'priorityClassName' | 'redisExporter';
type RedisCommonSpec = Pick<RedisSpec, CommonKey> & Pick<RedisReplicationSpec, CommonKey>;

export interface RedisImages {
  readonly redis: string;
  readonly sentinel: string;
  readonly exporter: string;
}

export interface RedisProps {
  readonly namespace: string;
  /** Replication + Sentinel across zones; otherwise one standalone instance. */
  readonly highAvailability: boolean;
  readonly images: RedisImages;
  readonly resources: Resources;
  readonly storageSize: string;
  /** Redis instances (master + replicas) and Sentinels where highly available. @default DEFAULTS.replicas */
  readonly replicas?: number;
  /** @default DEFAULTS.exporterResources */
  readonly exporterResources?: Resources;
  /** @default DEFAULTS.sentinelResources */
  readonly sentinelResources?: Resources;
  /** @default DEFAULTS.storageClass */
  readonly storageClass?: string;
}

export const DEFAULTS = {
  /** The Service clients use (workflows/endpoints.ts `redis`). */
  serviceName: 'redis',
  port: 6379,
  exporterPort: 9121,
  replicas: 3,
  storageClass: 'gp3',
  /** The password Secret, key `password`, from OpenBao `data/redis`. */
  passwordSecret: { name: 'redis-auth', key: 'password' },
  openBaoPath: 'data/redis',
  names: { standalone: 'redis-standalone', replication: 'redis-replication', sentinel: 'redis-sentinel' },
  exporterResources: Resources.of({ cpu: '10m', memory: '32Mi' }, { cpu: '100m', memory: '64Mi' }),
  sentinelResources: Resources.of({ cpu: '20m', memory: '32Mi' }, { cpu: '100m', memory: '64Mi' }),
  /** maxmemory as a share of the container limit: headroom for fork (RDB) and buffers. */
  maxMemoryPercentOfLimit: 75,
} as const;

/** The opstree images run as uid/gid 1000 (the redis user they create). */
const POD_SECURITY: RedisSpecPodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: 1000,
  runAsGroup: 1000,
  fsGroup: 1000,
  seccompProfile: { type: 'RuntimeDefault' },
};

const EXPORTER_SECURITY: RedisSpecSecurityContext = { ...RESTRICTED_CONTAINER_SECURITY_CONTEXT };

/**
 * Exception to the read-only root filesystem: the opstree redis and sentinel entrypoints render
 * their configuration into /etc/redis at start. Everything else of the restricted profile holds.
 */
const SERVER_SECURITY: RedisSpecSecurityContext = { ...RESTRICTED_CONTAINER_SECURITY_CONTEXT, readOnlyRootFilesystem: false };

export class RedisChart extends PlatformChart {
  constructor(scope: Construct, id: string, props: RedisProps) {
    super(scope, id);
    const replicas = props.replicas ?? DEFAULTS.replicas;
    const meta = (name: string, component: string): ApiObjectMetadata => ({
      name,
      namespace: props.namespace,
      labels: standardLabels({ name, instance: id, component }),
    });
    const exporter: RedisCommonSpec['redisExporter'] = {
      enabled: true,
      image: props.images.exporter,
      imagePullPolicy: 'IfNotPresent',
      resources: quantities((props.exporterResources ?? DEFAULTS.exporterResources).toK8s()),
      securityContext: EXPORTER_SECURITY,
    };
    const server: RedisCommonSpec = {
      kubernetesConfig: {
        image: props.images.redis,
        imagePullPolicy: 'IfNotPresent',
        resources: quantities(props.resources.toK8s()),
        redisSecret: DEFAULTS.passwordSecret,
      },
      podSecurityContext: POD_SECURITY,
      securityContext: SERVER_SECURITY,
      priorityClassName: PRIORITY.platformCritical,
      redisExporter: exporter,
    };
    const storage: RedisSpec['storage'] = {
      volumeClaimTemplate: {
        spec: {
          storageClassName: props.storageClass ?? DEFAULTS.storageClass,
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: RedisSpecStorageVolumeClaimTemplateSpecResourcesRequests.fromString(props.storageSize) } },
        },
      },
    };
    const redisConfig = { maxMemoryPercentOfLimit: DEFAULTS.maxMemoryPercentOfLimit };
    const n = DEFAULTS.names;
    // The operator copies the CR's labels onto its pods and adds `app: <cr name>`,
    // `redis_setup_type` and, for replication, `redis-role`.
    let primarySelector: Record<string, string>;
    if (props.highAvailability) {
      const zoneSpread = (app: string) => [
        { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' as const, labelSelector: { matchLabels: { app } } },
      ];
      new RedisReplication(this, 'redisreplication', {
        metadata: meta(n.replication, 'server'),
        spec: { ...server, clusterSize: replicas, storage, redisConfig, topologySpreadConstraints: zoneSpread(n.replication), pdb: { enabled: true, maxUnavailable: 1 } },
      });
      new RedisSentinel(this, 'redissentinel', {
        metadata: meta(n.sentinel, 'sentinel'),
        spec: {
          kubernetesConfig: {
            image: props.images.sentinel,
            imagePullPolicy: 'IfNotPresent',
            resources: quantities((props.sentinelResources ?? DEFAULTS.sentinelResources).toK8s()),
          },
          podSecurityContext: POD_SECURITY,
          securityContext: SERVER_SECURITY,
          priorityClassName: PRIORITY.platformCritical,
          clusterSize: replicas,
          topologySpreadConstraints: zoneSpread(`${n.sentinel}-sentinel`),
          pdb: { enabled: true, maxUnavailable: 1 },
          redisSentinelConfig: {
            redisReplicationName: n.replication,
            redisReplicationPassword: { secretKeyRef: DEFAULTS.passwordSecret },
            masterGroupName: 'mymaster',
            // A majority of three Sentinels agrees before a failover.
            quorum: String(Math.floor(replicas / 2) + 1),
            // The guide's "traffic_rerouting < 1 minute": down after 5 s, failover within 10 s.
            downAfterMilliseconds: '5000',
            failoverTimeout: '10000',
          },
        },
      });
      primarySelector = { app: n.replication, redis_setup_type: 'replication', 'redis-role': 'master' };
    } else {
      new Redis(this, 'redis', { metadata: meta(n.standalone, 'server'), spec: { ...server, storage, redisConfig } });
      primarySelector = { app: n.standalone, redis_setup_type: 'standalone' };
    }

    new k8s.KubeService(this, 'service', {
      metadata: meta(DEFAULTS.serviceName, 'server'),
      spec: {
        type: 'ClusterIP',
        selector: primarySelector,
        ports: [{ name: 'redis', port: DEFAULTS.port, targetPort: k8s.IntOrString.fromNumber(DEFAULTS.port), protocol: 'TCP' }],
      },
    });

    new PodMonitor(this, 'podmonitor', {
      metadata: meta('redis', 'monitoring'),
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/instance': id, 'app.kubernetes.io/component': 'server' } },
        podMetricsEndpoints: [{ port: 'redis-exporter' }],
      },
    });
  }
}

export function redisComponent(props: RedisProps): Component {
  const replicas = props.replicas ?? DEFAULTS.replicas;
  if (props.highAvailability && (!Number.isInteger(replicas) || replicas < 3 || replicas % 2 === 0)) {
    throw new Error(`redis: replicas must be an odd number of at least 3 for a Sentinel quorum, got ${replicas}`);
  }
  const secrets: SecretRequirement[] = [
    {
      namespace: props.namespace,
      name: DEFAULTS.passwordSecret.name,
      data: { [DEFAULTS.passwordSecret.key]: { path: DEFAULTS.openBaoPath, property: 'password' } },
      purpose: 'Redis password (requirepass of every instance, Sentinel auth to the master)',
    },
  ];
  const runbook: RunbookSection[] = [
    {
      phase: 'openbao',
      title: 'Seed OpenBao with the Redis password',
      body: `Redis and the services that use it read one password from OpenBao \`secret/${DEFAULTS.openBaoPath}\`
(property \`password\`); External Secrets copies it to \`${props.namespace}/${DEFAULTS.passwordSecret.name}\` and to the services'
namespace. Seed it before \`redis\` syncs:

\`\`\`bash
bao kv put -mount=secret ${DEFAULTS.openBaoPath} password="$(openssl rand -base64 32 | tr -d '/+=')"
\`\`\`
`,
    },
  ];
  return {
    id: 'redis',
    workflow: Workflow.Data,
    namespace: props.namespace,
    dependsOn: ['redis-operator'],
    source: manifests((scope) => new RedisChart(scope, 'redis', props)),
    secrets,
    runbook,
  };
}
