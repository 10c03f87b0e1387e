import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { alertmanagerService, argoCdComponent, argoCdNotifications, ArgoCdProps, ArgoCdSso, DEFAULTS, policyCsv, SSO } from '../../charts/argocd';
import { TEKTONCONFIG_HEALTH_KEY, TEKTONCONFIG_HEALTH_LUA } from '../../charts/tekton-config/health';
import { APPLICATION_HEALTH_KEY, APPLICATION_HEALTH_LUA, argoCdCmEntries, humanStepWaitCheck } from '../../argocd/health';
import { CHARTS } from '../../config/versions';
import { needsServerSideApply } from '../../argocd/applications';
import { HelmSource, READINESS_GATES, Workflow } from '../../lib/component';
import { stepNumber } from '../../argocd/steps';
import { PRIORITY } from '../../lib/priority';
import { podTotal, WorkloadKind } from '../../lib/resources';
import { TierName, TierPolicy } from '../../lib/tier-policy';
import { workloadsFromObjects } from '../../lib/workloads';
import { NS } from '../../workflows/namespaces';
import { renderComponent } from '../support';

jest.setTimeout(120_000);

const TIERS: Readonly<Record<TierName, TierPolicy>> = {
  dev: TierPolicy.of({ tier: 'dev', highAvailability: false, nodeGroupPerZone: false }),
  staging: TierPolicy.of({ tier: 'staging', highAvailability: true, nodeGroupPerZone: false }),
  prod: TierPolicy.of({ tier: 'prod', highAvailability: true, nodeGroupPerZone: true }),
};
const ALERTMANAGER = 'http://alertmanager.telemetry.svc.cluster.local:9093';
/** Minimal props, with the health checks the GitOps workflow hands in. */
const props = (tier: TierName): ArgoCdProps => ({
  namespace: NS.argocd,
  healthChecks: { [APPLICATION_HEALTH_KEY]: APPLICATION_HEALTH_LUA, [TEKTONCONFIG_HEALTH_KEY]: TEKTONCONFIG_HEALTH_LUA },
  tierPolicy: TIERS[tier],
  alertmanagerUrl: ALERTMANAGER,
  clusterName: `acme-${tier}`,
  repoURL: 'https://github.com/acme/platform-gitops.git',
});
const values = (tier: TierName) => (argoCdComponent(props(tier)).source as HelmSource).values as any;
const rendered = new Map<TierName, ReturnType<typeof renderComponent>>();
/** The chart rendered from props with the pinned helm (memoized per tier). */
const render = (tier: TierName) => {
  if (!rendered.has(tier)) rendered.set(tier, renderComponent(argoCdComponent(props(tier))));
  return rendered.get(tier)!;
};
const workloads = async (tier: TierName) => workloadsFromObjects(await render(tier), { defaultNamespace: NS.argocd });
const TIER_NAMES = Object.keys(TIERS) as TierName[];

