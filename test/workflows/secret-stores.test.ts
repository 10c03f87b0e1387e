/**
 * Secrets per reader (issue 10, point 1), checked on what the fixture's three environments render:
 * every ExternalSecret goes through a SecretStore of its own namespace; one that reads OpenBao
 * (the `vault` provider) logs in with a role (as the bootstrap README's reconcile step writes it)
 * that reads only paths whose reader list names that namespace, and every path it fetches is one
 * of them. (Stores of other providers, e.g. a service's copy of its data credentials through the
 * Kubernetes API, read no OpenBao path and are only held to their own namespace here.)
 */
import { OPENBAO } from '../../charts/openbao';
import { pathReaders } from '../../lib/secret-readers';
import { K8sObject } from '../../lib/render';
import { deliveredFromOpenBao } from '../../workflows/security';
import { ENVIRONMENTS, hydratedFixture, renderedFixture } from '../support';

jest.setTimeout(300_000);

/** A role of the reconcile step, as the README writes it into `roles/<name>.json`. */
interface RoleFile {
  readonly bound_service_account_names: readonly string[];
  readonly bound_service_account_namespaces: readonly string[];
  readonly token_policies: readonly string[];
}
/** The roles and the policies (path → capabilities) the README's reconcile step applies. */
export interface Reconciled {
  readonly roles: ReadonlyMap<string, RoleFile>;
  readonly policies: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;
}

/** The here-documents of the README's reconcile step, parsed: `roles/<n>.json` and `policies/<n>.hcl`. */
export function reconciledFromReadme(readme: string): Reconciled {
  const roles = new Map<string, RoleFile>();
  const policies = new Map<string, Map<string, string[]>>();
  for (const m of readme.matchAll(/^cat > "\$OPENBAO_DESIRED\/(roles|policies)\/([^"]+)\.(json|hcl)" <<'(\w+)'\n([\s\S]*?)\n\4$/gm)) {
    const [, dir, name, , , body] = m;
    if (dir === 'roles') roles.set(name, JSON.parse(body) as RoleFile);
    else {
      const rules = new Map<string, string[]>();
      for (const r of body.matchAll(/^path "([^"]+)" \{\n\s+capabilities = (\[[^\]]*\])\n\}/gm)) rules.set(r[1], JSON.parse(r[2]) as string[]);
      policies.set(name, rules);
    }
  }
  return { roles, policies };
}

/** The KV v2 data path of a key under the mount, as a policy names it. */
const dataPath = (key: string) => `${OPENBAO.kvMount}/data/${key}`;

/**
 * Every way an ExternalSecret could read what its namespace may not, or fail to read what it
 * needs: no store of its own namespace, a store whose role is not bound to that namespace, a key
 * its role's policies do not grant `read` on, or a key whose reader list lacks the namespace.
 */
export function unreadable(objects: readonly K8sObject[], reconciled: Reconciled, readers: ReadonlyMap<string, readonly string[]>): string[] {
  const out: string[] = [];
  const stores = objects.filter((o) => o.kind === 'SecretStore');
  for (const es of objects.filter((o) => o.kind === 'ExternalSecret') as any[]) {
    const ns: string = es.metadata.namespace;
    const id = `ExternalSecret ${ns}/${es.metadata.name}`;
    const ref = es.spec.secretStoreRef;
    const store = stores.find((s) => s.metadata.namespace === ns && s.metadata.name === ref.name) as any;
    if (ref.kind !== 'SecretStore' || !store) {
      out.push(`${id} uses ${ref.kind} ${ref.name}, not a SecretStore of its namespace`);
      continue;
    }
    if (!store.spec.provider.vault) continue;
    const auth = store.spec.provider.vault.auth.kubernetes;
    const role = reconciled.roles.get(auth.role);
    if (!role) {
      out.push(`${id}: its store's role ${auth.role} is not in the reconcile step`);
      continue;
    }
    if (role.bound_service_account_namespaces.join() !== ns || role.bound_service_account_names.join() !== auth.serviceAccountRef.name) {
      out.push(`${id}: role ${auth.role} is bound to ${role.bound_service_account_namespaces.join()}/${role.bound_service_account_names.join()}, not the store's ${ns}/${auth.serviceAccountRef.name}`);
    }
    const grants = role.token_policies.flatMap((p) => [...(reconciled.policies.get(p) ?? new Map()).entries()]);
    for (const d of es.spec.data as { remoteRef: { key: string } }[]) {
      const key = d.remoteRef.key;
      if (!grants.some(([p, caps]) => p === dataPath(key) && caps.includes('read'))) out.push(`${id}: role ${auth.role} cannot read ${dataPath(key)}`);
      if (!(readers.get(key) ?? []).includes(ns)) out.push(`${id} reads ${key}, whose readers are ${(readers.get(key) ?? []).join(', ') || 'nobody'}`);
    }
  }
  return out;
}

