import { ciliumComponent, CiliumProps } from '../../charts/cilium';
import type { CiliumValues } from '../../charts/cilium/values';
import { CHARTS } from '../../config/versions';
import { HelmSource } from '../../lib/component';
import { TierPolicy } from '../../lib/tier-policy';
import { objectsOfKind, renderComponent } from '../support';

jest.setTimeout(120_000);

const PROD = TierPolicy.of({ tier: 'prod', highAvailability: true, nodeGroupPerZone: true });
const DEV = TierPolicy.of({ tier: 'dev', highAvailability: false, nodeGroupPerZone: false });
const props: CiliumProps = { namespace: 'kube-system', tierPolicy: PROD };
const values = (p: CiliumProps): CiliumValues => (ciliumComponent(p).source as HelmSource).values as CiliumValues;

describe('cilium', () => {
  const prod = values(props);

  it('installs the pinned chart into the namespace it is given, after the monitoring CRDs its ServiceMonitors need', () => {
    const c = ciliumComponent(props);
    expect(c.namespace).toBe('kube-system');
    expect((c.source as HelmSource).chart).toEqual(CHARTS.cilium);
    expect(c.dependsOn).toEqual(['prometheus-operator-crds']);
  });

  it('chains onto aws-vpc-cni with native routing and leaves IPAM to it', () => {
    expect(prod).toMatchObject({
      cni: { chainingMode: 'aws-cni', exclusive: false },
      enableIPv4Masquerade: false,
      routingMode: 'native',
      endpointRoutes: { enabled: true },
    });
    expect((prod as unknown as Record<string, unknown>).ipam).toBeUndefined();
  });

  it('never renders certificates that change on every render', () => {
    expect(prod.hubble.tls.auto.method).toBe('cronJob');
  });

  it('restricts socket load-balancing to the host namespace for Istio unless told there is no Istio', () => {
    expect(prod.socketLB.hostNamespaceOnly).toBe(true);
    expect(values({ ...props, istio: false }).socketLB.hostNamespaceOnly).toBe(false);
  });

  it('sets requests and limits on the agent, the operator and Hubble relay, and replicates the operator only where the tier is highly available', () => {
    for (const r of [prod.resources, prod.operator.resources, prod.hubble.relay.resources]) {
      expect(r.requests.cpu).toBeTruthy();
      expect(r.limits.memory).toBeTruthy();
    }
    expect(prod.operator.replicas).toBe(2);
    expect(values({ ...props, tierPolicy: DEV }).operator.replicas).toBe(1);
  });

  it('runs the agent as a DaemonSet with the resources it passes to the chart', async () => {
    const objects = await renderComponent(ciliumComponent(props));
    const [agent] = objectsOfKind(objects, 'DaemonSet', 'cilium');
    expect(agent.metadata.namespace).toBe('kube-system');
    const container = agent.spec.template.spec.containers.find((c: { name: string }) => c.name === 'cilium-agent');
    expect(container.resources).toEqual(prod.resources);
  });
});
