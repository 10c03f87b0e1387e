/**
 * The enforcement rule every constraint set must keep, asserted the same way for constraints built
 * from props (test/charts/gatekeeper.test.ts) and for the shipped platform's
 * (test/workflows/security.test.ts).
 */
import { AUDIT_SUFFIX, Policy, PolicyException, PolicyScope } from '../../charts/gatekeeper-constraints';

/**
 * Every namespaced rule enforces `action` in every namespace but those its exceptions name, is
 * enforced on the rest of a namespace excepted for some components only, and audits the excepted
 * namespaces with dryrun.
 */
export function expectEnforcedExceptWhereExcepted(all: readonly any[], exceptions: readonly PolicyException[], action: string): void {
  for (const p of Policy.ALL.filter((x) => x.scope === PolicyScope.AllNamespaces)) {
    const own = exceptions.filter((e) => e.policy === p);
    const enforced = all.find((o) => o.metadata.name === p.name);
    expect(enforced.kind).toBe(p.kind);
    expect(enforced.spec.enforcementAction).toBe(action);
    expect(enforced.spec.match.namespaces).toBeUndefined();
    const excluded = [...new Set(own.map((e) => e.namespace))].sort();
    expect(enforced.spec.match.excludedNamespaces ?? []).toEqual(excluded);
    for (const ns of excluded.filter((n) => !own.some((e) => e.namespace === n && !e.selector))) {
      const there = all.find((o) => o.metadata.name === `${p.name}-${ns}`);
      expect(there.spec.enforcementAction).toBe(action);
      expect(there.spec.match.namespaces).toEqual([ns]);
      expect(there.spec.match.labelSelector.matchExpressions.every((e: any) => ['NotIn', 'DoesNotExist'].includes(e.operator))).toBe(true);
    }
    const audit = all.find((o) => o.metadata.name === `${p.name}${AUDIT_SUFFIX}`);
    if (excluded.length === 0) expect(audit).toBeUndefined();
    else expect(audit.spec).toMatchObject({ enforcementAction: 'dryrun', match: { namespaces: excluded } });
  }
}
