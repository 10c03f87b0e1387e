import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { AUDIT_SUFFIX, gatekeeperConstraintsComponent, GatekeeperConstraintsProps, Policy, SKIP_DRY_RUN, SYNC_OPTIONS_ANNOTATION } from '../../charts/gatekeeper-constraints';
import { gatekeeperTemplatesComponent, LibraryTemplate, VENDOR_DIR } from '../../charts/gatekeeper-templates';
import { readVendoredObjects } from '../../lib/hydrate';
import { CHARTS, GIT_SOURCES } from '../../config/versions';
import { ManifestSource, VendoredSource, Workflow } from '../../lib/component';
import { LabelDomain } from '../../lib/labels';
import { PRIORITY } from '../../lib/priority';
import { K8sObject, synthObjects } from '../../lib/render';
import { syncOptionsFor } from '../../argocd/applications';
import { componentWorkloads } from '../../lib/workloads';
import { NS } from '../../workflows/namespaces';
import { auditOnlyNamespaces, INJECTED_IMAGES, SYSTEM_EXEMPTIONS } from '../../workflows/security';
import { component, ENVIRONMENTS, helmValues, hydratedFixture, ROOT, fixtureConfig, fixtureEnvironment } from '../support';

// The constraint schemas are in the repository (schemas/README.md), generated from the vendored library's commit.
const schemasDir = path.join(ROOT, 'schemas');

function objects(env: string): any[] {
  return synthObjects(component(fixtureEnvironment(env), 'gatekeeper-constraints').source as ManifestSource);
}
const constraints = (env: string): any[] => objects(env).filter((o: K8sObject) => o.apiVersion === 'constraints.gatekeeper.sh/v1beta1');

describe('gatekeeper', () => {
  it('runs the pinned chart in the security namespace with the platform priority, requests and limits', async () => {
    const c = component(fixtureEnvironment('prod'), 'gatekeeper');
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.gatekeeper });
    expect(CHARTS.gatekeeper.version).toBe('3.23.0');
    expect(c.namespace).toBe(NS.security);
    const v = helmValues(fixtureEnvironment('prod'), 'gatekeeper');
    for (const part of [v.controllerManager, v.audit]) {
      expect(part.priorityClassName).toBe(PRIORITY.platformCritical);
      expect(part.resources.requests.memory).toBeTruthy();
      expect(part.resources.limits.cpu).toBeTruthy();
    }
    const audit = componentWorkloads(await hydratedFixture('prod'), 'gatekeeper').find((w) => w.name === 'gatekeeper-audit')!;
    expect(audit.containers[0].resources.toK8s()).toEqual(v.audit.resources);
  });

  it('replicates the webhook in prod and runs one in dev, without a PDB that would block drains', () => {
    expect(helmValues(fixtureEnvironment('prod'), 'gatekeeper')).toMatchObject({ replicas: 2, pdb: { controllerManager: { minAvailable: 1 } } });
    expect(helmValues(fixtureEnvironment('dev'), 'gatekeeper')).toMatchObject({ replicas: 1, pdb: { controllerManager: { minAvailable: 0 } } });
  });

  it('never relabels the shared namespace restricted (Falco needs privileged there)', () => {
    expect(helmValues(fixtureEnvironment('prod'), 'gatekeeper').postInstall.labelNamespace.podSecurity).toEqual([]);
  });
});

describe('gatekeeper-templates', () => {
  const c = component(fixtureEnvironment('prod'), 'gatekeeper-templates');
  const source = c.source as VendoredSource;

  it('applies the library templates vendored at the pinned commit, after Gatekeeper', () => {
    expect(source).toMatchObject({ type: 'vendored', origin: { repoURL: GIT_SOURCES.gatekeeperLibrary.repoURL, revision: GIT_SOURCES.gatekeeperLibrary.revision } });
    expect(source.origin.revision).toMatch(/^[0-9a-f]{40}$/);
    expect(fs.readFileSync(path.join(ROOT, VENDOR_DIR, 'INDEX.md'), 'utf8')).toContain(GIT_SOURCES.gatekeeperLibrary.revision);
    expect(c.dependsOn).toContain('gatekeeper');
  });

  it('selects exactly the templates of the constraints we render, each defining its constraint kind', () => {
    const kinds = [...new Set(constraints('prod').map((o) => o.kind))].sort();
    expect(source.files).toEqual(kinds.map((k) => `${VENDOR_DIR}/library/${LibraryTemplate.forKind(k).file}`).sort());
    const templates = readVendoredObjects(ROOT, source.files);
    expect(templates.map((t) => (t.spec as any).crd.spec.names.kind).sort()).toEqual(kinds);
    expect(templates.every((t) => t.kind === 'ConstraintTemplate')).toBe(true);
  });

  it('has a constraint schema for every selected template, generated from the same library commit', () => {
    for (const t of LibraryTemplate.ALL) {
      expect(fs.existsSync(path.join(schemasDir, 'crds/constraints.gatekeeper.sh', `${t.kind.toLowerCase()}_v1beta1.json`))).toBe(true);
    }
  });

  it('refuses an empty selection', () => {
    expect(() => gatekeeperTemplatesComponent({ namespace: 'security', templates: [] })).toThrow(/select at least one library template/);
  });
});

