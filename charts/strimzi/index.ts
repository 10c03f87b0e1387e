/**
 * The Strimzi cluster operator (1.x: `kafka.strimzi.io/v1` only, KRaft only), OCI chart, in the
 * data namespace. With `watchNamespaces` empty it watches its own namespace, which is where the
 * Kafka cluster lives; listing that namespace again would render a second, conflicting RoleBinding
 * (the chart ranges over `watchNamespaces` plus the release namespace).
 */
import type { PlatformComponentId } from '../../config/ids';
import { CHARTS } from '../../config/versions';
import { PlatformComponent, Workflow } from '../../lib/component';
import { ControllerProps, helmComponent } from '../../lib/helm-component';
import { PRIORITY } from '../../lib/priority';
import { Resources } from '../../lib/resources';
import { StrimziValues } from './values';

export const ID = 'strimzi' satisfies PlatformComponentId;

export type StrimziProps = ControllerProps;

export const DEFAULTS = {
  /** A JVM: the chart's 384Mi is its floor; one reconciler for one cluster needs little CPU. */
  resources: Resources.of({ cpu: '100m', memory: '384Mi' }, { cpu: '1', memory: '512Mi' }),
} as const;

/**
 * The labels the chart puts on the cluster operator's pods; `strimzi.io/kind: cluster-operator` is
 * also the peer of the NetworkPolicy Strimzi generates for each Kafka cluster.
 */
export const OPERATOR_POD_LABELS = { name: 'strimzi-cluster-operator', 'strimzi.io/kind': 'cluster-operator' } as const;

export function strimziComponent(props: StrimziProps): PlatformComponent {
  const values: StrimziValues = {
    replicas: 1,
    watchNamespaces: [],
    watchAnyNamespace: false,
    resources: (props.resources ?? DEFAULTS.resources).toK8s(),
    priorityClassName: PRIORITY.platformCritical,
    generateNetworkPolicy: true,
    // Kafka, controller and entity-operator pods get security contexts that satisfy the
    // restricted Pod Security Standard of the data namespace.
    extraEnvs: [{ name: 'STRIMZI_POD_SECURITY_PROVIDER_CLASS', value: 'restricted' }],
  };
  return helmComponent({ id: ID, workflow: Workflow.Data, namespace: props.namespace, dependsOn: [], chart: CHARTS.strimzi, values });
}
