/**
 * Security contexts for the containers we author: what the restricted Pod Security Standard
 * requires, plus a read-only root filesystem. Exceptions are made at the call site, named and
 * explained there. They satisfy the Kubernetes API types (no `as const`), so native objects and
 * Helm values take them as they are, without casts or copies.
 */
import { k8s } from 'cdk8s-plus-28';

export const NON_ROOT_UID = 65532;

export const RESTRICTED_POD_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: NON_ROOT_UID,
  runAsGroup: NON_ROOT_UID,
  fsGroup: NON_ROOT_UID,
  seccompProfile: { type: 'RuntimeDefault' as const },
} satisfies k8s.PodSecurityContext;

export const RESTRICTED_CONTAINER_SECURITY_CONTEXT = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL' as const] },
  seccompProfile: { type: 'RuntimeDefault' as const },
} satisfies k8s.SecurityContext;
