/**
 * Argo CD access: single sign-on through an existing OIDC provider (Argo CD's own OIDC client, no
 * Dex) and a group-based RBAC policy. Rendered as the chart's argocd-cm (`oidc.config`, `url`,
 * `admin.enabled`) and argocd-rbac-cm (`policy.csv`, `policy.default`, `scopes`) keys.
 *
 * - The client secret is never in git: `oidc.config` says `clientSecret: $argocd-oidc:clientSecret`,
 *   which Argo CD resolves from the Secret `argocd-oidc` (it reads only Secrets labelled
 *   `app.kubernetes.io/part-of: argocd`). That Secret is created at bootstrap, before Argo CD is
 *   installed, and adopted by an ExternalSecret from OpenBao `platform/argocd-oidc` later, like every
 *   bootstrap Secret (`oidcClientSecret`).
 * - With SSO the local `admin` account is disabled (`admin.enabled: "false"`): deleting
 *   `argocd-initial-admin-secret` alone does not disable it (the password hash lives in `argocd-secret`).
 * - `policy.default` is empty: whoever the provider lets log in but no mapped group names sees
 *   nothing. `role:readonly` as the default would show every Application's manifests, events and
 *   logs, platform namespaces included, to everyone the provider admits to the client (often a
 *   whole organisation); read access is granted per group (`rbac.readonly`) instead.
 */
import * as yaml from 'js-yaml';
import { stepNumber } from '../../argocd/steps';
import { RunbookSection, SecretRequirement, Workflow } from '../../lib/component';

/** Rights in one project: `read` its Applications and their logs; `sync` them too. */
export interface ProjectGroups {
  readonly read: readonly string[];
  readonly sync: readonly string[];
}

/** IdP groups → Argo CD roles. */
export interface ArgoCdRbac {
  /** Argo CD's built-in `role:admin`. */
  readonly admin: readonly string[];
  /** Argo CD's built-in `role:readonly`. */
  readonly readonly: readonly string[];
  /** Project (AppProject name) → groups with rights in it only. */
  readonly projects: Readonly<Partial<Record<string, ProjectGroups>>>;
}

export interface ArgoCdSso {
  /** The provider's issuer URL, exactly as its discovery document states it. */
  readonly issuer: string;
  readonly clientID: string;
  /** A separate public client for the CLI, where the provider needs one. */
  readonly cliClientID?: string;
  /** Display name of the login button. */
  readonly name: string;
  readonly scopes: readonly string[];
  /** The ID token claim with the user's groups. */
  readonly groupsClaim: string;
  /** Where people reach Argo CD (`url` of argocd-cm); the provider must allow `<url>/auth/callback`. */
  readonly url: string;
  readonly rbac: ArgoCdRbac;
}

export const SSO = {
  /** The Secret Argo CD resolves `$argocd-oidc:clientSecret` from. */
  secretName: 'argocd-oidc',
  secretKey: 'clientSecret',
  /** Argo CD reads `$<secret>:<key>` only from Secrets with this label. */
  secretLabels: { 'app.kubernetes.io/part-of': 'argocd' },
  openBaoPath: 'platform/argocd-oidc',
  env: 'ARGOCD_OIDC_CLIENT_SECRET',
  /** Where `argocd login --sso` receives the provider's redirect (the CLI's default `--sso-port`). */
  cliRedirect: 'http://localhost:8085/auth/callback',
  /** See the module comment: no rights for an authenticated user without a mapped group. */
  policyDefault: '',
} as const;

/** The `oidc.config` entry of argocd-cm: YAML Argo CD parses, emitted from a typed object. */
export interface OidcConfig {
  readonly name: string;
  readonly issuer: string;
  readonly clientID: string;
  readonly cliClientID?: string;
  /** `$<secret>:<key>`: a reference Argo CD resolves, never the value. */
  readonly clientSecret: string;
  readonly requestedScopes: readonly string[];
  readonly requestedIDTokenClaims: Readonly<Record<string, { readonly essential: boolean }>>;
}

