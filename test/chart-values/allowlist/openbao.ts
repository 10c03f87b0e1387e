import { ChartAllowlist } from '../allowlist';

const allowlist: ChartAllowlist = {
  freeForm: [],
  undocumented: [
    {
      path: 'server.readinessProbe.path',
      proof: 'openbao/openbao-helm charts/openbao/templates/server-statefulset.yaml (httpGet path from .Values.server.readinessProbe.path); values.yaml has it only as a comment',
    },
  ],
};
export default allowlist;
