/**
 * The guard of OpenBao's namespace: who may create pods, workloads and ServiceAccount tokens there.
 *
 * The `openbao` ServiceAccount holds the KMS unseal rights (IRSA), and a token of the break-glass
 * `openbao-admin` ServiceAccount is OpenBao's administrator: whoever can run a pod as one of them,
 * or mint a token for one, owns every secret. So in this namespace:
 * - pods and workloads (Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs) are
 *   created or changed only by the deployers (Argo CD's application controller, from git) and by
 *   the kube-controller-manager's controllers that turn those workloads into pods; nobody else
 *   execs or attaches into a pod or adds an ephemeral container to one (each would reach the pod's
 *   ServiceAccount token);
 * - ServiceAccount tokens are requested only by kubelets (the projected tokens of the pods on their
 *   own node; the NodeRestriction admission plugin keeps each to its node's pods);
 * - members of the break-glass group may do both (bootstrap README, "Security namespace:
 *   break-glass"): only someone allowed to impersonate a group (cluster administrators) can act
 *   as one, and the audit log records the impersonator.
 *
 * A ValidatingAdmissionPolicy (in-process CEL, no webhook), not a Gatekeeper constraint: Gatekeeper's
 * own webhook exempts this namespace (Gatekeeper runs here, and a fail-closed webhook guarding its
 * own pods could never start again), so a constraint would never see these requests.
 */
import { K8sObject } from '../../lib/render';
import { standardLabels } from '../../lib/labels';

/**
 * The kube-controller-manager controllers that create or change pods and workloads from other
 * workloads (their ServiceAccounts in kube-system), and the garbage collector, which removes the
 * `foregroundDeletion` finalizer when Argo CD prunes (its default propagation is foreground).
 */
export const WORKLOAD_CONTROLLERS: readonly string[] = [
  'cronjob-controller',
  'daemon-set-controller',
  'deployment-controller',
  'generic-garbage-collector',
  'job-controller',
  'replicaset-controller',
  'statefulset-controller',
];

export interface NamespaceGuardProps {
  /** The guarded namespace. */
  readonly namespace: string;
  /** Usernames that deploy the namespace's workloads, e.g. `system:serviceaccount:argocd:argocd-application-controller`. */
  readonly deployers: readonly string[];
  /** The group whose members may do everything the guard denies (break-glass, by impersonation). */
  readonly breakGlassGroup: string;
}

const USERNAME = /^[-a-z0-9:.@_]+$/;

/** A CEL list literal of strings that need no escaping (checked). */
function celList(values: readonly string[], field: string): string {
  for (const v of values) if (!USERNAME.test(v)) throw new Error(`openbao namespace guard: ${field} "${v}" is not a Kubernetes user or group name (letters, digits, "-", ":", ".", "@", "_")`);
  return `[${values.map((v) => `'${v}'`).join(', ')}]`;
}

export function guardName(namespace: string): string {
  return `${namespace}-namespace-guard`;
}

/** Usernames the guard lets create pods and workloads: the deployers and the workload controllers. */
export function workloadCreators(props: Pick<NamespaceGuardProps, 'deployers'>): string[] {
  return [...props.deployers, ...WORKLOAD_CONTROLLERS.map((c) => `system:serviceaccount:kube-system:${c}`)];
}

/** The ValidatingAdmissionPolicy and its binding (Deny), scoped to the guarded namespace. */
export function namespaceGuardObjects(props: NamespaceGuardProps): K8sObject[] {
  if (props.deployers.length === 0) throw new Error('openbao namespace guard: deployers is empty; name the user that applies the namespace from git (Argo CD\'s application controller)');
  const name = guardName(props.namespace);
  const labels = standardLabels({ name, instance: 'openbao', component: 'namespace-guard' });
  const breakGlass = `(has(request.userInfo.groups) && ${celList([props.breakGlassGroup], 'breakGlassGroup')}.exists(g, g in request.userInfo.groups))`;
  const policy: K8sObject = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name, labels },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': props.namespace } },
        resourceRules: [
          { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['serviceaccounts/token'] },
          { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods', 'pods/ephemeralcontainers'] },
          { apiGroups: [''], apiVersions: ['v1'], operations: ['CONNECT'], resources: ['pods/attach', 'pods/exec'] },
          { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['daemonsets', 'deployments', 'replicasets', 'statefulsets'] },
          { apiGroups: ['batch'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['cronjobs', 'jobs'] },
        ],
      },
      validations: [
        {
          expression: `request.resource.resource != 'serviceaccounts' || request.userInfo.username.startsWith('system:node:') || ${breakGlass}`,
          messageExpression: `'${props.namespace}: only kubelets request ServiceAccount tokens here (the ServiceAccounts hold the OpenBao unseal and admin rights); ' + request.userInfo.username + ' may not; break-glass: the bootstrap README'`,
          reason: 'Forbidden',
        },
        {
          expression: `request.resource.resource == 'serviceaccounts' || request.userInfo.username in ${celList(workloadCreators(props), 'deployers')} || ${breakGlass}`,
          messageExpression: `'${props.namespace}: pods and workloads come only from git through Argo CD (and the controllers that run them); ' + request.userInfo.username + ' may not create, change, exec or attach to ' + request.resource.resource + '; break-glass: the bootstrap README'`,
          reason: 'Forbidden',
        },
      ],
    },
  };
  const binding: K8sObject = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name, labels },
    spec: { policyName: name, validationActions: ['Deny'] },
  };
  // What the break-glass group may do here once impersonated: Kubernetes' `admin` role in the
  // namespace, and the token requests the OpenBao administrator's login needs (not part of `admin`
  // in every release).
  const role: K8sObject = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: `${name}-break-glass`, namespace: props.namespace, labels },
    rules: [{ apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] }],
  };
  const subjects = [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: props.breakGlassGroup }];
  const bindings: K8sObject[] = [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: `${name}-break-glass`, namespace: props.namespace, labels }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name }, subjects },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: `${name}-break-glass-admin`, namespace: props.namespace, labels }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' }, subjects },
  ];
  return [policy, binding, role, ...bindings];
}

/**
 * The kubectl flags of a break-glass command: act as a named person in the break-glass group.
 * Impersonation needs the `impersonate` verb on users and groups, which only cluster administrators hold.
 */
export function breakGlassFlags(group: string): string {
  return `--as="break-glass:$(id -un)" --as-group=${group} --as-group=system:authenticated`;
}
