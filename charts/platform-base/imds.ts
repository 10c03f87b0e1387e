/**
 * No pod reaches the EC2 instance metadata service (IMDS), the second of two locks on the node's
 * identity. The first is on the nodes: every node group sets `disablePodIMDS` (eksctl/cluster-config.ts:
 * IMDSv2 only, with a response hop limit of 1, so a reply never reaches a pod's network namespace).
 * This policy drops the packets before they leave the pod, whatever the node's metadata options
 * (a node group created by hand, or a launch template changed later).
 *
 * Why a CiliumClusterwideNetworkPolicy with `egressDeny`, not per-namespace NetworkPolicies:
 * - A Kubernetes NetworkPolicy can only allow. Denying one address means an allow of everything
 *   else (`ipBlock: 0.0.0.0/0 except 169.254.169.254/32`, plus every in-cluster peer, which a CIDR
 *   does not select under Cilium) for every pod it selects, and NetworkPolicies add up: in a
 *   namespace with a default-deny policy (platform-base `defaultDeny`, apps/network.ts), that allow
 *   would open all the egress the namespace's policies keep closed.
 * - A Cilium deny rule wins over every allow, from any policy, and `enableDefaultDeny: false` keeps
 *   it from putting the endpoints it selects into default-deny: egress that was open stays open,
 *   egress that was closed stays closed, and IMDS is closed in both.
 * Cilium enforces it in chaining mode on top of the VPC CNI (charts/cilium), like every policy.
 *
 * Every namespace, none exempt: every component that calls AWS has an IRSA role (web identity
 * token, no IMDS), and the IRSA webhook gives its pods AWS_REGION, so none needs the metadata
 * service; the EKS add-ons read what they need from the Kubernetes API when IMDS does not answer.
 * Pods on the host network (the VPC CNI's aws-node, kube-proxy, the Cilium agent) are not Cilium
 * endpoints and keep the node's access, as they need it. IPv6 IMDS (fd00:ec2::254) is off on these
 * nodes (eksctl enables no IPv6 metadata endpoint).
 */
import { Construct } from 'constructs';
import { CiliumClusterwideNetworkPolicy } from '../../imports/cilium.io';

/** The EC2 instance metadata service's IPv4 address. */
export const IMDS_CIDR = '169.254.169.254/32';

export const IMDS_DENY_POLICY = 'deny-instance-metadata';

export function imdsDenyPolicy(scope: Construct, labels: Record<string, string>): CiliumClusterwideNetworkPolicy {
  return new CiliumClusterwideNetworkPolicy(scope, IMDS_DENY_POLICY, {
    metadata: { name: IMDS_DENY_POLICY, labels },
    spec: {
      description: 'No pod reaches the EC2 instance metadata service: pods use their IRSA roles, never the node role.',
      // Every pod of every namespace.
      endpointSelector: {},
      // Deny only: selecting a pod must not close the egress its other policies leave open.
      enableDefaultDeny: { egress: false, ingress: false },
      egressDeny: [{ toCidr: [IMDS_CIDR] }],
    },
  });
}
