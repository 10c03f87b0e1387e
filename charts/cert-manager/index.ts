/**
 * cert-manager: the operator that issues the platform's certificates (the ClusterIssuers and the
 * wildcard Certificate are `cert-manager-config`, a later wave, so the CRDs and the webhook are
 * ready first). The chart installs its own CRDs (`crds.enabled`) and keeps them on uninstall, so
 * deleting the Application never garbage-collects every Certificate in the cluster.
 *
 * DNS01 self-checks go only to public recursive resolvers: the in-cluster resolver (CoreDNS, then
 * the VPC resolver) may answer from a stale cache or a private zone, and the check would then wait
 * for a TXT record Let's Encrypt already sees.
 */
import type { PlatformComponentId } from '../../config/ids';
import { CHARTS } from '../../config/versions';
import { IgnoredDifference, PlatformComponent, Workflow } from '../../lib/component';
import { helmComponent, WEBHOOK_CA_BUNDLE_DIFFERENCES } from '../../lib/helm-component';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { TierPolicy } from '../../lib/tier-policy';
import { TrafficEdge } from '../../lib/traffic';
import { CertManagerValues } from './values';

export const ID = 'cert-manager' satisfies PlatformComponentId;

/** The controller's pods (the chart's selector labels of release `cert-manager`). */
export const CONTROLLER_POD_LABELS = { 'app.kubernetes.io/name': 'cert-manager', 'app.kubernetes.io/instance': 'cert-manager', 'app.kubernetes.io/component': 'controller' } as const;

/** The requests and limits of cert-manager's helpers, the same in every tier. */
export interface CertManagerResources {
  readonly webhook: Resources;
  readonly cainjector: Resources;
  /** The post-install API check Job (a hook: transient, not steady load). */
  readonly startupapicheck: Resources;
}

export interface CertManagerProps {
  readonly namespace: string;
  /**
   * Where the tier is highly available, two webhook replicas behind a PodDisruptionBudget, so a
   * node drain never blocks every Certificate write.
   */
  readonly tierPolicy: TierPolicy;
  /** The controller's requests and limits (per tier: config/sizing.ts). */
  readonly controllerResources: Resources;
  /** @default DEFAULTS.resources */
  readonly resources?: Partial<CertManagerResources>;
  /**
   * `host:port` of the public recursive resolvers the DNS01 self-check asks (and only them).
   * @default DEFAULTS.dns01RecursiveNameservers
   */
  readonly dns01RecursiveNameservers?: readonly string[];
}

export const DEFAULTS = {
  /**
   * The webhook and cainjector are small sidecar-like processes; their requests fit the rest of
   * workflow 2's ~0.5 CPU / ~768Mi budget beside the controller's.
   */
  resources: {
    webhook: Resources.of({ cpu: '10m', memory: '32Mi' }, { cpu: '100m', memory: '128Mi' }),
    cainjector: Resources.of({ cpu: '5m', memory: '64Mi' }, { cpu: '100m', memory: '256Mi' }),
    startupapicheck: Resources.of({ cpu: '10m', memory: '32Mi' }, { cpu: '100m', memory: '64Mi' }),
  } satisfies CertManagerResources,
  dns01RecursiveNameservers: ['1.1.1.1:53', '8.8.8.8:53'],
  releaseName: 'cert-manager',
} as const;

const HOST_PORT = /^[0-9a-zA-Z.-]+:\d{1,5}$/;

export function certManagerComponent(props: CertManagerProps): PlatformComponent {
  const r: CertManagerResources = { ...DEFAULTS.resources, ...props.resources };
  const nameservers = props.dns01RecursiveNameservers ?? DEFAULTS.dns01RecursiveNameservers;
  if (nameservers.length === 0) {
    throw new Error('cert-manager: dns01RecursiveNameservers is empty; give at least one public resolver such as 1.1.1.1:53');
  }
  const bad = nameservers.find((n) => !HOST_PORT.test(n));
  if (bad) throw new Error(`cert-manager: dns01RecursiveNameservers entry "${bad}" is not host:port; write it like 1.1.1.1:53`);

  const ns = props.namespace;
  const name = DEFAULTS.releaseName;
  const ha = props.tierPolicy.highAvailability;
  const webhookReplicas = props.tierPolicy.replicas(2);
  const values: CertManagerValues = {
    global: {
      priorityClassName: PRIORITY.platformCritical,
      // The chart's default is kube-system: a Role and lease there, outside the ingress AppProject.
      leaderElection: { namespace: ns },
    },
    crds: { enabled: true, keep: true },
    replicaCount: 1,
    resources: props.controllerResources.toK8s(),
    dns01RecursiveNameservers: nameservers.join(','),
    dns01RecursiveNameserversOnly: true,
    prometheus: { enabled: true, servicemonitor: { enabled: true } },
    webhook: {
      replicaCount: webhookReplicas,
      resources: r.webhook.toK8s(),
      // A PDB over a single replica would block every node drain, so only with two.
      podDisruptionBudget: ha ? { enabled: true, minAvailable: 1 } : { enabled: false },
    },
    cainjector: { replicaCount: 1, resources: r.cainjector.toK8s() },
    startupapicheck: { resources: r.startupapicheck.toK8s() },
  };
  // cainjector writes the webhook's CA into its two webhook configurations after every apply.
  const ignoreDifferences: IgnoredDifference[] = ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'].map((kind) => ({
    ...WEBHOOK_CA_BUNDLE_DIFFERENCES.find((d) => d.kind === kind)!,
    name: `${name}-webhook`,
  }));
  return helmComponent({
    id: ID,
    workflow: Workflow.Ingress,
    namespace: ns,
    dependsOn: [],
    chart: CHARTS.certManager,
    values,
    releaseName: name,
    ignoreDifferences,
    traffic: certManagerTraffic(ns, nameservers),
  });
}

/**
 * The controller's calls out (lib/traffic.ts; the webhook's caller, scrapes, DNS and API access are
 * derived): the ACME server and the DNS provider's API over HTTPS, and the DNS01 self-check to the
 * public resolvers it is limited to (`dns01RecursiveNameserversOnly`), on their ports over UDP and TCP.
 */
export function certManagerTraffic(namespace: string, nameservers: readonly string[]): TrafficEdge[] {
  const controller = { namespace, pods: CONTROLLER_POD_LABELS };
  const dnsPorts = [...new Set(nameservers.map((n) => Number(n.split(':').pop())))].sort((a, b) => a - b);
  return [
    { name: 'cert-manager-acme-dns-api', from: controller, to: { entity: 'world' }, ports: [{ port: 443 }], reason: "The ACME server (Let's Encrypt) and the DNS provider's API (Cloudflare) for DNS01." },
    {
      name: 'cert-manager-dns01-check',
      from: controller,
      to: { entity: 'world' },
      ports: dnsPorts.flatMap((port) => [{ port, protocol: 'UDP' as const }, { port, protocol: 'TCP' as const }]),
      reason: `The DNS01 self-check asks only the public resolvers ${nameservers.join(', ')}.`,
    },
  ];
}
