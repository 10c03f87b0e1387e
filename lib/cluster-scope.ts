/**
 * Cluster-scoped kinds of the built-in Kubernetes API (1.35). Custom kinds take their scope from
 * their CRD (lib/hydrate.ts ScopeTable); `undefined` for a group that is not built in.
 */
const BUILTIN_CLUSTER_SCOPED = new Set<string>([
  '/Namespace', '/PersistentVolume', '/Node', '/ComponentStatus',
  'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration', 'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy', 'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io/MutatingAdmissionPolicy', 'admissionregistration.k8s.io/MutatingAdmissionPolicyBinding',
  'apiregistration.k8s.io/APIService',
  'scheduling.k8s.io/PriorityClass',
  'storage.k8s.io/StorageClass', 'storage.k8s.io/CSIDriver', 'storage.k8s.io/CSINode', 'storage.k8s.io/VolumeAttachment',
  'storage.k8s.io/VolumeAttributesClass',
  'networking.k8s.io/IngressClass', 'networking.k8s.io/IPAddress', 'networking.k8s.io/ServiceCIDR',
  'node.k8s.io/RuntimeClass',
  'certificates.k8s.io/CertificateSigningRequest', 'certificates.k8s.io/ClusterTrustBundle',
  'flowcontrol.apiserver.k8s.io/FlowSchema', 'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'resource.k8s.io/DeviceClass', 'resource.k8s.io/ResourceSlice',
]);

/** Built-in API groups (core is ''). */
const BUILTIN_GROUPS = new Set<string>([
  '', 'apps', 'batch', 'autoscaling', 'policy', 'rbac.authorization.k8s.io', 'apiextensions.k8s.io',
  'admissionregistration.k8s.io', 'apiregistration.k8s.io', 'scheduling.k8s.io', 'storage.k8s.io',
  'networking.k8s.io', 'node.k8s.io', 'certificates.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io',
  'events.k8s.io', 'flowcontrol.apiserver.k8s.io', 'resource.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io',
]);

export function isBuiltinClusterScoped(apiVersion: string, kind: string): boolean | undefined {
  const group = groupOf(apiVersion);
  if (!BUILTIN_GROUPS.has(group)) return undefined;
  return BUILTIN_CLUSTER_SCOPED.has(`${group}/${kind}`);
}

export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}


/** `group/Kind` keys (core group as `/Kind`) for the cluster-scoped kinds of the Kubernetes API we use. */
export const CLUSTER_KINDS = {
  namespace: '/Namespace',
  crd: 'apiextensions.k8s.io/CustomResourceDefinition',
  clusterRole: 'rbac.authorization.k8s.io/ClusterRole',
  clusterRoleBinding: 'rbac.authorization.k8s.io/ClusterRoleBinding',
  validatingWebhook: 'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  mutatingWebhook: 'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  apiService: 'apiregistration.k8s.io/APIService',
  priorityClass: 'scheduling.k8s.io/PriorityClass',
  storageClass: 'storage.k8s.io/StorageClass',
  csiDriver: 'storage.k8s.io/CSIDriver',
  ingressClass: 'networking.k8s.io/IngressClass',
  validatingAdmissionPolicy: 'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  validatingAdmissionPolicyBinding: 'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
} as const;

export const WEBHOOK_KINDS = [CLUSTER_KINDS.validatingWebhook, CLUSTER_KINDS.mutatingWebhook] as const;
