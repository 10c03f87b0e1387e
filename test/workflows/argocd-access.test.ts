/**
 * Argo CD access on the rendered output (issue 10, point 7): single sign-on with the OIDC client
 * secret referenced, never inlined; policy.csv from the configured groups; the local admin account
 * off wherever SSO is set; the OIDC Secret created before Argo CD is installed and adopted later;
 * every Application and the root app on the environment's own git ref.
 */
import * as yaml from 'js-yaml';
import { stepNumber } from '../../argocd/steps';
import { SSO } from '../../charts/argocd';
import { FileTree } from '../../lib/output';
import { ENVIRONMENTS, fixtureEnvironment, renderedFixture } from '../support';

jest.setTimeout(120_000);

const trees = new Map<string, FileTree>();
beforeAll(async () => {
  for (const env of ENVIRONMENTS) trees.set(env, await renderedFixture(env));
});

function load(env: string, file: string): any {
  const text = trees.get(env)!.get(`${env}/${file}`);
  if (text === undefined) throw new Error(`${env}/${file} was not rendered`);
  return yaml.load(text);
}
const argocdCm = (env: string) => load(env, 'manifests/argocd/configmap-argocd-cm.yaml').data;
const rbacCm = (env: string) => load(env, 'manifests/argocd/configmap-argocd-rbac-cm.yaml').data;

