/** The `strimzi-kafka-operator` chart keys we set. Checked against chart-values/strimzi-kafka-operator/<version>. */
import { k8s } from 'cdk8s-plus-28';
import { K8sResources } from '../../lib/resources';

export interface StrimziValues {
  readonly replicas: number;
  readonly watchNamespaces: readonly string[];
  readonly watchAnyNamespace: boolean;
  readonly resources: K8sResources;
  readonly priorityClassName: string;
  /** The operator renders a NetworkPolicy per listener from its `networkPolicyPeers`. */
  readonly generateNetworkPolicy: boolean;
  /** Plain values only: the chart puts them in the operator container's `env`. */
  readonly extraEnvs: readonly Required<Pick<k8s.EnvVar, 'name' | 'value'>>[];
}
