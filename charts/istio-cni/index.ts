/**
 * istio-cni: the Istio CNI node agent (chart `cni`), chained after Cilium.
 *
 * Cilium runs chained on aws-vpc-cni and writes `05-cilium.conflist` (aws-cni, then cilium-cni).
 * The Istio plugin is appended to that same list (`chained: true`), so every pod gets its network
 * from aws-vpc-cni, its policy from Cilium and, in injected namespaces, its traffic redirection to
 * the sidecar from Istio: no NET_ADMIN init container in the pods themselves.
 */
import type { PlatformComponentId } from '../../config/ids';
import { CHARTS } from '../../config/versions';
import { PlatformComponent, Workflow } from '../../lib/component';
import { helmComponent } from '../../lib/helm-component';
import { Resources } from '../../lib/resources';
import { IstioCniValues } from './values';

/** This component's id: its Argo CD Application name. */
export const ID = 'istio-cni' satisfies PlatformComponentId;

export type { IstioCniValues } from './values';

export interface IstioCniProps {
  readonly namespace: string;
  /** Namespaces whose pods the plugin never touches (kube-system, the mesh's own). */
  readonly excludeNamespaces: readonly string[];
  /** @default DEFAULTS.resources */
  readonly resources?: Resources;
  /** The CNI configuration file Cilium writes, which the Istio plugin is chained into. @default DEFAULTS.cniConfFileName */
  readonly cniConfFileName?: string;
}

export const DEFAULTS = {
  /** Sidecar mode only (no ambient): the agent installs the plugin and repairs pods; it is idle otherwise. */
  resources: Resources.of({ cpu: '25m', memory: '64Mi' }, { cpu: '200m', memory: '256Mi' }),
  cniConfFileName: '05-cilium.conflist',
  daemonSet: 'istio-cni-node',
  container: 'install-cni',
} as const;

export function istioCniComponent(props: IstioCniProps): PlatformComponent {
  const resources = props.resources ?? DEFAULTS.resources;
  const file = props.cniConfFileName ?? DEFAULTS.cniConfFileName;
  if (!/^[\w.-]+\.conflist$/.test(file)) {
    throw new Error(`istio-cni: cniConfFileName "${file}" is not a .conflist file name; chaining needs the plugin list Cilium writes (05-cilium.conflist)`);
  }
  const values: IstioCniValues = {
    chained: true,
    cniBinDir: '/opt/cni/bin',
    cniConfDir: '/etc/cni/net.d',
    // Pinned instead of "the first file found": on a new node istio-cni may start before Cilium has
    // written its list, and chaining into aws-vpc-cni's 10-aws.conflist would skip Cilium.
    cniConfFileName: file,
    excludeNamespaces: [...props.excludeNamespaces],
    resources: resources.toK8s(),
    seccompProfile: { type: 'RuntimeDefault' },
    // Pods that started before the plugin was ready on their node get their redirection repaired.
    repair: { enabled: true },
    global: { logAsJson: true },
  };
  return helmComponent({ id: ID, workflow: Workflow.Mesh, namespace: props.namespace, dependsOn: ['istio-base'], chart: CHARTS.istioCni, values });
}
