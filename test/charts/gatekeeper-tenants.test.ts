/**
 * Tenants stay in their namespace (issue 10, point 2): in an application namespace no object may
 * obtain a certificate (K8sBlockedKinds) and no mesh policy may weaken mutual TLS
 * (K8sStrictMeshTls). Our templates' Rego is mirrored in ./gatekeeper-policy.ts (no OPA offline):
 * with the constraints built from props, crafted tenant objects are denied and the platform's own
 * mesh objects in istio-system are not matched. That every rendered object of the shipped platform
 * passes is test/workflows/gatekeeper-tenants.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { CERTIFICATE_ISSUANCE, gatekeeperConstraintsComponent, Policy, TENANT_CERTIFICATES_REASON, WEAK_DESTINATION_RULE_TLS_MODES, WEAK_PEER_AUTHENTICATION_MODES } from '../../charts/gatekeeper-constraints';
import { LibraryTemplate } from '../../charts/gatekeeper-templates';
import { groupOf } from '../../lib/cluster-scope';
import { ManifestSource } from '../../lib/component';
import { LabelDomain } from '../../lib/labels';
import { K8sObject, synthObjects } from '../../lib/render';
import { NS } from '../../workflows/namespaces';
import { ROOT } from '../support';
import { evaluate, matches, Subject } from './gatekeeper-policy';

const TENANT_KINDS = [Policy.NO_TENANT_CERTIFICATES, Policy.STRICT_MESH_TLS];

/** A crafted object as Gatekeeper would review it. */
function subject(apiVersion: string, kind: string, namespace: string, name: string, spec: unknown): Subject {
  return { source: `tenant ${kind}/${namespace}/${name}`, component: 'tenant', group: groupOf(apiVersion), kind, namespace, name, labels: {}, object: { apiVersion, kind, metadata: { name, namespace }, spec } };
}

const SA = 'cluster.local/ns/apps/sa/orders';
const peer = (ns: string, name: string, spec: unknown) => subject('security.istio.io/v1', 'PeerAuthentication', ns, name, spec);
const destinationRule = (ns: string, name: string, spec: unknown) => subject('networking.istio.io/v1', 'DestinationRule', ns, name, { host: 'orders.apps.svc.cluster.local', ...(spec as object) });
const authz = (ns: string, name: string, spec: unknown) => subject('security.istio.io/v1', 'AuthorizationPolicy', ns, name, spec);

/** What a tenant could write into its namespace to weaken the mesh, each of which must be denied. */
function weakeningMeshObjects(ns: string): Subject[] {
  return [
    peer(ns, 'permissive', { mtls: { mode: 'PERMISSIVE' } }),
    peer(ns, 'disable', { mtls: { mode: 'DISABLE' } }),
    peer(ns, 'port-permissive', { selector: { matchLabels: { app: 'orders' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { '8080': { mode: 'PERMISSIVE' } } }),
    destinationRule(ns, 'tls-disable', { trafficPolicy: { tls: { mode: 'DISABLE' } } }),
    destinationRule(ns, 'port-tls-disable', { trafficPolicy: { portLevelSettings: [{ port: { number: 8080 }, tls: { mode: 'DISABLE' } }] } }),
    destinationRule(ns, 'subset-tls-disable', { subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { tls: { mode: 'DISABLE' } } }] }),
    destinationRule(ns, 'subset-port-tls-disable', { subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { portLevelSettings: [{ port: { number: 8080 }, tls: { mode: 'DISABLE' } }] } }] }),
    authz(ns, 'allow-all', { action: 'ALLOW', rules: [{}] }),
    authz(ns, 'allow-all-implicit-action', { rules: [{ to: [{ operation: { ports: ['8080'] } }] }] }),
    authz(ns, 'allow-empty-from', { action: 'ALLOW', rules: [{ from: [] }] }),
    authz(ns, 'allow-empty-source', { action: 'ALLOW', rules: [{ from: [{ source: {} }] }] }),
    authz(ns, 'allow-any-principal', { action: 'ALLOW', rules: [{ from: [{ source: { principals: ['*'] } }] }] }),
    authz(ns, 'allow-any-namespace', { action: 'ALLOW', rules: [{ from: [{ source: { namespaces: ['*'] } }] }] }),
    authz(ns, 'second-rule-wildcard', { action: 'ALLOW', rules: [{ from: [{ source: { principals: [SA] } }] }, { from: [{ source: { principals: [SA, '*'] } }] }] }),
  ];
}

