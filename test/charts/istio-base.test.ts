import { istioBaseComponent } from '../../charts/istio-base';
import { CHARTS } from '../../config/versions';
import { permissionsOf } from '../../argocd/applications';
import { CLUSTER_KINDS } from '../../lib/cluster-scope';
import { Workflow } from '../../lib/component';
import { component, hydratedFixture } from '../support';

describe('istio-base', () => {
  const c = istioBaseComponent({ namespace: 'istio-system' });
  const values = (c.source as any).values;

  it('installs the pinned base chart into istio-system as the first mesh component', () => {
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.istioBase });
    expect(c.namespace).toBe('istio-system');
    expect(c.workflow).toBe(Workflow.Mesh);
    expect(c.dependsOn).toEqual([]);
  });

  it('starts the validating webhook at failurePolicy Fail, so istiod never flips it under Argo CD', () => {
    expect(values.base.validationFailurePolicy).toBe('Fail');
  });

  it('leaves out the multicluster reader RBAC and renders the CRDs and the webhook', async () => {
    expect(values.global.enableReaderRBAC).toBe(false);
    const prod = await hydratedFixture('prod');
    expect(permissionsOf([component(prod, 'istio-base')], prod.objects).clusterResources).toEqual(expect.arrayContaining([CLUSTER_KINDS.crd, CLUSTER_KINDS.validatingWebhook]));
    expect(c.ignoreDifferences?.[0]).toMatchObject({ kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] });
  });
});
