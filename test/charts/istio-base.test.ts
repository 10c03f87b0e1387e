import { istioBaseComponent, IstioBaseValues } from '../../charts/istio-base';
import { CHARTS } from '../../config/versions';
import { HelmSource, Workflow } from '../../lib/component';
import { objectsOfKind, renderComponent } from '../support';

describe('istio-base', () => {
  const c = istioBaseComponent({ namespace: 'mesh' });
  const values = (c.source as HelmSource).values as IstioBaseValues;

  it('installs the pinned base chart into its namespace as the first mesh component', () => {
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.istioBase });
    expect(c.namespace).toBe('mesh');
    expect(c.workflow).toBe(Workflow.Mesh);
    expect(c.dependsOn).toEqual([]);
    expect(values.global.istioNamespace).toBe('mesh');
  });

  it('starts the validating webhook at failurePolicy Fail, so istiod never flips it under Argo CD', () => {
    expect(values.base.validationFailurePolicy).toBe('Fail');
    expect(((istioBaseComponent({ namespace: 'mesh', validationFailurePolicy: 'Ignore' }).source as HelmSource).values as IstioBaseValues).base.validationFailurePolicy).toBe('Ignore');
  });

  it('leaves out the multicluster reader RBAC, renders the CRDs and the webhook, and ignores only the CA bundle istiod patches in', async () => {
    expect(values.global.enableReaderRBAC).toBe(false);
    const objects = await renderComponent(c);
    expect(objectsOfKind(objects, 'CustomResourceDefinition').length).toBeGreaterThan(0);
    const [webhook] = objectsOfKind(objects, 'ValidatingWebhookConfiguration');
    expect(webhook.webhooks.every((w: any) => w.failurePolicy === 'Fail')).toBe(true);
    expect(objectsOfKind(objects, 'ClusterRole').some((r) => /reader/.test(r.metadata.name))).toBe(false);
    expect(c.ignoreDifferences).toEqual([{ group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] }]);
  });
});
