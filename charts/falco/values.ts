/** The falco chart's keys we set (checked against the pinned chart's values.yaml by the key test). */
import type { k8s } from 'cdk8s-plus-28';
import type { K8sResources } from '../../lib/resources';

/** One falcoctl artifact step (install, follow). */
interface FalcoctlStep {
  readonly resources: K8sResources;
  readonly securityContext: k8s.SecurityContext;
}

/** One Falcosidekick output: where it sends, and from which priority on. */
interface SidekickOutput {
  readonly hostport: string;
  readonly endpoint: string;
  readonly minimumpriority: string;
}

export interface FalcoValues {
  readonly driver: { readonly kind: 'modern_ebpf'; readonly modernEbpf: { readonly leastPrivileged: boolean } };
  readonly podPriorityClassName: string;
  readonly resources: K8sResources;
  /** A runtime sensor must cover every node, whatever its taints. */
  readonly tolerations: readonly k8s.Toleration[];
  readonly customRules: Readonly<Record<string, string>>;
  readonly metrics: { readonly enabled: boolean };
  readonly serviceMonitor: { readonly create: boolean };
  readonly falcoctl: { readonly artifact: { readonly install: FalcoctlStep; readonly follow: FalcoctlStep } };
  /** Subchart falcosidekick (keys from its values.yaml, allowlisted in the key test). */
  readonly falcosidekick: {
    readonly enabled: boolean;
    readonly replicaCount: number;
    readonly resources: K8sResources;
    readonly priorityClassName: string;
    readonly podSecurityContext: k8s.PodSecurityContext;
    readonly securityContext: k8s.SecurityContext;
    readonly serviceMonitor: { readonly enabled: boolean };
    readonly webui: { readonly enabled: boolean };
    readonly config: { readonly loki: SidekickOutput; readonly alertmanager: SidekickOutput };
  };
}
