import { ChartAllowlist } from '../allowlist';

const allowlist: ChartAllowlist = {
  // MeshConfig (istio.mesh.v1alpha1): the chart writes the map verbatim into the istio ConfigMap;
  // values.yaml only shows enablePrometheusMerge.
  freeForm: ['meshConfig'],
  undocumented: [
    {
      path: 'base.validationFailurePolicy',
      proof:
        'istiod 1.30.3 values.yaml, _internal_defaults_do_not_set.base: "Override the failurePolicy for the validation webhook ... Set to \\"Fail\\" to avoid the flip-flop" (commented-out key); read by manifests/charts/istio-control/istio-discovery/templates/validatingwebhookconfiguration.yaml (Istio 1.30.0 change notes)',
    },
  ],
};
export default allowlist;
