/**
 * The Gatekeeper exceptions are exact: every rendered object (and the pod of every pod template)
 * of the shipped platform (the fixture config, every environment) is evaluated against every
 * constraint the environment renders, with the constraint kinds' Rego written again in TypeScript
 * (test/charts/gatekeeper-policy.ts; no OPA binary is available offline). Invariants over
 * whatever the config renders: no literal component or service names.
 */
import { PolicyScope, rbacRef } from '../../charts/gatekeeper-constraints';
import { K8sObject } from '../../lib/render';
import { HydratedModel } from '../../synth';
import { applicationNamespaces, constraintExceptions, rbacAllowances } from '../../workflows/security';
import { ENVIRONMENTS, hydratedFixture } from '../support';
import { evaluate, matches, Subject, subjectsOf, violations } from '../charts/gatekeeper-policy';

function constraintsOf(m: HydratedModel): any[] {
  return m.objects.get('gatekeeper-constraints')!.filter((o: K8sObject) => o.apiVersion.startsWith('constraints.gatekeeper.sh/'));
}

/** Every object but the constraints' own. */
function subjects(m: HydratedModel): Subject[] {
  return subjectsOf(m.objects);
}

function inScope(e: { namespace: string; selector?: { key: string; values?: readonly string[] } }, s: Subject): boolean {
  if (s.namespace !== e.namespace) return false;
  if (!e.selector) return true;
  const { key, values } = e.selector;
  return key in s.labels && (!values || values.includes(s.labels[key]));
}

describe.each(ENVIRONMENTS)('%s: Gatekeeper exceptions', (env) => {
  let model: HydratedModel;
  let all: Subject[];
  let constraints: any[];
  beforeAll(async () => {
    model = await hydratedFixture(env);
    all = subjects(model);
    constraints = constraintsOf(model);
  });

  it('renders objects and pods to judge', () => {
    expect(all.filter((s) => s.kind === 'Pod').length).toBeGreaterThan(20);
    expect(constraints.length).toBeGreaterThan(10);
  });

  it('no enforced constraint reports a violation on a rendered object: every violation is a named exception', () => {
    const enforced = constraints.filter((c) => c.spec.enforcementAction !== 'dryrun');
    const found = evaluate(enforced, all).map((v) => `${v.constraint.metadata.name}: ${v.subject.source}: ${v.messages.join('; ')}`);
    expect(found).toEqual([]);
  });

  it('every exception is needed: a rendered object in its scope breaks the rule (unless its pods are created at run time)', () => {
    const unneeded: string[] = [];
    for (const e of constraintExceptions(model.components, model.env.highAvailability)) {
      if (e.createdAtRuntimeBy) continue;
      const rule = constraints.find((c) => c.metadata.name === e.policy.name);
      expect(rule).toBeDefined();
      const needed = all.some((s) => inScope(e, s) && matchesKinds(rule, s) && violations(rule.kind, rule.spec.parameters, s).length > 0);
      if (!needed) unneeded.push(`${e.policy.name} ${e.component} ${e.namespace} ${JSON.stringify(e.selector ?? 'whole namespace')}`);
    }
    expect(unneeded).toEqual([]);
  });

  it('every excepted violation is still reported, by the dryrun audit constraint of its rule', () => {
    const unreported: string[] = [];
    for (const e of constraintExceptions(model.components, model.env.highAvailability)) {
      const rule = constraints.find((c) => c.metadata.name === e.policy.name);
      const audit = constraints.find((c) => c.metadata.name === `${e.policy.name}-audit`);
      expect(audit?.spec.enforcementAction).toBe('dryrun');
      for (const s of all.filter((x) => inScope(e, x) && matchesKinds(rule, x) && violations(rule.kind, rule.spec.parameters, x).length > 0)) {
        if (!matches(audit, s)) unreported.push(`${e.policy.name}: ${s.source}`);
      }
    }
    expect(unreported).toEqual([]);
  });

  it('every RBAC allowance of a chart names a rendered Role, ClusterRole or binding the rule would otherwise deny', () => {
    const rule = constraints.find((c) => c.kind === 'K8sRestrictedRbac');
    const unneeded: string[] = [];
    for (const a of rbacAllowances(model.components).filter((x) => x.component !== 'cluster')) {
      const without = { ...rule.spec.parameters, allowedWildcardRoles: [], allowedClusterAdminBindings: [] };
      const hit = all.some((s) => s.kind === a.kind && rbacRef({ kind: a.kind, name: s.name, namespace: s.namespace }) === rbacRef(a) && violations(rule.kind, without, s).length > 0);
      if (!hit) unneeded.push(rbacRef(a));
    }
    expect(unneeded).toEqual([]);
  });

  it('never excepts an application namespace: no constraint excludes one, and no audit-only constraint covers one', () => {
    const apps = applicationNamespaces(model.components);
    expect(apps.length).toBeGreaterThan(0);
    for (const c of constraints) {
      for (const ns of apps) {
        expect(c.spec.match.excludedNamespaces ?? []).not.toContain(ns);
        if (c.spec.enforcementAction === 'dryrun') expect(c.spec.match.namespaces).not.toContain(ns);
      }
    }
    for (const e of constraintExceptions(model.components, model.env.highAvailability)) {
      expect(apps).not.toContain(e.namespace);
      expect(e.policy.scope).toBe(PolicyScope.AllNamespaces);
    }
  });
});

/** Whether the constraint's kinds cover the subject (ignoring where it applies). */
function matchesKinds(constraint: any, s: Subject): boolean {
  return matches({ spec: { match: { kinds: constraint.spec.match.kinds, scope: constraint.spec.match.scope } } }, s);
}