describe('gatekeeper-constraints', () => {
  it('comes after the templates and every other platform component, never after a microservice', () => {
    const model = fixtureEnvironment('prod');
    const c = component(model, 'gatekeeper-constraints');
    const wave = model.graph.waves.get('gatekeeper-constraints')!;
    expect(c.dependsOn).toContain('gatekeeper-templates');
    for (const other of model.components) {
      if (other.id === c.id || other.id === 'platform-base') continue;
      if (other.workflow === Workflow.Apps) {
        expect(c.dependsOn).not.toContain(other.id);
        expect(model.graph.waves.get(other.id)!).toBeGreaterThan(wave);
      } else {
        expect(c.dependsOn).toContain(other.id);
        expect(model.graph.waves.get(other.id)!).toBeLessThan(wave);
      }
    }
  });

  it('marks every constraint to skip the dry run until its CRD exists', () => {
    const c = component(fixtureEnvironment('prod'), 'gatekeeper-constraints');
    expect(syncOptionsFor(c, constraints('prod'))).toContain(SKIP_DRY_RUN);
    for (const o of constraints('prod')) expect(o.metadata.annotations[SYNC_OPTIONS_ANNOTATION]).toBe(SKIP_DRY_RUN);
    expect([...new Set(constraints('prod').map((o) => o.kind))]).toEqual(expect.arrayContaining(Policy.ALL.map((p) => p.kind)));
  });

  it.each([
    ['dev', 'warn'],
    ['staging', 'deny'],
    ['prod', 'deny'],
  ])('%s: enforces every rule with %s outside the audit-only namespaces and audits them with dryrun', (env, action) => {
    const all = constraints(env);
    expect(all).toHaveLength(Policy.ALL.length * 2);
    const exempt = auditOnlyNamespaces({ env: fixtureEnvironment(env).env, services: [] }, fixtureEnvironment(env).components);
    for (const p of Policy.ALL) {
      const enforced = all.find((o) => o.metadata.name === p.name);
      const audit = all.find((o) => o.metadata.name === `${p.name}${AUDIT_SUFFIX}`);
      expect(enforced.kind).toBe(p.kind);
      expect(enforced.spec.enforcementAction).toBe(action);
      expect(enforced.spec.match.excludedNamespaces).toEqual(exempt);
      expect(enforced.spec.match.namespaces).toBeUndefined();
      expect(audit.kind).toBe(p.kind);
      expect(audit.spec.enforcementAction).toBe('dryrun');
      expect(audit.spec.match.namespaces).toEqual(exempt);
    }
  });

  it.each(ENVIRONMENTS)('%s: exempts exactly the namespaces the platform components render into plus the configured audit-only ones, in the Config too', async (env) => {
    const model = await hydratedFixture(env);
    // What the rendered objects use, pods operators create included (the list itself is built from the destinations).
    const platform = new Set<string>([NS.kubeSystem]);
    for (const c of model.components) {
      if (c.workflow === Workflow.Apps || c.id === 'platform-base') continue;
      const created = model.objects.get(c.id)!.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
      const used = [c.namespace, ...model.objects.get(c.id)!.flatMap((o) => (o.metadata.namespace ? [o.metadata.namespace] : [])), ...componentWorkloads(model, c.id).map((w) => w.namespace)];
      for (const ns of used) if (!created.includes(ns)) platform.add(ns);
    }
    for (const c of model.components.filter((x) => x.workflow === Workflow.Apps)) platform.delete(c.namespace);
    const expected = [...new Set([...platform, ...fixtureConfig().policy.auditOnlyNamespaces])].sort();
    const config = objects(env).find((o) => o.kind === 'Config');
    expect(config.metadata).toMatchObject({ name: 'config', namespace: NS.security });
    expect(config.spec.match).toEqual([{ excludedNamespaces: expected, processes: ['webhook'] }]);
    expect(expected).toEqual(expect.arrayContaining([NS.kubeSystem, NS.security, NS.argocd]));
    expect(expected).not.toContain(NS.apps);
  });

  it('adds the configured audit-only namespaces to the one list', () => {
    const model = fixtureEnvironment('prod');
    const env = { ...model.env, policy: { ...model.env.policy, auditOnlyNamespaces: ['legacy-batch'] } };
    expect(auditOnlyNamespaces({ env, services: [] }, model.components)).toContain('legacy-batch');
  });

  it('applies the same parameters to both variants; system components are exempt by image only in the audit', () => {
    const all = constraints('prod');
    for (const p of Policy.ALL) {
      const enforced = all.find((o) => o.metadata.name === p.name);
      const audit = all.find((o) => o.metadata.name === `${p.name}${AUDIT_SUFFIX}`);
      const { exemptImages: _a, ...enforcedParams } = enforced.spec.parameters ?? {};
      const { exemptImages: auditExempt, ...auditParams } = audit.spec.parameters ?? {};
      expect(auditParams).toEqual(enforcedParams);
      expect(enforced.spec.parameters?.exemptImages).toBeUndefined();
      if (p === Policy.PRIVILEGED) expect(auditExempt).toEqual(expect.arrayContaining(['quay.io/cilium/*', 'docker.io/falcosecurity/*']));
    }
    for (const e of SYSTEM_EXEMPTIONS) expect(auditOnlyNamespaces({ env: fixtureEnvironment('prod').env, services: [] }, fixtureEnvironment('prod').components)).toContain(e.namespace);
  });

  it('allows only the configured registries plus the injected mesh sidecar, requires the name label and limits', () => {
    const all = constraints('prod');
    const repos = all.find((o) => o.metadata.name === Policy.ALLOWED_REPOS.name);
    expect(repos.spec.parameters.repos).toEqual([...fixtureConfig().policy.allowedRegistries, ...INJECTED_IMAGES]);
    expect(all.find((o) => o.metadata.name === Policy.REQUIRED_LABELS.name).spec.parameters.labels).toEqual([{ key: 'app.kubernetes.io/name' }]);
    expect(all.find((o) => o.metadata.name === Policy.REQUIRED_RESOURCES.name).spec.parameters).toEqual({ limits: ['cpu', 'memory'], requests: ['cpu', 'memory'] });
    expect(all.find((o) => o.metadata.name === Policy.DISALLOWED_TAGS.name).spec.parameters).toEqual({ tags: ['latest'] });
  });

  it("validates each constraint's parameters against its template's schema", () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    for (const o of constraints('prod')) {
      const schema = JSON.parse(fs.readFileSync(path.join(schemasDir, 'crds/constraints.gatekeeper.sh', `${o.kind.toLowerCase()}_v1beta1.json`), 'utf8'));
      const params = schema.properties.spec.properties.parameters;
      if (o.spec.parameters === undefined) continue;
      expect(params).toBeDefined();
      const ok = ajv.validate(params, o.spec.parameters);
      if (!ok) throw new Error(`${o.kind} ${o.metadata.name}: ${ajv.errorsText()}`);
      expect(ok).toBe(true);
    }
  });

  it('scrapes Gatekeeper with a PodMonitor on its metrics port', () => {
    const pm = objects('prod').find((o) => o.kind === 'PodMonitor');
    expect(pm.metadata.namespace).toBe(NS.security);
    expect(pm.spec).toEqual({ selector: { matchLabels: { 'gatekeeper.sh/system': 'yes' } }, podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }] });
  });

  describe('rejects bad props with a clear message', () => {
    const base: GatekeeperConstraintsProps = {
      namespace: 'security',
      enforcement: 'deny',
      labelDomain: LabelDomain.of('platform.example.com'),
      auditOnlyNamespaces: ['kube-system', 'security'],
      allowedRegistries: ['ghcr.io/acme/'],
      injectedImages: [],
      systemExemptions: [],
      after: [],
      metrics: { podLabels: { a: 'b' }, portName: 'metrics' },
    };
    it('an exempt component in an enforced namespace', () => {
      expect(() => gatekeeperConstraintsComponent({ ...base, systemExemptions: [{ name: 'agent', component: 'agent', namespace: 'apps', images: ['x/*'], reason: 'r' }] })).toThrow(
        /system exemption agent is in namespace "apps", which is enforced/,
      );
    });
    it('no registries', () => {
      expect(() => gatekeeperConstraintsComponent({ ...base, allowedRegistries: [] })).toThrow(/allowedRegistries is empty/);
    });
    it('no audit-only namespaces', () => {
      expect(() => gatekeeperConstraintsComponent({ ...base, auditOnlyNamespaces: [] })).toThrow(/auditOnlyNamespaces is empty/);
    });
  });
});