/** Paths a store's policies grant beyond what its namespace may read (a wildcard always is). */
export function overreach(objects: readonly K8sObject[], reconciled: Reconciled, readers: ReadonlyMap<string, readonly string[]>): string[] {
  const out: string[] = [];
  for (const store of objects.filter((o) => o.kind === 'SecretStore' && (o as any).spec.provider.vault) as any[]) {
    const ns: string = store.metadata.namespace;
    const role = reconciled.roles.get(store.spec.provider.vault.auth.kubernetes.role);
    for (const policy of role?.token_policies ?? []) {
      for (const [p] of reconciled.policies.get(policy) ?? new Map()) {
        const key = p.startsWith(dataPath('')) ? p.slice(dataPath('').length) : undefined;
        if (key === undefined || /[*+]/.test(p) || !(readers.get(key) ?? []).includes(ns)) out.push(`SecretStore ${ns}/${store.metadata.name}: policy ${policy} grants ${p}`);
      }
    }
  }
  return out;
}

async function environment(env: string) {
  const model = await hydratedFixture(env);
  const tree = await renderedFixture(env);
  // Every object the platform renders, whichever component renders it.
  const objects = model.components.flatMap((c) => model.objects.get(c.id) ?? []);
  const requirements = model.components.flatMap((c) => c.secrets ?? []).filter(deliveredFromOpenBao);
  return { objects, reconciled: reconciledFromReadme(tree.get(`${env}/bootstrap/README.md`)!), readers: pathReaders(requirements) };
}

describe('secrets per reader', () => {
  it.each(ENVIRONMENTS)("%s: every ExternalSecret reads only through its namespace's store, whose role may read each of its paths, and each path lists that namespace as a reader", async (env) => {
    const { objects, reconciled, readers } = await environment(env);
    expect(objects.filter((o) => o.kind === 'ExternalSecret').length).toBeGreaterThan(0);
    expect(objects.filter((o) => o.kind === 'ClusterSecretStore')).toEqual([]);
    expect(unreadable(objects, reconciled, readers)).toEqual([]);
  });

  it.each(ENVIRONMENTS)("%s: no store's policy reads a path outside its namespace's list, and none reads a wildcard", async (env) => {
    const { objects, reconciled, readers } = await environment(env);
    expect(objects.filter((o) => o.kind === 'SecretStore' && (o as any).spec.provider.vault).length).toBeGreaterThan(0);
    expect(overreach(objects, reconciled, readers)).toEqual([]);
    for (const [name, rules] of reconciled.policies) for (const p of rules.keys()) if (p.startsWith(dataPath(''))) expect([name, p]).toEqual([name, expect.not.stringMatching(/\*/)]);
  });

  it.each(ENVIRONMENTS)('%s: a path shared on purpose (the DNS provider token) has every consumer as a reader, each through its own role', async (env) => {
    const { objects, reconciled, readers } = await environment(env);
    const shared = [...readers.entries()].filter(([, ns]) => ns.length > 1);
    expect(shared.length).toBeGreaterThan(0);
    for (const [key, namespaces] of shared) {
      for (const ns of namespaces) {
        const store = objects.find((o) => o.kind === 'SecretStore' && (o as any).spec.provider.vault && o.metadata.namespace === ns) as any;
        const role = reconciled.roles.get(store.spec.provider.vault.auth.kubernetes.role)!;
        expect(role.bound_service_account_namespaces).toEqual([ns]);
        expect([...role.token_policies.flatMap((p) => [...(reconciled.policies.get(p) ?? new Map()).keys()])]).toContain(dataPath(key));
      }
    }
  });

  it('finds an ExternalSecret that borrows another namespace\'s path, and a policy that grants a wildcard', async () => {
    const { objects, reconciled, readers } = await environment('prod');
    const [key, owners] = [...readers.entries()].find(([, ns]) => !ns.includes('apps'))!;
    const borrowed = {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'borrowed', namespace: owners[0] },
      spec: { secretStoreRef: { kind: 'SecretStore', name: 'openbao' }, data: [{ secretKey: 'x', remoteRef: { key: 'not/declared' } }] },
    } as K8sObject;
    expect(unreadable([...objects, borrowed], reconciled, readers)).toEqual([
      `ExternalSecret ${owners[0]}/borrowed: role eso-${owners[0]} cannot read ${dataPath('not/declared')}`,
      `ExternalSecret ${owners[0]}/borrowed reads not/declared, whose readers are nobody`,
    ]);
    const store = objects.find((o) => o.kind === 'SecretStore' && (o as any).spec.provider.vault) as any;
    const policy = reconciled.roles.get(store.spec.provider.vault.auth.kubernetes.role)!.token_policies[0];
    const widened: Reconciled = { roles: reconciled.roles, policies: new Map([...reconciled.policies, [policy, new Map([[dataPath('*'), ['read']]])]]) };
    expect(overreach(objects, widened, readers)).toContain(`SecretStore ${store.metadata.namespace}/openbao: policy ${policy} grants ${dataPath('*')}`);
    expect(key).toBeTruthy();
  });
});