describe('Argo CD access, rendered', () => {
  it('has environments with and without single sign-on in the fixture, so both paths are checked', () => {
    const withSso = ENVIRONMENTS.filter((e) => fixtureEnvironment(e).env.argocd.sso);
    expect(withSso.length).toBeGreaterThan(0);
    expect(withSso.length).toBeLessThan(ENVIRONMENTS.length);
  });

  describe.each(ENVIRONMENTS)('in %s', (env) => {
    const sso = () => fixtureEnvironment(env).env.argocd.sso;

    it('renders oidc.config from the config with the client secret as a $argocd-oidc reference, never a value, where SSO is set', () => {
      const cm = argocdCm(env);
      const s = sso();
      if (!s) {
        expect(cm['oidc.config']).toBeUndefined();
        return;
      }
      const oidc = yaml.load(cm['oidc.config']) as Record<string, unknown>;
      expect(oidc).toMatchObject({ issuer: s.issuer, clientID: s.clientID, requestedScopes: s.scopes, clientSecret: `$${SSO.secretName}:${SSO.secretKey}` });
      expect(oidc.cliClientID).toBe(s.cliClientID);
      expect(oidc.requestedIDTokenClaims).toEqual({ [s.groupsClaim]: { essential: true } });
      expect(cm.url).toBe(s.url);
      // No rendered Secret carries the OIDC client secret: only the bootstrap README and the ExternalSecret name it.
      const files = [...trees.get(env)!.keys()].filter((f) => f.includes('/manifests/') && /\/secret-[^/]*\.yaml$/.test(f));
      for (const f of files) expect(trees.get(env)!.get(f)).not.toMatch(/clientSecret/);
    });

    it('disables the local admin account where SSO is set and keeps it where none is', () => {
      expect(argocdCm(env)['admin.enabled']).toBe(sso() ? 'false' : 'true');
    });

    it('binds every configured IdP group to its role in policy.csv, matched on the configured groups claim, and grants no default role', () => {
      const rbac = rbacCm(env);
      expect(rbac['policy.default']).toBe('');
      const s = sso();
      if (!s) {
        expect(rbac['policy.csv']).toBe('');
        return;
      }
      expect(rbac.scopes).toBe(`[${s.groupsClaim}]`);
      const lines = new Set((rbac['policy.csv'] as string).split('\n').filter(Boolean));
      for (const g of s.rbac.admin) expect(lines).toContain(`g, ${g}, role:admin`);
      for (const g of s.rbac.readonly) expect(lines).toContain(`g, ${g}, role:readonly`);
      for (const [project, groups] of Object.entries(s.rbac.projects)) {
        for (const level of ['read', 'sync'] as const) {
          for (const g of groups?.[level] ?? []) {
            expect(lines).toContain(`g, ${g}, role:project-${project}-${level}`);
            // The project roles reach Applications of their project only.
            for (const line of [...lines].filter((l) => l.startsWith(`p, role:project-${project}-${level},`))) expect(line).toMatch(new RegExp(`, ${project}(/\\*)?, allow$`));
          }
        }
      }
      const granted = new Set([...s.rbac.admin, ...s.rbac.readonly, ...Object.values(s.rbac.projects).flatMap((g) => [...(g?.read ?? []), ...(g?.sync ?? [])])]);
      const bound = [...lines].filter((l) => l.startsWith('g, ') && !l.startsWith('g, role:')).map((l) => l.split(', ')[1]);
      expect(new Set(bound)).toEqual(granted);
    });

    it('creates the labelled OIDC Secret in a bootstrap step before Argo CD is installed, and adopts it with an ExternalSecret', () => {
      const readme = trees.get(env)!.get(`${env}/bootstrap/README.md`)!;
      const create = readme.indexOf(`create secret generic ${SSO.secretName} `);
      if (!sso()) {
        expect(create).toBe(-1);
        expect(trees.get(env)!.has(`${env}/manifests/external-secrets-config/externalsecret-${SSO.secretName}.yaml`)).toBe(false);
        return;
      }
      const secretsStep = readme.indexOf(`\n## ${stepNumber('bootstrapSecrets')}. `);
      const argocdStep = readme.indexOf(`\n## ${stepNumber('argocd')}. `);
      expect(secretsStep).toBeGreaterThan(0);
      expect(create).toBeGreaterThan(secretsStep);
      expect(create).toBeLessThan(argocdStep);
      const command = readme.slice(create, readme.indexOf('\n', readme.indexOf('kubectl apply -f -', create)));
      expect(command).toContain(`--from-literal=${SSO.secretKey}="$${SSO.env}"`);
      expect(command).toContain('kubectl label --local -f - app.kubernetes.io/part-of=argocd');
      const es = load(env, `manifests/external-secrets-config/externalsecret-${SSO.secretName}.yaml`);
      expect(es.metadata.namespace).toBe('argocd');
      expect(es.spec.target).toMatchObject({ name: SSO.secretName, creationPolicy: 'Owner', template: { metadata: { labels: { 'app.kubernetes.io/part-of': 'argocd' } } } });
      expect(es.spec.data).toEqual([expect.objectContaining({ secretKey: SSO.secretKey, remoteRef: expect.objectContaining({ key: SSO.openBaoPath, property: SSO.secretKey }) })]);
    });

    it("points every Application and the root app at the environment's own git ref", () => {
      const ref = fixtureEnvironment(env).env.argocd.targetRevision;
      const apps = [...trees.get(env)!.keys()].filter((f) => f.startsWith(`${env}/apps/application-`));
      expect(apps.length).toBeGreaterThan(0);
      for (const f of apps) expect(load(env, f.slice(env.length + 1)).spec.source.targetRevision).toBe(ref);
      expect(load(env, 'bootstrap/root-app.yaml').spec.source.targetRevision).toBe(ref);
    });
  });

  it('lets prod track its own ref while the others follow gitops.targetRevision (the fixture sets it for prod only)', () => {
    const m = fixtureEnvironment('prod');
    expect(m.env.argocd.targetRevision).not.toBe(m.config.gitops.targetRevision);
    expect(fixtureEnvironment('dev').env.argocd.targetRevision).toBe(m.config.gitops.targetRevision);
    expect(load('prod', 'bootstrap/root-app.yaml').spec.source.targetRevision).not.toBe(load('dev', 'bootstrap/root-app.yaml').spec.source.targetRevision);
  });
});
