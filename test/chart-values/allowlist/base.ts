import { ChartAllowlist } from '../allowlist';

const allowlist: ChartAllowlist = {
  freeForm: [],
  undocumented: [
    {
      path: 'base.validationFailurePolicy',
      proof:
        'istio/istio 1.30.3 manifests/charts/base/templates/defaultrevision-validatingwebhookconfiguration.yaml renders the webhook failurePolicy from .Values.base.validationFailurePolicy (added in 1.30.0, change notes: "For tools that use helm template with SSA, set base.validationFailurePolicy: Fail"); istiod 1.30.3 values.yaml documents it under base: as a comment only',
    },
  ],
};
export default allowlist;
