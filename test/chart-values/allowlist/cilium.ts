import { ChartAllowlist } from '../allowlist';

const allowlist: ChartAllowlist = {
  freeForm: [],
  undocumented: [
    {
      path: 'socketLB.hostNamespaceOnly',
      proof: 'cilium/cilium install/kubernetes/cilium/templates/cilium-configmap.yaml (bpf-lb-sock-hostns-only from .Values.socketLB.hostNamespaceOnly); values.yaml has it only as a comment',
    },
  ],
};
export default allowlist;
