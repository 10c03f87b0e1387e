import { ChartAllowlist } from '../allowlist';

const allowlist: ChartAllowlist = {
  freeForm: [
    // A Kubernetes DeploymentStrategy, passed through as-is (templates/deployment.yaml:
    // `strategy: {{- toYaml .Values.deploymentStrategy }}`); values.yaml only shows `type`.
    'deploymentStrategy',
    // Annotation and label maps (Istio sidecar settings, NLB and external-dns annotations).
    'podAnnotations',
    'podLabels',
    'service.annotations',
  ],
  undocumented: [],
};
export default allowlist;
