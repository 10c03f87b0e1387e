import { DEFAULTS } from '../../charts/openbao';
import { breakGlassFlags, namespaceGuardObjects, WORKLOAD_CONTROLLERS, workloadCreators } from '../../charts/openbao/namespace-guard';
import { NS } from '../../workflows/namespaces';
import { ENVIRONMENTS, hydratedFixture } from '../support';

jest.setTimeout(300_000);

const WORKLOAD_KINDS = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'];

describe("the security namespace's guard", () => {
  it.each(ENVIRONMENTS)('%s: is a denying ValidatingAdmissionPolicy on pods, workloads and ServiceAccount tokens in the security namespace only', async (env) => {
    const objs = (await hydratedFixture(env)).objects.get('openbao')! as readonly any[];
    const policy = objs.find((o) => o.kind === 'ValidatingAdmissionPolicy');
    const binding = objs.find((o) => o.kind === 'ValidatingAdmissionPolicyBinding');
    expect(policy.apiVersion).toBe('admissionregistration.k8s.io/v1');
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.spec.matchConstraints.namespaceSelector).toEqual({ matchLabels: { 'kubernetes.io/metadata.name': NS.security } });
    const resources = policy.spec.matchConstraints.resourceRules.flatMap((r: any) => r.resources);
    expect(resources).toEqual(expect.arrayContaining(['serviceaccounts/token', 'pods', 'pods/exec', 'pods/attach', 'pods/ephemeralcontainers', 'deployments', 'statefulsets', 'daemonsets', 'replicasets', 'jobs', 'cronjobs']));
    expect(binding.spec).toEqual({ policyName: policy.metadata.name, validationActions: ['Deny'] });
  });

  it.each(ENVIRONMENTS)("%s: lets through the user Argo CD applies as (its rendered controller binding's subject) and the controllers that run what it applies, and nobody else's ServiceAccount", async (env) => {
    const m = await hydratedFixture(env);
    const all = m.components.flatMap((c) => (m.objects.get(c.id) ?? []).map((o: any) => ({ component: c.id, o })));
    const controllerBinding = all.find(({ component, o }) => component === 'argocd' && o.kind === 'ClusterRoleBinding' && o.roleRef.name === 'argocd-application-controller')!.o as any;
    const sa = controllerBinding.subjects[0];
    const policy = (m.objects.get('openbao') as any[]).find((o) => o.kind === 'ValidatingAdmissionPolicy');
    const workloadRule = policy.spec.validations.find((v: any) => v.expression.includes('in ['));
    expect(workloadRule.expression).toContain(`'system:serviceaccount:${sa.namespace}:${sa.name}'`);
    for (const c of WORKLOAD_CONTROLLERS) expect(workloadRule.expression).toContain(`'system:serviceaccount:kube-system:${c}'`);
    // No ServiceAccount of the guarded namespace itself may create workloads or tokens there.
    expect(policy.spec.validations.map((v: any) => v.expression).join('\n')).not.toContain(`system:serviceaccount:${NS.security}:`);
    // Every workload rendered into the namespace is one the guard sees, so it is applied by Argo CD.
    const kinds = new Set(all.filter(({ o }) => o.metadata.namespace === NS.security && WORKLOAD_KINDS.includes(o.kind)).map(({ o }) => o.kind));
    const plural = (k: string) => `${k.toLowerCase()}s`;
    const guarded = policy.spec.matchConstraints.resourceRules.flatMap((r: any) => r.resources);
    for (const k of kinds) expect([k, guarded.includes(plural(k))]).toEqual([k, true]);
  });

  it('gives only kubelets ServiceAccount tokens there, and the break-glass group everything, by impersonation', () => {
    const [policy, , role, ...bindings] = namespaceGuardObjects({ namespace: 'security', deployers: ['system:serviceaccount:argocd:argocd-application-controller'], breakGlassGroup: DEFAULTS.breakGlassGroup }) as any[];
    const tokenRule = policy.spec.validations.find((v: any) => v.expression.includes("'serviceaccounts' ||"));
    expect(tokenRule.expression).toContain("request.userInfo.username.startsWith('system:node:')");
    expect(tokenRule.expression).toContain(`'${DEFAULTS.breakGlassGroup}'`);
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] }]);
    expect(bindings.map((b) => [b.roleRef.name, b.subjects])).toEqual([
      [role.metadata.name, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: DEFAULTS.breakGlassGroup }]],
      ['admin', [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: DEFAULTS.breakGlassGroup }]],
    ]);
    expect(breakGlassFlags(DEFAULTS.breakGlassGroup)).toBe(`--as="break-glass:$(id -un)" --as-group=${DEFAULTS.breakGlassGroup} --as-group=system:authenticated`);
    expect(workloadCreators({ deployers: ['x'] })).toHaveLength(1 + WORKLOAD_CONTROLLERS.length);
  });

  it('refuses no deployers, and a deployer name that could break out of the CEL string', () => {
    expect(() => namespaceGuardObjects({ namespace: 'security', deployers: [], breakGlassGroup: 'g' })).toThrow(/deployers is empty/);
    expect(() => namespaceGuardObjects({ namespace: 'security', deployers: ["x' || true || '"], breakGlassGroup: 'g' })).toThrow(/deployers "x' \|\| true \|\| '" is not a Kubernetes user or group name/);
  });
});
