/** The `redis-operator` chart keys we set. Checked against chart-values/redis-operator/<version>. */
import { k8s } from 'cdk8s-plus-28';
import { K8sResources } from '../../lib/resources';

export interface RedisOperatorValues {
  readonly redisOperator: {
    readonly watchNamespace: string;
    readonly imagePullPolicy: 'IfNotPresent';
    readonly webhook: boolean;
    readonly metrics: { readonly enabled: boolean };
  };
  readonly rbac: { readonly enabled: boolean; readonly scope: 'namespace' | 'cluster' };
  readonly replicas: number;
  readonly resources: K8sResources;
  readonly priorityClassName: string;
  readonly podSecurityContext: k8s.PodSecurityContext;
  readonly securityContext: k8s.SecurityContext;
}
