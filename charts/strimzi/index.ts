/**
 * The Strimzi cluster operator (1.x: `kafka.strimzi.io/v1` only, KRaft only), OCI chart, in the
 * data namespace. With `watchNamespaces` empty it watches its own namespace, which is where the
 * Kafka cluster lives; listing that namespace again would render a second, conflicting RoleBinding
 * (the chart ranges over `watchNamespaces` plus the release namespace).
 */
import { CHARTS } from '../../config/versions';
import { PlatformComponent, helm, Workflow } from '../../lib/component';
import { PRIORITY } from '../../lib/priority';
import { K8sResources, Resources } from '../../lib/resources';

/** The `strimzi-kafka-operator` chart (1.2.0) keys we set. */
export interface StrimziValues {
  readonly replicas: number;
  readonly watchNamespaces: readonly string[];
  readonly watchAnyNamespace: boolean;
  readonly resources: K8sResources;
  readonly priorityClassName: string;
  /** The operator renders a NetworkPolicy per listener from its `networkPolicyPeers`. */
  readonly generateNetworkPolicy: boolean;
  readonly extraEnvs: readonly { readonly name: string; readonly value: string }[];
}

export interface StrimziProps {
  readonly namespace: string;
  /** @default DEFAULTS.resources */
  readonly resources?: Resources;
}

export const DEFAULTS = {
  /** A JVM: the chart's 384Mi is its floor; one reconciler for one cluster needs little CPU. */
  resources: Resources.of({ cpu: '100m', memory: '384Mi' }, { cpu: '1', memory: '512Mi' }),
  deployment: 'strimzi-cluster-operator',
  container: 'strimzi-cluster-operator',
} as const;

export function strimziComponent(props: StrimziProps): PlatformComponent {
  const resources = props.resources ?? DEFAULTS.resources;
  const values: StrimziValues = {
    replicas: 1,
    watchNamespaces: [],
    watchAnyNamespace: false,
    resources: resources.toK8s(),
    priorityClassName: PRIORITY.platformCritical,
    generateNetworkPolicy: true,
    // Kafka, controller and entity-operator pods get security contexts that satisfy the
    // restricted Pod Security Standard of the data namespace.
    extraEnvs: [{ name: 'STRIMZI_POD_SECURITY_PROVIDER_CLASS', value: 'restricted' }],
  };
  return {
    id: 'strimzi',
    workflow: Workflow.Data,
    namespace: props.namespace,
    dependsOn: [],
    source: helm(CHARTS.strimzi, values),
  };
}
