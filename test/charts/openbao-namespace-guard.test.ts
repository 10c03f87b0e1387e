import { DEFAULTS, openBaoComponent } from '../../charts/openbao';
import { breakGlassFlags, namespaceGuardObjects, WORKLOAD_CONTROLLERS, workloadCreators } from '../../charts/openbao/namespace-guard';
import { haProps, renderOpenBao } from './openbao-props';

jest.setTimeout(120_000);

const WORKLOAD_KINDS = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'];

describe("the security namespace's guard", () => {
  it('is a denying ValidatingAdmissionPolicy on pods, workloads and ServiceAccount tokens in OpenBao\'s namespace only', async () => {
    const props = { ...haProps(), namespace: 'vault' };
    const objs = (await renderOpenBao(openBaoComponent(props))) as readonly any[];
    const policy = objs.find((o) => o.kind === 'ValidatingAdmissionPolicy');
    const binding = objs.find((o) => o.kind === 'ValidatingAdmissionPolicyBinding');
    expect(policy.apiVersion).toBe('admissionregistration.k8s.io/v1');
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.spec.matchConstraints.namespaceSelector).toEqual({ matchLabels: { 'kubernetes.io/metadata.name': 'vault' } });
    const resources = policy.spec.matchConstraints.resourceRules.flatMap((r: any) => r.resources);
    expect(resources).toEqual(expect.arrayContaining(['serviceaccounts/token', 'pods', 'pods/exec', 'pods/attach', 'pods/ephemeralcontainers', 'deployments', 'statefulsets', 'daemonsets', 'replicasets', 'jobs', 'cronjobs']));
    expect(binding.spec).toEqual({ policyName: policy.metadata.name, validationActions: ['Deny'] });
    // Every workload OpenBao renders into its namespace is one the guard sees (so only a deployer applies it).
    const plural = (k: string) => `${k.toLowerCase()}s`;
    const kinds = new Set(objs.filter((o) => o.metadata.namespace === 'vault' && WORKLOAD_KINDS.includes(o.kind)).map((o) => o.kind));
    expect(kinds.size).toBeGreaterThan(0);
    for (const k of kinds) expect([k, resources.includes(plural(k))]).toEqual([k, true]);
  });

  it('lets through the deployers it is given and the controllers that run what they apply, and no ServiceAccount of the guarded namespace', () => {
    const deployer = 'system:serviceaccount:argocd:argocd-application-controller';
    const [policy] = namespaceGuardObjects({ namespace: 'security', deployers: [deployer], breakGlassGroup: DEFAULTS.breakGlassGroup }) as any[];
    const workloadRule = policy.spec.validations.find((v: any) => v.expression.includes('in ['));
    expect(workloadRule.expression).toContain(`'${deployer}'`);
    for (const c of WORKLOAD_CONTROLLERS) expect(workloadRule.expression).toContain(`'system:serviceaccount:kube-system:${c}'`);
    expect(policy.spec.validations.map((v: any) => v.expression).join('\n')).not.toContain('system:serviceaccount:security:');
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