/** Mesh objects that keep mTLS strict and name their callers: never denied. */
function strictMeshObjects(ns: string): Subject[] {
  return [
    peer(ns, 'strict', { mtls: { mode: 'STRICT' } }),
    peer(ns, 'unset', { mtls: { mode: 'UNSET' } }),
    destinationRule(ns, 'istio-mutual', { trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' }, connectionPool: { tcp: { maxConnections: 10 } } } }),
    destinationRule(ns, 'no-tls', { trafficPolicy: { outlierDetection: { consecutive5xxErrors: 5 } } }),
    authz(ns, 'default-deny', {}),
    authz(ns, 'allow-named', { action: 'ALLOW', rules: [{ from: [{ source: { principals: [SA] } }, { source: { namespaces: [NS.emissary] } }], to: [{ operation: { ports: ['8080'] } }] }] }),
    authz(ns, 'deny-everyone', { action: 'DENY', rules: [{ from: [{ source: { principals: ['*'] } }], to: [{ operation: { paths: ['/admin'] } }] }] }),
    authz(ns, 'audit-everything', { action: 'AUDIT', rules: [{}] }),
  ];
}

/** Every kind of CERTIFICATE_ISSUANCE, as a tenant would write it. */
function certificateObjects(ns: string): Subject[] {
  const issuerRef = { name: 'letsencrypt-production', kind: 'ClusterIssuer', group: 'cert-manager.io' };
  return [
    subject('cert-manager.io/v1', 'Certificate', ns, 'steal', { secretName: 'steal-tls', dnsNames: ['login.example.com'], issuerRef }),
    subject('cert-manager.io/v1', 'CertificateRequest', ns, 'csr', { request: 'LS0tLS1CRUdJTi==', issuerRef }),
    subject('cert-manager.io/v1', 'Issuer', ns, 'own-acme', { acme: { server: 'https://acme.example.com/directory', privateKeySecretRef: { name: 'acme-key' }, solvers: [{ http01: {} }] } }),
    subject('acme.cert-manager.io/v1', 'Order', ns, 'order', { request: 'LS0tLS1CRUdJTi==', issuerRef, dnsNames: ['login.example.com'] }),
    subject('acme.cert-manager.io/v1', 'Challenge', ns, 'challenge', { dnsName: 'login.example.com', issuerRef, type: 'DNS-01', url: 'https://acme.example.com/c', key: 'k', token: 't', solver: {} }),
  ];
}

describe('tenant constraints built from props', () => {
  // Two application namespaces; the platform's own (istio-system, emissary) are not among them.
  const apps = ['apps', 'shop'];
  const tenantConstraints: any[] = synthObjects(
    gatekeeperConstraintsComponent({
      namespace: 'security',
      enforcement: 'deny',
      labelDomain: LabelDomain.of('platform.example.com'),
      applicationNamespaces: apps,
      auditOnlyNamespaces: [],
      allowedRegistries: ['ghcr.io/acme/'],
      injectedImages: [],
      exceptions: [],
      rbacAllowances: [],
      after: [],
      metrics: { podLabels: { 'gatekeeper.sh/system': 'yes' }, portName: 'metrics' },
    }).source as ManifestSource,
  ).filter((o: K8sObject) => TENANT_KINDS.some((p) => p.kind === o.kind));

  it('denies every crafted mesh policy that weakens mTLS or allows any source, in every application namespace', () => {
    const mesh = tenantConstraints.find((c) => c.metadata.name === Policy.STRICT_MESH_TLS.name);
    for (const ns of apps) {
      for (const s of weakeningMeshObjects(ns)) {
        expect(matches(mesh, s)).toBe(true);
        expect({ object: s.source, denied: evaluate([mesh], [s]).length > 0 }).toEqual({ object: s.source, denied: true });
      }
    }
  });

  it('admits mesh policies that keep mTLS strict and name their callers', () => {
    const mesh = tenantConstraints.find((c) => c.metadata.name === Policy.STRICT_MESH_TLS.name);
    const found = evaluate([mesh], apps.flatMap(strictMeshObjects)).map((v) => `${v.subject.source}: ${v.messages.join('; ')}`);
    expect(found).toEqual([]);
  });

  it("does not match the platform's mesh objects in istio-system, which are not a tenant's", () => {
    expect(apps).not.toContain(NS.istioSystem);
    const outside = [...weakeningMeshObjects(NS.istioSystem), ...certificateObjects(NS.istioSystem), ...certificateObjects(NS.emissary)];
    for (const c of tenantConstraints) for (const s of outside) expect(matches(c, s)).toBe(false);
  });

  it('denies every certificate-issuing kind in every application namespace, with the reason in the message', () => {
    const certs = tenantConstraints.find((c) => c.metadata.name === Policy.NO_TENANT_CERTIFICATES.name);
    expect(certs.spec.parameters).toEqual({ reason: TENANT_CERTIFICATES_REASON });
    for (const ns of apps) {
      const crafted = certificateObjects(ns);
      expect(crafted.map((s) => `${s.group}/${s.kind}`).sort()).toEqual(CERTIFICATE_ISSUANCE.flatMap((k) => k.kinds.map((kind) => `${k.apiGroups[0]}/${kind}`)).sort());
      const denied = evaluate([certs], crafted);
      expect(denied.map((v) => v.subject.source)).toEqual(crafted.map((s) => s.source));
      for (const v of denied) expect(v.messages[0]).toContain(TENANT_CERTIFICATES_REASON);
    }
  });
});

describe('our tenant ConstraintTemplates', () => {
  const templates = [
    { t: LibraryTemplate.BLOCKED_KINDS, name: 'k8sblockedkinds', params: ['reason'], rules: ['object_ref', 'object_name'] },
    { t: LibraryTemplate.STRICT_MESH_TLS, name: 'k8sstrictmeshtls', params: ['disallowedDestinationRuleTlsModes', 'disallowedPeerAuthenticationModes'], rules: ['disallowed', 'peer_modes', 'traffic_policies', 'tls_modes', 'any_source', 'object_ref'] },
  ];

  it.each(templates)("$name has the library's structure: a v1 ConstraintTemplate named after its kind, with a parameters schema and one admission target", ({ t, name, params }) => {
    const template = yaml.load(fs.readFileSync(path.join(ROOT, t.repoPath), 'utf8')) as any;
    expect(template.apiVersion).toBe('templates.gatekeeper.sh/v1');
    expect(template.metadata.name).toBe(name);
    expect(template.spec.crd.spec.names.kind).toBe(t.kind);
    expect(Object.keys(template.spec.crd.spec.validation.openAPIV3Schema.properties).sort()).toEqual(params);
    expect(template.spec.targets).toHaveLength(1);
    expect(template.spec.targets[0].target).toBe('admission.k8s.gatekeeper.sh');
    expect(template.spec.targets[0].rego.startsWith(`package ${name}\n`)).toBe(true);
  });

  it.each(templates)('$name is v0 Rego with balanced braces, and defines every rule it calls', ({ t, rules }) => {
    const rego: string = (yaml.load(fs.readFileSync(path.join(ROOT, t.repoPath), 'utf8')) as any).spec.targets[0].rego;
    expect(rego).not.toMatch(/\b(if|contains)\b\s*\{/);
    expect(rego).not.toMatch(/^import rego\.v1/m);
    for (const [open, close] of [['{', '}'], ['(', ')'], ['[', ']']]) expect(rego.split(open).length).toBe(rego.split(close).length);
    expect(rego).toContain('violation[{"msg": msg}]');
    for (const rule of rules) expect(rego).toMatch(new RegExp(`^${rule}[[(]`, 'm'));
  });

  it('strict-mesh-tls denies exactly the modes the constraint lists: PERMISSIVE and DISABLE for peers, DISABLE for destination rules', () => {
    expect([...WEAK_PEER_AUTHENTICATION_MODES].sort()).toEqual(['DISABLE', 'PERMISSIVE']);
    expect(WEAK_DESTINATION_RULE_TLS_MODES).toEqual(['DISABLE']);
  });
});
