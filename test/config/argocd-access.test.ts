/**
 * platform.yaml's Argo CD access: `argocd.sso` (or an environment's own), the prod tier's need for
 * it, and the git ref each environment tracks.
 */
import { resolveEnvironment } from '../../config/defaults';
import { parseConfig } from '../../config/load';
import { configProblems as problems, configVariant as variant, FIXTURE_CONFIG_TEXT } from '../support';

const SSO = { issuer: 'https://login.example.com', clientID: 'argocd', rbac: { admin: ['platform-admins'] } };

describe('platform.yaml Argo CD access', () => {
  it('refuses a prod-tier environment without single sign-on, naming the key and the fix', () => {
    const text = variant((c) => {
      delete c.environments.prod.argocd;
      delete c.argocd;
    });
    expect(problems(text)).toEqual([
      'environments.prod.argocd.sso: required for the prod tier (environment prod): without single sign-on the only Argo CD login is the shared local admin account; ' +
        'set argocd.sso (or environments.prod.argocd.sso) with the OIDC issuer, clientID and the IdP groups of rbac.admin',
    ]);
  });

  it('applies the platform-level argocd.sso to every environment that sets none, with the defaults filled in', () => {
    const cfg = parseConfig(
      variant((c) => {
        delete c.environments.prod.argocd;
        delete c.environments.staging.argocd;
        c.argocd = { sso: SSO };
      }),
    );
    for (const env of ['dev', 'staging', 'prod']) {
      expect(resolveEnvironment(cfg, env).argocd.sso).toEqual({
        ...SSO,
        name: 'SSO',
        scopes: ['openid', 'profile', 'email', 'groups'],
        groupsClaim: 'groups',
        url: 'https://localhost:8080',
        rbac: { admin: ['platform-admins'], readonly: [], projects: {} },
      });
    }
  });

  it("lets an environment's own sso replace the platform's, and dev and staging run without any", () => {
    const cfg = parseConfig(FIXTURE_CONFIG_TEXT);
    expect(resolveEnvironment(cfg, 'dev').argocd.sso).toBeUndefined();
    expect(resolveEnvironment(cfg, 'prod').argocd.sso?.clientID).toBe(cfg.environments.prod.argocd?.sso?.clientID);
    const withPlatform = parseConfig(variant((c) => (c.argocd = { sso: { ...SSO, clientID: 'platform-client' } })));
    expect(resolveEnvironment(withPlatform, 'dev').argocd.sso?.clientID).toBe('platform-client');
    expect(resolveEnvironment(withPlatform, 'prod').argocd.sso?.clientID).toBe(withPlatform.environments.prod.argocd?.sso?.clientID);
    const noneInStaging = parseConfig(variant((c) => delete c.environments.staging.argocd));
    expect(resolveEnvironment(noneInStaging, 'staging').argocd.sso).toBeUndefined();
  });

  it('refuses an SSO block without an admin group, scopes without openid, a group that breaks policy.csv and an unknown project', () => {
    const found = problems(
      variant((c) => {
        c.argocd = {
          sso: {
            issuer: 'http://login.example.com',
            clientID: 'argocd',
            scopes: ['profile'],
            rbac: { admin: [], readonly: ['ops, admins'], projects: { tenants: { sync: ['team-a'] }, app: { sync: ['team-b'] } } },
          },
        };
      }),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        'argocd.sso.issuer: expected an https issuer URL such as https://login.example.com, got "http://login.example.com"',
        'argocd.sso.scopes: must include openid: without it the provider issues no ID token; add openid to the list',
        expect.stringMatching(/^argocd\.sso\.rbac\.readonly\[0\]: expected an IdP group name as the groups claim carries it: no comma/),
        'argocd.sso.rbac.projects.tenants: no Argo CD project "tenants"; use one of foundation, ingress, observability, gitops, security, mesh, data, apps (one per workflow)',
        'argocd.sso.rbac.projects.app: no Argo CD project "app" (did you mean "apps"?); use one of foundation, ingress, observability, gitops, security, mesh, data, apps (one per workflow)',
        'argocd.sso.rbac.admin: list at least one IdP group, e.g. admin: [platform-admins]: with SSO the local admin account is disabled, so without an admin group no one can administer Argo CD',
      ]),
    );
  });

  it('tracks gitops.targetRevision by default and an environment its own ref where it sets one', () => {
    const cfg = parseConfig(FIXTURE_CONFIG_TEXT);
    expect(resolveEnvironment(cfg, 'dev').argocd.targetRevision).toBe(cfg.gitops.targetRevision);
    expect(resolveEnvironment(cfg, 'prod').argocd.targetRevision).toBe(cfg.environments.prod.targetRevision);
    expect(cfg.environments.prod.targetRevision).not.toBe(cfg.gitops.targetRevision);
  });

  it('refuses a targetRevision git cannot name, saying what a ref looks like', () => {
    for (const ref of ['release prod', 'release..prod', '/release', 'release/', 'v1.lock', 'HEAD~1']) {
      expect(problems(variant((c) => (c.environments.prod.targetRevision = ref)))).toEqual([
        'environments.prod.targetRevision: expected a git branch, tag or commit such as main, release/prod or v1.4.0 (no spaces, "..", "~^:?*[\\", no leading or trailing "/" or ".")',
      ]);
    }
  });
});