describe('argocd', () => {
  it('is the pinned argo-cd chart, released as "argocd" into its namespace, applied server-side (its CRDs are large)', async () => {
    const c = argoCdComponent(props('prod'));
    const source = c.source as HelmSource;
    expect(c.namespace).toBe(NS.argocd);
    expect(source.chart).toEqual(CHARTS.argocd);
    expect(source.releaseName).toBe('argocd');
    expect(needsServerSideApply(await render('prod'))).toBe(true);
  });

  it('is highly available in staging and prod: 2 controller shards, 2 servers, 2 repo-servers, redis-ha', () => {
    for (const env of ['staging', 'prod'] as const) {
      const v = values(env);
      expect(v.controller.replicas).toBe(2);
      expect(v.server.replicas).toBe(2);
      expect(v.repoServer.replicas).toBe(2);
      expect(v['redis-ha'].enabled).toBe(true);
      expect(v['redis-ha'].replicas).toBe(3);
      expect(v['redis-ha'].haproxy.replicas).toBe(3);
      for (const c of ['controller', 'server', 'repoServer']) expect(v[c].pdb).toEqual({ enabled: true, minAvailable: 1 });
      expect(v.global.topologySpreadConstraints).toEqual([{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' }]);
    }
  });

  it('runs single replicas and the plain Redis in dev', async () => {
    const v = values('dev');
    expect([v.controller.replicas, v.server.replicas, v.repoServer.replicas, v.applicationSet.replicas]).toEqual([1, 1, 1, 1]);
    expect(v['redis-ha'].enabled).toBe(false);
    expect(v.controller.pdb.enabled).toBe(false);
    expect(v.global.topologySpreadConstraints).toEqual([]);
    const names = (await workloads('dev')).map((w) => w.name);
    expect(names).toContain('argocd-redis');
    expect(names).not.toContain('argocd-redis-ha-server');
  });

  it('runs its workloads with the replicas and resources of its values', async () => {
    const all = await workloads('prod');
    const v = values('prod');
    const w = (name: string) => all.find((x) => x.name === name)!;
    expect(w('argocd-application-controller')).toMatchObject({ kind: WorkloadKind.StatefulSet, replicas: 2 });
    expect(w('argocd-application-controller').containers[0].resources.toK8s()).toEqual(v.controller.resources);
    expect(w('argocd-repo-server').replicas).toBe(v.repoServer.replicas);
    expect(w('argocd-server').containers[0].resources.toK8s()).toEqual(v.server.resources);
    expect(w('argocd-redis-ha-server').replicas).toBe(3);
    expect(w('argocd-redis-ha-server').containers.map((x) => x.resources.toK8s())).toEqual([
      v['redis-ha'].redis.resources, v['redis-ha'].sentinel.resources, v['redis-ha'].splitBrainDetection.resources, v['redis-ha'].exporter.resources,
    ]);
    expect(w('argocd-redis-ha-haproxy').replicas).toBe(3);
  });

  // 1.4 Gi before the repository was hydrated; the repo-server's request rose by 64Mi per replica
  // for reading the rendered manifests (charts/argocd, sized from npm run bench).
  it('keeps prod requests within ~0.72 CPU / ~1.55 Gi, leaving Tekton its share of the GitOps budget', async () => {
    let cpu = 0;
    let mib = 0;
    for (const w of (await workloads('prod')).filter((x) => x.kind !== WorkloadKind.Job)) {
      const t = podTotal(w, 'requests');
      cpu += t.cpu.millicores * w.replicas;
      mib += t.memory.mebibytes * w.replicas;
    }
    expect(cpu).toBeLessThanOrEqual(720);
    expect(mib).toBeLessThanOrEqual(1.55 * 1024);
  });

  it('uses system-cluster-critical: it installs before platform-base creates the platform classes', () => {
    for (const env of TIER_NAMES) expect(values(env).global.priorityClassName).toBe(PRIORITY.systemCluster);
  });

  it('turns metrics and a ServiceMonitor on for every component, Redis included', () => {
    for (const env of TIER_NAMES) {
      const v = values(env);
      for (const c of ['controller', 'server', 'repoServer', 'applicationSet', 'notifications', 'redis']) {
        expect({ c, m: v[c].metrics }).toEqual({ c, m: { enabled: true, serviceMonitor: { enabled: true } } });
      }
      expect(v.redis.exporter.enabled).toBe(true);
      expect(v['redis-ha'].exporter).toMatchObject({ enabled: true, serviceMonitor: { enabled: true } });
      expect(v['redis-ha'].haproxy.metrics).toEqual({ enabled: true, serviceMonitor: { enabled: true } });
      expect(v.dex.enabled).toBe(false);
    }
  });

  it('sends sync failures and degraded Applications to the platform Alertmanager', () => {
    const v = values('prod');
    const am = new URL(ALERTMANAGER);
    expect(v.notifications.notifiers['service.alertmanager']).toBe(
      `targets:\n  - ${am.hostname}:${am.port}\nscheme: http\napiPath: /api/v2/alerts\n`,
    );
    expect(v.notifications.subscriptions).toEqual([{ recipients: ['alertmanager'], triggers: ['on-sync-failed', 'on-health-degraded'] }]);
    expect(v.notifications.triggers['trigger.on-sync-failed']).toContain('send: [app-sync-failed]');
    expect(v.notifications.triggers['trigger.on-health-degraded']).toContain("app.status.health.status == 'Degraded'");
    const template = v.notifications.templates['template.app-health-degraded'];
    expect(template).toContain('alertname: ArgoCdApplicationDegraded');
    expect(template).toContain('cluster: acme-prod');
    expect(Object.keys(v.notifications.templates).sort()).toEqual(['template.app-health-degraded', 'template.app-sync-failed']);
  });

  it('writes each notifications entry from typed objects: it parses back to them, Go templates double-quoted, any cluster name a string', () => {
    const n = argoCdNotifications('https://alertmanager.example:9443', '1234', DEFAULTS.alerts);
    expect(yaml.load(n.notifiers['service.alertmanager'])).toEqual({ targets: ['alertmanager.example:9443'], scheme: 'https', apiPath: '/api/v2/alerts' });
    const template = n.templates['template.app-sync-failed'];
    expect(yaml.load(template)).toEqual({
      alertmanager: {
        labels: { alertname: 'ArgoCdApplicationSyncFailed', severity: DEFAULTS.alerts.syncFailedSeverity, cluster: '1234', application: '{{.app.metadata.name}}', project: '{{.app.spec.project}}' },
        annotations: { summary: 'Argo CD application {{.app.metadata.name}} failed to sync', description: '{{.app.status.operationState.message}}' },
      },
    });
    // A numeric name stays a string label; every Go template is double-quoted, keys in Argo CD's order.
    expect(template).toContain('    cluster: "1234"\n');
    expect(template).toContain('    summary: "Argo CD application {{.app.metadata.name}} failed to sync"\n');
    expect(template.split('\n').map((l) => l.trim().split(':')[0])).toEqual(['alertmanager', 'labels', 'alertname', 'severity', 'cluster', 'application', 'project', 'annotations', 'summary', 'description', '']);
    expect(yaml.load(n.triggers['trigger.on-sync-failed'])).toEqual([
      {
        description: 'Application syncing has failed',
        send: ['app-sync-failed'],
        when: "app.status.operationState != nil and app.status.operationState.phase in ['Error', 'Failed']",
        oncePer: 'app.status.operationState?.syncResult?.revision',
      },
    ]);
    expect(n.triggers['trigger.on-health-degraded']).toContain('\n  send: [app-health-degraded]\n');
  });

  it('reads the GitOps repository with the gitops-repo Secret, created at bootstrap and adopted from OpenBao', () => {
    // Without single sign-on this is its only Secret.
    const c = argoCdComponent(props('dev'));
    expect(c.secrets).toEqual([
      {
        namespace: NS.argocd,
        name: 'gitops-repo',
        data: {
          url: { path: 'platform/gitops-repo', property: 'url' },
          username: { path: 'platform/gitops-repo', property: 'username' },
          password: { path: 'platform/gitops-repo', property: 'password' },
        },
        labels: { 'argocd.argoproj.io/secret-type': 'repository' },
        purpose: expect.any(String),
        bootstrap: { url: 'GITOPS_REPO_URL', username: 'GITOPS_REPO_USERNAME', password: 'GITOPS_REPO_PASSWORD' },
      },
    ]);
    // The values never carry the credential.
    expect(JSON.stringify(values('prod'))).not.toMatch(/GITOPS_REPO|password:/);
    expect(c.runbook?.[0].body).toContain('export GITOPS_REPO_URL="https://github.com/acme/platform-gitops.git"');
  });

  it('keeps the Application and TektonConfig health checks in argocd-cm', () => {
    const cm = values('prod').configs.cm;
    expect(cm[APPLICATION_HEALTH_KEY]).toContain('obj.status.health.status');
    expect(cm[TEKTONCONFIG_HEALTH_KEY]).toContain('condition.type == "Ready"');
    expect(cm['application.resourceTrackingMethod']).toBe('annotation');
  });

  it('rejects an Alertmanager URL without a scheme or port, and a repository that is not git', () => {
    const p: ArgoCdProps = { namespace: NS.argocd, healthChecks: {}, tierPolicy: TIERS.dev, alertmanagerUrl: 'http://am:9093', clusterName: 'c', repoURL: 'https://example.com/r.git' };
    expect(() => argoCdComponent(p)).not.toThrow();
    expect(() => argoCdComponent({ ...p, alertmanagerUrl: 'alertmanager:9093' })).toThrow(/must be http:\/\/ or https:\/\/|is not a URL/);
    expect(() => alertmanagerService('http://alertmanager.monitoring.svc')).toThrow(/needs an explicit port/);
    expect(() => argoCdComponent({ ...p, repoURL: 'ftp://example.com/r' })).toThrow(/repoURL "ftp:\/\/example.com\/r" is not a git URL/);
  });

  it('applies a resource override to that one workload and keeps the defaults elsewhere', () => {
    const c = argoCdComponent({
      namespace: NS.argocd, healthChecks: {}, tierPolicy: TIERS.prod, alertmanagerUrl: 'http://am:9093', clusterName: 'c', repoURL: 'https://example.com/r.git',
      resources: { server: DEFAULTS.resources.repoServer },
    });
    const v = (c.source as HelmSource).values as any;
    expect(v.server.resources).toEqual(DEFAULTS.resources.repoServer.toK8s());
    expect(v.controller.resources).toEqual(DEFAULTS.resources.controller.toK8s());
  });
});

describe('Argo CD access (single sign-on and RBAC)', () => {
  const base: ArgoCdProps = { namespace: NS.argocd, healthChecks: {}, tierPolicy: TIERS.dev, alertmanagerUrl: 'http://am:9093', clusterName: 'c', repoURL: 'https://example.com/r.git' };
  const sso: ArgoCdSso = {
    issuer: 'https://idp.example.com/realms/platform',
    clientID: 'argocd',
    name: 'Keycloak',
    scopes: ['openid', 'groups'],
    groupsClaim: 'groups',
    url: 'https://localhost:8080',
    rbac: { admin: ['ops'], readonly: ['devs', 'auditors'], projects: { apps: { read: ['support'], sync: ['team-a', 'team-b'] } } },
  };
  const valuesOf = (props: ArgoCdProps) => (argoCdComponent(props).source as HelmSource).values as any;

  it('keeps the local admin account, grants no one anything and declares no OIDC Secret without SSO', () => {
    const c = argoCdComponent(base);
    const v = valuesOf(base);
    expect(v.configs.cm['admin.enabled']).toBeUndefined();
    expect(v.configs.cm['oidc.config']).toBeUndefined();
    expect(v.configs.rbac).toEqual({ 'policy.csv': '', 'policy.default': '', scopes: '[groups]' });
    expect(c.secrets?.map((s) => s.name)).toEqual(['gitops-repo']);
  });

  it('renders oidc.config with a $argocd-oidc:clientSecret reference and disables the admin account', () => {
    const cm = valuesOf({ ...base, sso }).configs.cm;
    expect(cm['admin.enabled']).toBe('false');
    expect(cm.url).toBe('https://localhost:8080');
    expect(yaml.load(cm['oidc.config'])).toEqual({
      name: 'Keycloak',
      issuer: 'https://idp.example.com/realms/platform',
      clientID: 'argocd',
      clientSecret: '$argocd-oidc:clientSecret',
      requestedScopes: ['openid', 'groups'],
      requestedIDTokenClaims: { groups: { essential: true } },
    });
    expect(yaml.load(valuesOf({ ...base, sso: { ...sso, cliClientID: 'argocd-cli' } }).configs.cm['oidc.config'])).toMatchObject({ cliClientID: 'argocd-cli' });
  });

  it('maps each IdP group to its role in policy.csv, project roles scoped to their project, and leaves policy.default empty', () => {
    const rbac = valuesOf({ ...base, sso: { ...sso, groupsClaim: 'roles' } }).configs.rbac;
    expect(rbac['policy.default']).toBe('');
    expect(rbac.scopes).toBe('[roles]');
    expect(rbac['policy.csv'].split('\n')).toEqual([
      'p, role:project-apps-read, applications, get, apps/*, allow',
      'p, role:project-apps-read, logs, get, apps/*, allow',
      'p, role:project-apps-read, projects, get, apps, allow',
      'p, role:project-apps-sync, applications, sync, apps/*, allow',
      'g, role:project-apps-sync, role:project-apps-read',
      'g, support, role:project-apps-read',
      'g, team-a, role:project-apps-sync',
      'g, team-b, role:project-apps-sync',
      'g, ops, role:admin',
      'g, auditors, role:readonly',
      'g, devs, role:readonly',
      '',
    ]);
    // A project whose lists are empty gets no role.
    expect(policyCsv({ admin: ['ops'], readonly: [], projects: { data: { read: [], sync: [] } } })).toBe('g, ops, role:admin\n');
  });

  it('declares the OIDC client secret as a labelled bootstrap Secret adopted from OpenBao, with the IdP registration in the runbook', () => {
    const c = argoCdComponent({ ...base, sso });
    expect(c.secrets).toContainEqual({
      namespace: NS.argocd,
      name: 'argocd-oidc',
      data: { clientSecret: { path: 'platform/argocd-oidc', property: 'clientSecret' } },
      labels: { 'app.kubernetes.io/part-of': 'argocd' },
      purpose: expect.any(String),
      bootstrap: { clientSecret: 'ARGOCD_OIDC_CLIENT_SECRET' },
    });
    const runbook = c.runbook!.find((r) => r.title === 'Argo CD single sign-on client')!;
    expect(runbook.phase).toBe('aws');
    expect(runbook.body).toContain('`https://localhost:8080/auth/callback`');
    expect(runbook.body).toContain(`\`${SSO.cliRedirect}\``);
    expect(runbook.body).toContain(`step ${stepNumber('bootstrapSecrets')} creates`);
    // The secret's value never reaches the values.
    expect(JSON.stringify(valuesOf({ ...base, sso }))).not.toMatch(/ARGOCD_OIDC_CLIENT_SECRET/);
  });

  it('refuses SSO without an admin group, a non-https issuer, scopes without openid, a group policy.csv cannot hold and an unknown project', () => {
    expect(() => argoCdComponent({ ...base, sso: { ...sso, rbac: { ...sso.rbac, admin: [] } } })).toThrow('argocd: sso.rbac.admin lists no group; with SSO the local admin account is disabled, so name the IdP group that administers Argo CD');
    expect(() => argoCdComponent({ ...base, sso: { ...sso, issuer: 'http://idp.example.com' } })).toThrow(/sso.issuer "http:\/\/idp.example.com" is not an https URL/);
    expect(() => argoCdComponent({ ...base, sso: { ...sso, scopes: ['groups'] } })).toThrow(/sso.scopes \[groups\] lacks openid/);
    expect(() => argoCdComponent({ ...base, sso: { ...sso, rbac: { ...sso.rbac, readonly: ['a,b'] } } })).toThrow('argocd: sso.rbac.readonly group "a,b" cannot be written into policy.csv');
    expect(() => argoCdComponent({ ...base, sso: { ...sso, rbac: { ...sso.rbac, projects: { tenants: { read: ['x'], sync: [] } } } } })).toThrow(/sso.rbac.projects.tenants names no AppProject of this platform \(one per workflow\); use one of foundation, .*apps/);
  });
});

// -------------------------------------------------------------------------------------------
// The Lua health checks, run for real with Lua 5.1 (Argo CD runs them in gopher-lua, a Lua 5.1), in
// a sandbox like Argo CD's (util/lua/lua.go): the base, table and package libraries and a safe `os`
// (`os.time()`, `os.date()`); the string and math libraries (and the string methods) only where
// argocd-cm turns on `useOpenLibs` for the kind. `os.time()` returns the test's clock.

const HARNESS = `
local cjson = require("cjson")
local script = assert(io.open(arg[1])):read("*a")
local openLibs = arg[2] == "true"
local now = tonumber(arg[3])
local function denull(v)
  if v == cjson.null then return nil end
  if type(v) == "table" then for k, x in pairs(v) do v[k] = denull(x) end end
  return v
end
local input = denull(cjson.decode(io.read("*a")))
local safeOs = {
  time = function(t) assert(t == nil, "only os.time() without arguments is deterministic here") return assert(now, "no clock given") end,
  date = os.date,
}
local env = {
  obj = input, ipairs = ipairs, pairs = pairs, next = next, type = type, tostring = tostring, tonumber = tonumber,
  error = error, assert = assert, pcall = pcall, select = select, unpack = unpack, table = table,
  require = function(name)
    if name == "os" then return safeOs end
    error("module " .. name .. " is not available in Argo CD's sandbox")
  end,
}
if openLibs then env.string = string; env.math = math; env.os = safeOs end
local stringMeta = getmetatable("")
local stringIndex = stringMeta.__index
if not openLibs then stringMeta.__index = nil end
local check = assert(loadstring(script))
setfenv(check, env)
local ok, hs = pcall(check)
stringMeta.__index = stringIndex
if not ok then io.stderr:write(tostring(hs)) os.exit(1) end
io.write(cjson.encode({ status = hs.status, message = hs.message }))
`;

function luaAvailable(): boolean {
  const r = spawnSync('lua5.1', ['-e', 'require("cjson")'], { encoding: 'utf8' });
  return !r.error && r.status === 0;
}

const lua = luaAvailable();
if (!lua) {
  console.warn('\n*** SKIPPED: lua5.1 with lua-cjson is not installed, so the Argo CD health checks did not run. Install: apt-get install -y lua5.1 lua-cjson ***\n');
}
const luaIt = lua ? it : it.skip;

interface LuaOptions {
  /** argocd-cm `useOpenLibs` for the kind. */
  readonly openLibs?: boolean;
  /** The controller's clock, Unix seconds. */
  readonly now?: number;
}

function runHealth(script: string, obj: object, opts: LuaOptions = {}): { status: string; message?: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'argocd-health-'));
  try {
    fs.writeFileSync(path.join(dir, 'harness.lua'), HARNESS);
    fs.writeFileSync(path.join(dir, 'check.lua'), script);
    const args = [path.join(dir, 'harness.lua'), path.join(dir, 'check.lua'), String(opts.openLibs ?? false), ...(opts.now === undefined ? [] : [String(opts.now)])];
    const r = spawnSync('lua5.1', args, { input: JSON.stringify(obj), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`lua5.1 failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('the rendered health checks, run with lua5.1', () => {
  const cm = values('prod').configs.cm;
  const application = (status?: object) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'cilium' }, ...(status ? { status } : {}) });

  luaIt('reports a child Application Healthy when its status says so', () => {
    expect(runHealth(cm[APPLICATION_HEALTH_KEY], application({ health: { status: 'Healthy' } }))).toEqual({ status: 'Healthy', message: '' });
  });

  luaIt('reports Degraded with the Application message', () => {
    const hs = runHealth(cm[APPLICATION_HEALTH_KEY], application({ health: { status: 'Degraded', message: 'Deployment has minimum availability' } }));
    expect(hs).toEqual({ status: 'Degraded', message: 'Deployment has minimum availability' });
  });

  luaIt('reports Progressing for an Application with no status yet, so the next wave waits', () => {
    expect(runHealth(cm[APPLICATION_HEALTH_KEY], application()).status).toBe('Progressing');
    expect(runHealth(cm[APPLICATION_HEALTH_KEY], application({ sync: { status: 'OutOfSync' } })).status).toBe('Progressing');
  });

  luaIt('reports the TektonConfig Healthy only once its Ready condition is True', () => {
    const tc = (conditions?: object[]) => ({ kind: 'TektonConfig', metadata: { name: 'config' }, ...(conditions ? { status: { conditions } } : {}) });
    const check = cm[TEKTONCONFIG_HEALTH_KEY];
    expect(runHealth(check, tc()).status).toBe('Progressing');
    expect(runHealth(check, tc([{ type: 'ComponentsReady', status: 'True' }, { type: 'Ready', status: 'True' }])).status).toBe('Healthy');
    const installing = runHealth(check, tc([{ type: 'Ready', status: 'False', message: 'Components not in ready state: TektonPipeline' }]));
    expect(installing).toEqual({ status: 'Progressing', message: 'Components not in ready state: TektonPipeline' });
    expect(runHealth(check, tc([{ type: 'Ready', status: 'Unknown' }])).status).toBe('Progressing');
  });
});

describe('the OpenBao seeding health checks in the rendered argocd-cm, run with lua5.1', () => {
  const GATE = READINESS_GATES[Workflow.Security].timeoutSeconds;
  const STEP = `bootstrap README step ${stepNumber('seedOpenBao')}`;
  const CREATED = '2026-05-01T09:30:00Z';
  const created = Date.parse(CREATED) / 1000;
  let data: Record<string, string> = {};
  beforeAll(async () => {
    const cmObject = (await render('prod')).find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'argocd-cm') as any;
    data = cmObject.data;
  });
  const check = (kind: string) => data[`resource.customizations.health.external-secrets.io_${kind}`];
  const openLibs = (kind: string) => data[`resource.customizations.useOpenLibs.external-secrets.io_${kind}`] === 'true';
  const run = (kind: string, obj: object, now: number) => runHealth(check(kind), obj, { openLibs: openLibs(kind), now });
  const externalSecret = (status?: object, creationTimestamp = CREATED) => ({
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'grafana-admin', namespace: 'observability', creationTimestamp },
    ...(status ? { status } : {}),
  });
  const notSeeded = { conditions: [{ type: 'Ready', status: 'False', reason: 'SecretSyncedError', message: 'could not get secret data from provider', lastTransitionTime: CREATED }], refreshTime: null };

  it('are in argocd-cm for ExternalSecret and SecretStore, with the standard libraries they use turned on', () => {
    expect(check('ClusterSecretStore')).toBeUndefined();
    for (const kind of ['ExternalSecret', 'SecretStore']) {
      expect(check(kind)).toContain(STEP);
      expect(check(kind)).toContain('string.match');
      expect(openLibs(kind)).toBe(true);
    }
    // Every other check runs without them (the sandbox test above would fail otherwise).
    for (const [key, lua] of Object.entries(data).filter(([k]) => k.startsWith('resource.customizations.health.'))) {
      const kind = key.slice('resource.customizations.health.'.length);
      if (/\bstring\.|:match\(|math\./.test(lua)) expect({ kind, openLibs: data[`resource.customizations.useOpenLibs.${kind}`] }).toEqual({ kind, openLibs: 'true' });
    }
  });

  luaIt('waits for the seeding step: an ExternalSecret not yet seeded is Progressing, naming the README step', () => {
    const hs = run('ExternalSecret', externalSecret(notSeeded), created + 60);
    expect(hs.status).toBe('Progressing');
    expect(hs.message).toBe(`waiting for OpenBao to be seeded: ${STEP} (could not get secret data from provider)`);
  });

  luaIt('keeps waiting while it is seeded and syncing: no status yet, or Ready Unknown', () => {
    expect(run('ExternalSecret', externalSecret(), created + 5)).toEqual({ status: 'Progressing', message: `waiting for OpenBao to be seeded: ${STEP} (not reconciled yet)` });
    expect(run('ExternalSecret', externalSecret({ conditions: [{ type: 'Ready', status: 'Unknown', message: 'refreshing' }] }), created + GATE).status).toBe('Progressing');
  });

  luaIt('is Healthy once the secret is synced', () => {
    const synced = { conditions: [{ type: 'Ready', status: 'True', reason: 'SecretSynced', message: 'secret synced' }], refreshTime: '2026-05-01T09:41:00Z' };
    expect(run('ExternalSecret', externalSecret(synced), created + 100_000)).toEqual({ status: 'Healthy', message: 'secret synced' });
  });

  luaIt('turns Degraded with the same message past the wave readiness gate, so a forgotten step or a real error does not hide', () => {
    expect(run('ExternalSecret', externalSecret(notSeeded), created + GATE).status).toBe('Progressing');
    const hs = run('ExternalSecret', externalSecret(notSeeded), created + GATE + 1);
    expect(hs.status).toBe('Degraded');
    expect(hs.message).toBe(`waiting for OpenBao to be seeded: ${STEP} (could not get secret data from provider); not Ready ${GATE + 1}s after creation, past the ${GATE}s readiness gate`);
  });

  luaIt('is Degraded at once when a secret that synced before fails: that is an error, not a step to wait for', () => {
    const lost = { conditions: [{ type: 'Ready', status: 'False', reason: 'SecretSyncedError', message: 'secret not found' }], refreshTime: '2026-05-01T09:41:00Z' };
    expect(run('ExternalSecret', externalSecret(lost), created + 60)).toEqual({ status: 'Degraded', message: 'secret not found' });
  });

  luaIt('measures the gate in UTC from RFC 3339 timestamps, across month, leap-day and year boundaries', () => {
    for (const ts of ['2026-05-01T09:30:00Z', '2028-02-29T23:59:59Z', '2026-12-31T23:55:00Z', '2027-03-01T00:00:00Z', '2030-01-01T00:00:00.123456Z']) {
      const t = Math.floor(Date.parse(ts) / 1000);
      expect([ts, run('ExternalSecret', externalSecret(notSeeded, ts), t + GATE).status]).toEqual([ts, 'Progressing']);
      expect([ts, run('ExternalSecret', externalSecret(notSeeded, ts), t + GATE + 1).status]).toEqual([ts, 'Degraded']);
    }
  });

  luaIt('reports a deleting ExternalSecret as Progressing', () => {
    const deleting = { ...externalSecret(notSeeded), metadata: { name: 'x', creationTimestamp: CREATED, deletionTimestamp: CREATED } };
    expect(run('ExternalSecret', deleting, created + 10 * GATE)).toEqual({ status: 'Progressing', message: 'Pending deletion' });
  });

  luaIt("waits the same way for a namespace's SecretStore until OpenBao has its role, and is Healthy once it validates", () => {
    const store = (conditions?: object[]) => ({ kind: 'SecretStore', metadata: { name: 'openbao', namespace: 'monitoring', creationTimestamp: CREATED }, ...(conditions ? { status: { conditions } } : {}) });
    const invalid = [{ type: 'Ready', status: 'False', reason: 'InvalidProviderConfig', message: 'unable to log in to auth method: role "eso-monitoring" not found' }];
    const waiting = run('SecretStore', store(invalid), created + 30);
    expect(waiting.status).toBe('Progressing');
    expect(waiting.message).toContain(STEP);
    expect(waiting.message).toContain('eso-<namespace>');
    expect(run('SecretStore', store(invalid), created + GATE + 1).status).toBe('Degraded');
    expect(run('SecretStore', store([{ type: 'Ready', status: 'True', reason: 'Valid', message: 'store validated' }]), created + 10 * GATE).status).toBe('Healthy');
  });

  it('refuses two checks for one kind, a gate that is not a positive number of seconds, and a message Lua cannot hold', () => {
    const wait = { group: 'external-secrets.io', kind: 'ExternalSecret', waitingFor: 'OpenBao to be seeded', step: 'seedOpenBao' as const, gateSeconds: 600 };
    const one = humanStepWaitCheck(wait);
    expect(argoCdCmEntries([one])).toEqual({
      'resource.customizations.health.external-secrets.io_ExternalSecret': one.lua,
      'resource.customizations.useOpenLibs.external-secrets.io_ExternalSecret': 'true',
    });
    expect(() => argoCdCmEntries([one, one])).toThrow('argocd health: two checks for external-secrets.io_ExternalSecret; keep one per kind');
    expect(() => humanStepWaitCheck({ ...wait, gateSeconds: 0 })).toThrow('argocd health: gateSeconds 0 must be a positive integer');
    expect(() => humanStepWaitCheck({ ...wait, waitingFor: 'OpenBao “seeded”' })).toThrow(/must be printable ASCII to be a Lua string/);
    // The chart takes other checks in their place.
    const p: ArgoCdProps = { namespace: NS.argocd, healthChecks: {}, tierPolicy: TIERS.dev, alertmanagerUrl: 'http://am:9093', clusterName: 'c', repoURL: 'https://example.com/r.git', healthCustomizations: [] };
    const cm = ((argoCdComponent(p).source as HelmSource).values as any).configs.cm;
    expect(Object.keys(cm).filter((k) => k.startsWith('resource.customizations.'))).toEqual([]);
  });

  luaIt('fails without the standard libraries, which is why argocd-cm turns them on for these kinds', () => {
    expect(() => runHealth(check('ExternalSecret'), externalSecret(notSeeded), { openLibs: false, now: created })).toThrow(/lua5.1 failed/);
  });
});
