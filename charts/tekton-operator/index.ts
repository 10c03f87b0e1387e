/**
 * The Tekton Operator (OCI chart from tektoncd/operator). It installs its CRDs and nothing else:
 * the platform owns the one `TektonConfig` (tekton-config), from which the operator installs
 * Tekton Pipelines into the target namespace.
 *
 * The operator refuses to start on a cluster older than `kubernetesMinVersion` (the knative/pkg
 * minimum its release vendors). The chart default stays in force; the factory checks it against
 * the cluster version the spine pins and fails the synth, not the rollout, on a mismatch.
 */
import type { PlatformComponentId } from '../../config/ids';
import { CHARTS } from '../../config/versions';
import { PlatformComponent, Workflow } from '../../lib/component';
import { helmComponent } from '../../lib/helm-component';
import { RESTRICTED_CONTAINER_SECURITY_CONTEXT, RESTRICTED_POD_SECURITY_CONTEXT } from '../../lib/security';
import { Resources } from '../../lib/resources';
import { TektonOperatorValues } from './values';

/** This component's id: its Argo CD Application name. */
export const ID = 'tekton-operator' satisfies PlatformComponentId;

export type { TektonOperatorValues } from './values';

export interface TektonOperatorProps {
  /** Where the operator runs (its components go to `targetNamespace`). */
  readonly namespace: string;
  /** Where the operator installs Tekton Pipelines. */
  readonly targetNamespace: string;
  /** The cluster's Kubernetes minor version, e.g. "1.35". */
  readonly kubernetesVersion: string;
  /** @default DEFAULTS.operatorResources */
  readonly operatorResources?: Resources;
  /** @default DEFAULTS.webhookResources */
  readonly webhookResources?: Resources;
}

export const DEFAULTS = {
  /**
   * The chart's own default (values.yaml of 0.81.1: the knative/pkg minimum of the release). We
   * render the same value, so the check below and the operator agree.
   */
  kubernetesMinVersion: 'v1.34.0',
  operatorResources: Resources.of({ cpu: '20m', memory: '48Mi' }, { cpu: '500m', memory: '256Mi' }),
  webhookResources: Resources.of({ cpu: '10m', memory: '32Mi' }, { cpu: '200m', memory: '128Mi' }),
  /** The chart's fullname for release `tekton-operator`. */
  release: 'tekton-operator',
} as const;

/** Parses "1.35", "v1.34.0" into [major, minor]. */
export function kubernetesMinor(version: string): [number, number] {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?$/.exec(version.trim());
  if (!m) throw new Error(`not a Kubernetes version: "${version}" (expected e.g. 1.35 or v1.34.0)`);
  return [Number(m[1]), Number(m[2])];
}

/** Whether a cluster at `cluster` satisfies a minimum of `minimum`. */
export function satisfiesMinimum(cluster: string, minimum: string): boolean {
  const [cMaj, cMin] = kubernetesMinor(cluster);
  const [mMaj, mMin] = kubernetesMinor(minimum);
  return cMaj > mMaj || (cMaj === mMaj && cMin >= mMin);
}

export function tektonOperatorComponent(props: TektonOperatorProps): PlatformComponent {
  if (!satisfiesMinimum(props.kubernetesVersion, DEFAULTS.kubernetesMinVersion)) {
    throw new Error(
      `tekton-operator ${CHARTS.tektonOperator.version} needs Kubernetes ${DEFAULTS.kubernetesMinVersion} or later, but kubernetesVersion is ${props.kubernetesVersion}; ` +
        'upgrade the cluster (platform.yaml kubernetesVersion) or pin an operator release whose minimum it meets',
    );
  }
  const operator = props.operatorResources ?? DEFAULTS.operatorResources;
  const webhook = props.webhookResources ?? DEFAULTS.webhookResources;
  const ns = props.namespace;
  const values: TektonOperatorValues = {
    // The operator's webhook needs its CRDs at startup; the chart owns them (Argo CD keeps them
    // in sync). Uninstalling the chart deletes them and every Tekton object with them.
    installCRDs: true,
    kubernetesMinVersion: DEFAULTS.kubernetesMinVersion,
    operator: {
      // CI control plane, not on the serving path: one replica in every environment (knative
      // leader election would make a second one a standby).
      replicas: 1,
      // tekton-config owns the TektonConfig; an auto-installed one would race it.
      autoInstallComponents: false,
      defaultTargetNamespace: props.targetNamespace,
      resources: operator.toK8s(),
    },
    webhook: { replicas: 1, resources: webhook.toK8s() },
    service: { createServiceMonitor: true },
    // The chart sets no security context; the operator images run as the distroless nonroot user.
    podSecurityContext: { runAsNonRoot: true, seccompProfile: RESTRICTED_POD_SECURITY_CONTEXT.seccompProfile },
    securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
  };
  return helmComponent({
    id: ID,
    workflow: Workflow.GitOps,
    namespace: ns,
    // Its ServiceMonitor needs the monitoring CRDs.
    dependsOn: ['prometheus-operator-crds'],
    chart: CHARTS.tektonOperator,
    values,
    releaseName: DEFAULTS.release,
  });
}
