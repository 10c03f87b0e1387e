import { assertWithinPermissionsLock, mergePermissions, permissionsBeyondLock, secretsWithData } from '../../lib/checks';
import { Component, helm, Workflow } from '../../lib/component';
import { K8sObject } from '../../lib/render';
import type { HydratedModel } from '../../synth';

const chart = { repoURL: 'https://charts.example.com', chart: 'demo', version: '1.2.3' };
const secret = (data?: Record<string, string>, stringData?: Record<string, string>): K8sObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'demo-config', namespace: 'demo' },
  ...(data ? { data } : {}),
  ...(stringData ? { stringData } : {}),
});

function model(objects: K8sObject[]): HydratedModel {
  const c: Component = { id: 'demo', workflow: Workflow.Foundation, namespace: 'demo', dependsOn: [], source: helm(chart, {}) } as unknown as Component;
  return { env: { name: 'dev' }, components: [c], objects: new Map([['demo', objects]]) } as unknown as HydratedModel;
}

describe('the Secret check', () => {
  it('names the environment, component, chart, object and keys of a Secret with data', () => {
    expect(secretsWithData([model([secret({ password: 'aHVudGVyMg==' })])])).toEqual([
      expect.stringMatching(/^dev\/demo \(chart demo 1\.2\.3\): Secret demo\/demo-config has data \(1 keys: password\)/),
    ]);
    expect(secretsWithData([model([secret(undefined, { token: 'x' })])])).toHaveLength(1);
  });

  it('accepts Secrets without data (filled in the cluster) and other kinds', () => {
    expect(secretsWithData([model([secret(), secret({}), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'demo' }, data: { a: 'b' } }])])).toEqual([]);
  });
});

describe('the permissions lock', () => {
  const lock = { security: { namespaces: ['security'], clusterResources: ['rbac.authorization.k8s.io/ClusterRole'] } };

  it('passes a rendering within the lock, and a narrower one', () => {
    expect(permissionsBeyondLock({ security: { namespaces: ['security'], clusterResources: [] } }, lock)).toEqual([]);
    expect(() => assertWithinPermissionsLock(lock, lock)).not.toThrow();
  });

  it('fails naming each new namespace and cluster kind, and how to record them', () => {
    const wider = { security: { namespaces: ['security', 'kube-system'], clusterResources: ['rbac.authorization.k8s.io/ClusterRole', 'admissionregistration.k8s.io/MutatingWebhookConfiguration'] }, mesh: { namespaces: ['istio-system'], clusterResources: [] } };
    expect(permissionsBeyondLock(wider, lock)).toEqual([
      'project security: new destination namespace kube-system',
      'project security: new cluster-scoped kind admissionregistration.k8s.io/MutatingWebhookConfiguration',
      'project mesh: new destination namespace istio-system',
    ]);
    expect(() => assertWithinPermissionsLock(wider, lock)).toThrow(/npm run synth -- --update-permissions/);
  });

  it('merges two locks into their union, sorted', () => {
    expect(mergePermissions(lock, { security: { namespaces: ['apps'], clusterResources: [] }, apps: { namespaces: ['apps'], clusterResources: [] } })).toEqual({
      apps: { namespaces: ['apps'], clusterResources: [] },
      security: { namespaces: ['apps', 'security'], clusterResources: ['rbac.authorization.k8s.io/ClusterRole'] },
    });
  });
});
