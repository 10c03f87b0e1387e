/**
 * Tenants stay in their namespace (issue 10, point 2), checked on the shipped platform (the fixture
 * config, every environment): the tenant constraints match exactly the application namespaces,
 * every rendered object passes them (and the platform's own mesh objects in the application
 * namespaces are judged, so the pass is not vacuous), and the apps AppProject allows no kind the
 * constraints deny. The crafted tenant objects that must be denied are judged against constraints
 * built from props in test/charts/gatekeeper-tenants.test.ts; the Rego is mirrored in
 * test/charts/gatekeeper-policy.ts (no OPA offline).
 */
import * as yaml from 'js-yaml';
import { CERTIFICATE_ISSUANCE, MESH_SECURITY, Policy } from '../../charts/gatekeeper-constraints';
import { K8sObject } from '../../lib/render';
import { HydratedModel } from '../../synth';
import { applicationNamespaces } from '../../workflows/security';
import { ENVIRONMENTS, hydratedFixture, renderedFixture } from '../support';
import { evaluate, matches, Subject, subjectsOf } from '../charts/gatekeeper-policy';

jest.setTimeout(120_000);

const TENANT_KINDS = [Policy.NO_TENANT_CERTIFICATES, Policy.STRICT_MESH_TLS];

function constraintsOf(m: HydratedModel): any[] {
  return m.objects.get('gatekeeper-constraints')!.filter((o: K8sObject) => TENANT_KINDS.some((p) => p.kind === o.kind));
}

describe.each(ENVIRONMENTS)('%s: tenant constraints', (env) => {
  let model: HydratedModel;
  let all: Subject[];
  let constraints: any[];
  let apps: string[];
  beforeAll(async () => {
    model = await hydratedFixture(env);
    all = subjectsOf(model.objects);
    constraints = constraintsOf(model);
    apps = applicationNamespaces(model.components);
  });

  it("renders one constraint per tenant rule, matching exactly the application namespaces with the environment's action", () => {
    expect(apps.length).toBeGreaterThan(0);
    for (const p of TENANT_KINDS) {
      const own = constraints.filter((c) => c.metadata.name === p.name);
      expect(own).toHaveLength(1);
      expect(own[0].spec.enforcementAction).toBe(model.env.policyEnforcement);
      expect(own[0].spec.match).toEqual({ kinds: p.kinds.map((k) => ({ apiGroups: [...k.apiGroups], kinds: [...k.kinds] })), scope: 'Namespaced', namespaces: apps });
    }
  });

  it('denies no rendered object: the platform passes its own tenant rules', () => {
    const found = evaluate(constraints, all).map((v) => `${v.constraint.metadata.name}: ${v.subject.source}: ${v.messages.join('; ')}`);
    expect(found).toEqual([]);
  });

  it("judges the platform's own mesh objects in the application namespaces, so that pass is not vacuous", () => {
    const mesh = constraints.find((c) => c.metadata.name === Policy.STRICT_MESH_TLS.name);
    const judged = all.filter((s) => matches(mesh, s));
    expect(judged.filter((s) => s.kind === 'AuthorizationPolicy').length).toBeGreaterThan(1);
    expect(judged.every((s) => apps.includes(s.namespace!))).toBe(true);
  });

  it('the rendered apps AppProject allows no certificate-issuing or mesh-security kind, so Argo CD refuses them too', async () => {
    const tree = await renderedFixture(env);
    const project = yaml.load(tree.get(`${env}/apps/appproject-apps.yaml`)!) as any;
    const allowed = (project.spec.namespaceResourceWhitelist ?? []).map((k: any) => `${k.group}/${k.kind}`);
    expect(allowed.length).toBeGreaterThan(0);
    for (const k of [...CERTIFICATE_ISSUANCE, ...MESH_SECURITY]) for (const kind of k.kinds) expect(allowed).not.toContain(`${k.apiGroups[0]}/${kind}`);
    expect(project.spec.clusterResourceWhitelist).toEqual([]);
  });
});
