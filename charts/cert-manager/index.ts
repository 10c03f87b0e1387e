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
import { CHARTS } from '../../config/versions';
import { PlatformComponent, helm, IgnoredDifference, Workflow } from '../../lib/component';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { CertManagerValues } from './values';

export interface CertManagerResources {
  readonly controller: Resources;
  readonly webhook: Resources;
  readonly cainjector: Resources;
  /** The post-install API check Job (a hook: transient, not steady load). */
  readonly startupapicheck: Resources;
}

export interface CertManagerProps {
  readonly namespace: string;
  /** Two webhook replicas behind a PodDisruptionBudget, so a node drain never blocks every Certificate write. */
  readonly highAvailability: boolean;
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
   * The controller carries the seed's "cert-manager Optimization" numbers (50m/64Mi, limits
   * 200m/256Mi). The webhook and cainjector are small sidecar-like processes; their requests fit
   * the rest of workflow 2's ~0.5 CPU / ~768Mi budget.
   */
  resources: {
    controller: Resources.of({ cpu: '50m', memory: '64Mi' }, { cpu: '200m', memory: '256Mi' }),
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
  const webhookReplicas = props.highAvailability ? 2 : 1;
  const values: CertManagerValues = {
    global: {
      priorityClassName: PRIORITY.platformCritical,
      // The chart's default is kube-system: a Role and lease there, outside the ingress AppProject.
      leaderElection: { namespace: ns },
    },
    crds: { enabled: true, keep: true },
    replicaCount: 1,
    resources: r.controller.toK8s(),
    dns01RecursiveNameservers: nameservers.join(','),
    dns01RecursiveNameserversOnly: true,
    prometheus: { enabled: true, servicemonitor: { enabled: true } },
    webhook: {
      replicaCount: webhookReplicas,
      resources: r.webhook.toK8s(),
      // A PDB over a single replica would block every node drain, so only with two.
      podDisruptionBudget: props.highAvailability ? { enabled: true, minAvailable: 1 } : { enabled: false },
    },
    cainjector: { replicaCount: 1, resources: r.cainjector.toK8s() },
    startupapicheck: { resources: r.startupapicheck.toK8s() },
  };
  // cainjector writes the webhook's CA into these after every apply.
  const ignoreDifferences: IgnoredDifference[] = ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'].map((kind) => ({
    group: 'admissionregistration.k8s.io',
    kind,
    name: `${name}-webhook`,
    jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'],
  }));
  return {
    id: 'cert-manager',
    workflow: Workflow.Ingress,
    namespace: ns,
    dependsOn: [],
    source: helm(CHARTS.certManager, values, name),
    ignoreDifferences,
  };
}