const GROUP = /^[^,"#*\s]([^,"#*\n]*[^,"#*\s])?$/;

/** Throws the first problem of an SSO configuration, naming the field and the fix. */
export function validateSso(sso: ArgoCdSso): void {
  const projects: readonly string[] = Object.values(Workflow);
  if (!/^https:\/\/[^/\s]+(\/\S*)?$/.test(sso.issuer)) throw new Error(`argocd: sso.issuer "${sso.issuer}" is not an https URL; give the provider's issuer, e.g. https://login.example.com`);
  if (!/^https:\/\/[^/\s]+$/.test(sso.url)) throw new Error(`argocd: sso.url "${sso.url}" must be https://host[:port] without a path (the provider redirects to <url>/auth/callback)`);
  if (!sso.clientID) throw new Error('argocd: sso.clientID is empty; give the OIDC client ID registered for Argo CD');
  if (!sso.scopes.includes('openid')) throw new Error(`argocd: sso.scopes [${sso.scopes.join(', ')}] lacks openid; without it the provider issues no ID token`);
  if (sso.rbac.admin.length === 0) throw new Error('argocd: sso.rbac.admin lists no group; with SSO the local admin account is disabled, so name the IdP group that administers Argo CD');
  const grants: [string, readonly string[]][] = [
    ['rbac.admin', sso.rbac.admin],
    ['rbac.readonly', sso.rbac.readonly],
    ...Object.entries(sso.rbac.projects).flatMap(([p, g]): [string, readonly string[]][] => [[`rbac.projects.${p}.read`, g?.read ?? []], [`rbac.projects.${p}.sync`, g?.sync ?? []]]),
  ];
  for (const [where, groups] of grants) {
    for (const g of groups) {
      if (!GROUP.test(g)) throw new Error(`argocd: sso.${where} group "${g}" cannot be written into policy.csv (no comma, quote, "#" or "*", no leading or trailing space)`);
    }
  }
  for (const p of Object.keys(sso.rbac.projects)) {
    if (!projects.includes(p)) throw new Error(`argocd: sso.rbac.projects.${p} names no AppProject of this platform (one per workflow); use one of ${projects.join(', ')}`);
  }
}

export function oidcConfig(sso: ArgoCdSso): string {
  const config: OidcConfig = {
    name: sso.name,
    issuer: sso.issuer,
    clientID: sso.clientID,
    ...(sso.cliClientID ? { cliClientID: sso.cliClientID } : {}),
    clientSecret: `$${SSO.secretName}:${SSO.secretKey}`,
    requestedScopes: [...sso.scopes],
    // Login fails rather than lands a user without groups (who could do nothing).
    requestedIDTokenClaims: { [sso.groupsClaim]: { essential: true } },
  };
  return yaml.dump(config, { lineWidth: -1, noRefs: true });
}

/** The role a project's `read` or `sync` groups get. */
export function projectRole(project: string, level: keyof ProjectGroups): string {
  return `role:project-${project}-${level}`;
}

/**
 * policy.csv: a read and a sync role per project that grants any, then one `g` line per group and
 * role. Sorted, so the output is stable whatever order the config lists groups in.
 */
export function policyCsv(rbac: ArgoCdRbac): string {
  const lines: string[] = [];
  const bindings: string[] = [];
  const bind = (groups: readonly string[], role: string) => bindings.push(...[...new Set(groups)].sort().map((g) => `g, ${g}, ${role}`));
  for (const project of Object.keys(rbac.projects).sort()) {
    const g = rbac.projects[project]!;
    if (g.read.length === 0 && g.sync.length === 0) continue;
    const read = projectRole(project, 'read');
    const sync = projectRole(project, 'sync');
    lines.push(
      `p, ${read}, applications, get, ${project}/*, allow`,
      `p, ${read}, logs, get, ${project}/*, allow`,
      `p, ${read}, projects, get, ${project}, allow`,
      `p, ${sync}, applications, sync, ${project}/*, allow`,
      `g, ${sync}, ${read}`,
    );
    bind(g.read, read);
    bind(g.sync, sync);
  }
  bind(rbac.admin, 'role:admin');
  bind(rbac.readonly, 'role:readonly');
  return `${[...lines, ...bindings].join('\n')}\n`;
}

/** The OIDC client secret: created at bootstrap (before Argo CD starts), adopted from OpenBao later. */
export function oidcClientSecret(namespace: string): SecretRequirement {
  return {
    namespace,
    name: SSO.secretName,
    data: { [SSO.secretKey]: { path: SSO.openBaoPath, property: SSO.secretKey } },
    labels: { ...SSO.secretLabels },
    purpose: 'Argo CD OIDC client secret (single sign-on)',
    bootstrap: { [SSO.secretKey]: SSO.env },
  };
}

/** What the operator registers at the identity provider before the cluster exists. */
export function ssoRunbook(sso: ArgoCdSso): RunbookSection {
  const groups = [...new Set([...sso.rbac.admin, ...sso.rbac.readonly, ...Object.values(sso.rbac.projects).flatMap((g) => [...(g?.read ?? []), ...(g?.sync ?? [])])])].sort();
  return {
    phase: 'aws',
    title: 'Argo CD single sign-on client',
    body: `Register (or reuse) the OIDC client \`${sso.clientID}\`${sso.cliClientID ? ` and the CLI's public client \`${sso.cliClientID}\`` : ''} at \`${sso.issuer}\`, with the redirect
URIs \`${sso.url}/auth/callback\` (the UI) and \`${SSO.cliRedirect}\` (\`argocd login --sso\`). Its ID token must carry the
\`${sso.groupsClaim}\` claim (scopes ${sso.scopes.map((s) => `\`${s}\``).join(', ')}) with these groups: ${groups.map((g) => `\`${g}\``).join(', ')}.
Export the client secret; step ${stepNumber('bootstrapSecrets')} creates \`argocd/${SSO.secretName}\` from it and OpenBao
\`secret/${SSO.openBaoPath}\` holds it later:

\`\`\`bash
export ${SSO.env}="<the client secret>"
\`\`\`

The local \`admin\` account is disabled; log in as a member of ${sso.rbac.admin.map((g) => `\`${g}\``).join(', ')}.`,
  };
}
