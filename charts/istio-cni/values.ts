import type { K8sResources } from '../../lib/resources';

/** The `cni` chart keys we set, at top level as the chart reads them. */
export interface IstioCniValues {
  readonly chained: boolean;
  readonly cniBinDir: string;
  readonly cniConfDir: string;
  readonly cniConfFileName: string;
  readonly excludeNamespaces: readonly string[];
  readonly resources: K8sResources;
  readonly seccompProfile: { readonly type: 'RuntimeDefault' };
  readonly repair: { readonly enabled: boolean };
  readonly global: { readonly logAsJson: boolean };
}
