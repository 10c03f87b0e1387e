import { externalSecretsComponent, ExternalSecretsProps, ExternalSecretsValues } from '../../charts/external-secrets';
import { syncOptionsFor } from '../../argocd/applications';
import { CHARTS } from '../../config/versions';
import { HelmSource } from '../../lib/component';
import { PRIORITY } from '../../lib/priority';
import { K8sObject } from '../../lib/render';
import { objectsOfKind, renderComponent } from '../support';

jest.setTimeout(120_000);

const props: ExternalSecretsProps = { namespace: 'secrets', replicas: 2 };
const values = (p: ExternalSecretsProps): ExternalSecretsValues => (externalSecretsComponent(p).source as HelmSource).values as ExternalSecretsValues;

let rendered: Promise<K8sObject[]> | undefined;
const objects = (): Promise<K8sObject[]> => (rendered ??= renderComponent(externalSecretsComponent(props)));

describe('external-secrets', () => {
  it('installs its CRDs from the pinned chart, in the namespace it is given, with server-side apply', async () => {
    const c = externalSecretsComponent(props);
    expect(c.id).toBe('external-secrets');
    expect(c.namespace).toBe('secrets');
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.externalSecrets });
    expect(values(props).installCRDs).toBe(true);
    const objs = await objects();
    expect(objectsOfKind(objs, 'CustomResourceDefinition').length).toBeGreaterThan(20);
    expect(syncOptionsFor(c, objs)).toContain('ServerSideApply=true');
    for (const d of objectsOfKind(objs, 'Deployment')) expect(d.metadata.namespace).toBe('secrets');
  });

  it('runs several replicas leader-elected behind PodDisruptionBudgets, and a single one of each without', async () => {
    expect(values(props)).toMatchObject({ replicaCount: 2, leaderElect: true, podDisruptionBudget: { enabled: true }, webhook: { replicaCount: 2, podDisruptionBudget: { enabled: true } } });
    expect(values({ ...props, replicas: 1 })).toMatchObject({ replicaCount: 1, leaderElect: false, podDisruptionBudget: { enabled: false }, webhook: { replicaCount: 1, podDisruptionBudget: { enabled: false } } });
    // The cert-controller is leader-elected inside: one replica whatever the others run.
    expect(values(props).certController.replicaCount).toBe(1);
    expect(objectsOfKind(await objects(), 'PodDisruptionBudget').length).toBe(2);
  });

  it('sets requests, limits and the platform priority on every Deployment and scrapes them all', async () => {
    const v = values(props);
    for (const part of [v, v.webhook, v.certController]) {
      expect(part.resources.requests.cpu).toBeTruthy();
      expect(part.resources.limits.memory).toBeTruthy();
      expect(part.priorityClassName).toBe(PRIORITY.platformCritical);
      expect(part.metrics.service.enabled).toBe(true);
    }
    expect(v.serviceMonitor.enabled).toBe(true);
    const [controller] = objectsOfKind(await objects(), 'Deployment', 'external-secrets');
    expect(controller.spec.template.spec.containers[0].resources).toEqual(v.resources);
    for (const d of objectsOfKind(await objects(), 'Deployment')) expect([d.metadata.name, d.spec.template.spec.priorityClassName]).toEqual([d.metadata.name, PRIORITY.platformCritical]);
  });

  it('ignores the CA bundle the cert-controller injects into its webhooks and CRDs', () => {
    const c = externalSecretsComponent(props);
    expect(c.ignoreDifferences).toContainEqual(expect.objectContaining({ kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] }));
    expect(c.ignoreDifferences).toContainEqual(expect.objectContaining({ kind: 'CustomResourceDefinition', jqPathExpressions: ['.spec.conversion.webhook.clientConfig.caBundle'] }));
  });

  it('rejects a replica count that is not a positive whole number', () => {
    expect(() => externalSecretsComponent({ ...props, replicas: 0 })).toThrow(/external-secrets: replicas 0 must be a positive whole number/);
  });
});
