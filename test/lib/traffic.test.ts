import { derivedEdges, edgePolicies, TrafficEdge } from '../../lib/traffic';
import type { K8sObject } from '../../lib/render';

const labels = (name: string) => ({ 'app.kubernetes.io/name': name });
const server = { namespace: 'vault', pods: { app: 'server' } };
const client = { namespace: 'apps', pods: { app: 'client' } };
const edge: TrafficEdge = { name: 'client-server', from: client, to: server, ports: [{ port: 8200 }], reason: 'The client reads secrets.' };

describe('edgePolicies', () => {
  it('renders the egress end where the caller lives and the ingress end where the callee lives, with the reason', () => {
    const [egress] = edgePolicies('apps', [edge], labels, 'example.com/traffic-reason');
    expect(egress).toMatchObject({
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-egress-client-server', namespace: 'apps', annotations: { 'example.com/traffic-reason': 'The client reads secrets.' } },
      spec: { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'vault' } }, podSelector: { matchLabels: { app: 'server' } } }], ports: [{ protocol: 'TCP', port: 8200 }] }] },
    });
    const [ingress] = edgePolicies('vault', [edge], labels, 'k');
    expect(ingress.spec).toMatchObject({ podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }] }] });
    expect(edgePolicies('elsewhere', [edge], labels, 'k')).toEqual([]);
  });

  it('speaks Cilium entities for the API server and the world, with string ports', () => {
    const out = edgePolicies('vault', [{ name: 'kms', from: server, to: { entity: 'world' }, ports: [{ port: 443 }], reason: 'KMS' }], labels, 'k');
    expect(out).toEqual([
      expect.objectContaining({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', spec: { endpointSelector: { matchLabels: { app: 'server' } }, egress: [{ toEntities: ['world'], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] }] } }),
    ]);
  });

  it('refuses two edges that would render the same policy, naming it', () => {
    expect(() => edgePolicies('apps', [edge, { ...edge, ports: [{ port: 1 }] }], labels, 'k')).toThrow('traffic in namespace apps: two edges render NetworkPolicy/allow-egress-client-server; give each edge a unique name');
  });
});

describe('derivedEdges', () => {
  const objects: K8sObject[] = [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'hook', namespace: 'vault', labels: { svc: 'hook' } }, spec: { selector: { app: 'hook' }, ports: [{ name: 'https', port: 443, targetPort: 'webhook' }] } },
    { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'v' }, webhooks: [{ clientConfig: { service: { name: 'hook', namespace: 'vault' } } }] },
    { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'm', namespace: 'vault' }, spec: { selector: { matchLabels: { svc: 'hook' } }, endpoints: [{ port: 'https' }] } },
  ];
  const prometheus = { namespace: 'observability', pods: { app: 'prometheus' } };

  it('finds the API server baseline, the webhook callee and the scrape target, resolving target ports', () => {
    const edges = derivedEdges('vault', objects, prometheus);
    expect(edges.map((e) => [e.name, e.from, e.to, e.ports])).toEqual([
      ['kube-apiserver', { namespace: 'vault', pods: {} }, { entity: 'kube-apiserver' }, [{ port: 443 }]],
      ['webhook-hook', { entity: 'kube-apiserver' }, { namespace: 'vault', pods: { app: 'hook' } }, [{ port: 'webhook' }]],
      ['scrape-hook', prometheus, { namespace: 'vault', pods: { app: 'hook' } }, [{ port: 'webhook' }]],
    ]);
    expect(derivedEdges('other', objects, prometheus).map((e) => e.name)).toEqual(['kube-apiserver']);
  });
});
