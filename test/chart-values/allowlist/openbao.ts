import { ChartAllowlist } from '../allowlist';

const allowlist: ChartAllowlist = {
  // Environment variable name → value (values.yaml: `extraEnvironmentVars: {}`).
  freeForm: ['server.extraEnvironmentVars'],
  undocumented: [
    {
      path: 'server.readinessProbe.path',
      proof: 'openbao/openbao-helm charts/openbao/templates/server-statefulset.yaml (httpGet path from .Values.server.readinessProbe.path); values.yaml has it only as a comment',
    },
  ],
};
export default allowlist;
