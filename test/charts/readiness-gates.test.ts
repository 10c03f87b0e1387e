import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { APPLICATION_HEALTH_LUA } from '../../argocd/health';
import { checkPromql } from '../../charts/observability-config/promql';
import {
  DEFAULTS,
  GATE_HOOK,
  GATE_SCRIPT,
  GATE_SCRIPT_KEY,
  GUIDE_VALIDATIONS,
  PAST_GATE_ALERT,
  pastGateRules,
  READINESS_COMPONENTS,
  readinessGateComponent,
  ReadinessGateProps,
} from '../../charts/readiness-gates';
import { Duration } from '../../lib/duration';
import { ManifestSource, READINESS_GATES, Workflow, WORKFLOW_ORDER } from '../../lib/component';
import { K8sObject, synthObjects } from '../../lib/render';
import { WorkloadKind } from '../../lib/resources';
import { workloadsFromObjects } from '../../lib/workloads';
import { ROOT } from '../support';

const SCRIPT_FILE = path.join(ROOT, 'charts/readiness-gates', GATE_SCRIPT_KEY);

const foundation: ReadinessGateProps = {
  workflow: Workflow.Foundation,
  namespace: 'kube-system',
  check: { validation: 'cluster_api_accessible', namespace: 'kube-system' },
  after: ['cilium', 'platform-base'],
};
const ingress: ReadinessGateProps = {
  workflow: Workflow.Ingress,
  namespace: 'emissary',
  check: { validation: 'load_balancer_provisioned', namespace: 'emissary', service: 'edge', certificate: 'wildcard' },
  after: ['emissary-ingress'],
};
const observability: ReadinessGateProps = {
  workflow: Workflow.Observability,
  namespace: 'observability',
  check: { validation: 'prometheus_targets_discovered', prometheusUrl: 'http://prometheus.observability.svc.cluster.local:9090' },
  after: ['kube-prometheus-stack'],
  alerts: { runbookUrl: 'https://git.example.com/gitops/blob/main/dist/dev/bootstrap/README.md' },
};

const render = (p: ReadinessGateProps): K8sObject[] => synthObjects(readinessGateComponent(p).source as ManifestSource);
const one = (objs: K8sObject[], kind: string) => {
  const found = objs.filter((o) => o.kind === kind);
  expect(found).toHaveLength(1);
  return found[0] as any;
};
const env = (container: any) => Object.fromEntries(container.env.map((e: any) => [e.name, e.value]));

describe.each([foundation, ingress, observability])('the $workflow readiness gate', (props) => {
  const objs = render(props);
  const job = one(objs, 'Job');
  const pod = job.spec.template.spec;
  const gate = READINESS_GATES[props.workflow];

  it("is a PostSync hook Job that keeps its last run, polling at the guide's interval until the guide's timeout, without retries", () => {
    expect(job.metadata.annotations).toEqual(GATE_HOOK);
    expect(GATE_HOOK['argocd.argoproj.io/hook']).toBe('PostSync');
    expect(job.spec.activeDeadlineSeconds).toBe(gate.timeoutSeconds);
    expect(job.spec.backoffLimit).toBe(0);
    const [check] = pod.containers;
    expect(env(check)).toMatchObject({ GATE_TIMEOUT_SECONDS: String(gate.timeoutSeconds), GATE_INTERVAL_SECONDS: String(gate.retryIntervalSeconds) });
    expect(check.args).toEqual([GUIDE_VALIDATIONS[props.workflow]]);
  });

  it('runs the script of readiness-gate.sh from its ConfigMap, in the Application that depends on the rest of its workflow', () => {
    const cm = one(objs, 'ConfigMap');
    expect(cm.metadata.namespace).toBe(props.namespace);
    expect(cm.data[GATE_SCRIPT_KEY]).toBe(fs.readFileSync(SCRIPT_FILE, 'utf8'));
    const [check] = pod.containers;
    const script = check.command[check.command.length - 1];
    expect(script.endsWith(`/${GATE_SCRIPT_KEY}`)).toBe(true);
    const mount = check.volumeMounts.find((m: any) => script.startsWith(`${m.mountPath}/`));
    expect(pod.volumes.find((v: any) => v.name === mount.name).configMap.name).toBe(cm.metadata.name);
    const c = readinessGateComponent(props);
    expect(c.id).toBe(READINESS_COMPONENTS[props.workflow]);
    expect(c.workflow).toBe(props.workflow);
    expect(c.dependsOn).toEqual([...props.after].sort());
  });

  it('runs restricted: non-root, read-only root filesystem, no capabilities, requests and limits, platform-critical, never meshed', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.priorityClassName).toBe('platform-critical');
    expect(pod.restartPolicy).toBe('Never');
    expect(job.spec.template.metadata.labels['sidecar.istio.io/inject']).toBe('false');
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
      expect(c.resources.requests).toEqual(DEFAULTS.resources.toK8s().requests);
      expect(c.resources.limits).toEqual(DEFAULTS.resources.toK8s().limits);
      expect(c.image).toMatch(/:[^:@]+$/);
      expect(c.image).not.toMatch(/:latest$/);
    }
    // Counted as a transient Job in its namespace (the capacity plan and platform-base's quota).
    expect(workloadsFromObjects(objs, { defaultNamespace: props.namespace }).map((w) => [w.kind, w.namespace])).toEqual([[WorkloadKind.Job, props.namespace]]);
  });
});

describe('what each gate may read', () => {
  const rolesOf = (objs: K8sObject[]) => objs.filter((o) => o.kind === 'Role') as any[];

  it('lets the foundation gate list only Deployments and DaemonSets, in kube-system, with a token', () => {
    const objs = render(foundation);
    const [role] = rolesOf(objs);
    expect(role.metadata.namespace).toBe('kube-system');
    expect(role.rules).toEqual([{ apiGroups: ['apps'], resources: ['daemonsets', 'deployments'], verbs: ['list'] }]);
    const binding = one(objs, 'RoleBinding');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: one(objs, 'ServiceAccount').metadata.name, namespace: 'kube-system' }]);
    const pod = one(objs, 'Job').spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(true);
    // The distroless kubectl, with the static busybox copied beside it as its shell.
    expect(pod.containers[0].image).toBe(DEFAULTS.kubectlImage);
    expect(pod.initContainers.map((c: any) => c.image)).toEqual([DEFAULTS.shellImage]);
    expect(pod.containers[0].command.slice(0, 2)).toEqual([pod.initContainers[0].command[2], 'sh']);
  });

  it('lets the ingress gate get exactly its Service and its Certificate', () => {
    const [role] = rolesOf(render(ingress));
    expect(role.metadata.namespace).toBe('emissary');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['services'], resourceNames: ['edge'], verbs: ['get'] },
      { apiGroups: ['cert-manager.io'], resources: ['certificates'], resourceNames: ['wildcard'], verbs: ['get'] },
    ]);
  });

  it('gives the Prometheus gate no role and no token: it only calls Prometheus over HTTP from busybox', () => {
    const objs = render(observability);
    expect(rolesOf(objs)).toEqual([]);
    expect(objs.some((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding')).toBe(false);
    const pod = one(objs, 'Job').spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.initContainers).toBeUndefined();
    expect(pod.containers[0].image).toBe(DEFAULTS.shellImage);
    expect(env(pod.containers[0]).PROMETHEUS_URL).toBe('http://prometheus.observability.svc.cluster.local:9090');
  });
});

describe('the alert on Applications past their gate', () => {
  const objs = render(observability);
  const rule = one(objs, 'PrometheusRule');
  const rules = rule.spec.groups.flatMap((g: any) => g.rules);

  it("has one rule per workflow, its for: that workflow's gate, on that workflow's Applications", () => {
    expect(rules).toHaveLength(WORKFLOW_ORDER.length);
    for (const wf of WORKFLOW_ORDER) {
      const mine = rules.filter((r: any) => r.labels.workflow === wf);
      expect(mine).toHaveLength(1);
      expect(mine[0].alert).toBe(PAST_GATE_ALERT);
      expect(Duration.parse(mine[0].for).totalSeconds).toBe(READINESS_GATES[wf].timeoutSeconds);
      expect(mine[0].expr).toContain(`argocd_app_info{project="${wf}"}`);
      expect(mine[0].expr).toContain('health_status="Healthy", sync_status="Synced", operation=""');
      expect(mine[0].expr).toMatch(/^max by \(name, project\) /);
      expect(mine[0].labels.severity).toBe('warning');
      expect(mine[0].annotations.runbook_url).toBe(`${observability.alerts!.runbookUrl}#${PAST_GATE_ALERT.toLowerCase()}`);
    }
  });

  it('writes well-formed PromQL', () => {
    for (const r of rules) expect(checkPromql(r.alert, r.expr)).toBe(r.expr);
  });

  it('follows a changed gate', () => {
    const gates = { ...READINESS_GATES, [Workflow.Data]: { timeoutSeconds: 900, retryIntervalSeconds: 60 } };
    const data = pastGateRules('https://x/README.md', gates).find((r) => r.workflow === Workflow.Data)!;
    expect(data.for.toString()).toBe('15m');
  });

  it('is rendered by the observability gate only', () => {
    expect(render(foundation).some((o) => o.kind === 'PrometheusRule')).toBe(false);
    expect(readinessGateComponent(observability).runbook?.[0].body).toContain(`#### ${PAST_GATE_ALERT}`);
  });
});

describe('bad props', () => {
  it("fail naming the component, the field and the fix", () => {
    expect(() => readinessGateComponent({ ...foundation, check: { validation: 'prometheus_targets_discovered', prometheusUrl: 'http://p:9090' } })).toThrow(
      /foundation-readiness: check.validation is "prometheus_targets_discovered", but the guide's foundation gate is "cluster_api_accessible"/,
    );
    expect(() => readinessGateComponent({ ...foundation, after: [] })).toThrow(/foundation-readiness: after is empty; list every other component/);
    expect(() => readinessGateComponent({ ...ingress, gate: { timeoutSeconds: 30, retryIntervalSeconds: 60 } })).toThrow(/ingress-readiness: gate 30s\/60s must be whole seconds with the interval at most the timeout/);
    expect(() => readinessGateComponent({ ...observability, check: { validation: 'prometheus_targets_discovered', prometheusUrl: 'https://p:9090/api' } })).toThrow(
      /observability-readiness: check.prometheusUrl "https:\/\/p:9090\/api" must be a plain http:\/\/ base URL/,
    );
  });
});

// -------------------------------------------------------------------------------------------
// readiness-gate.sh, run with sh against stand-ins for kubectl, wget and busybox (sleep) that answer
// from files and record their calls.

describe('readiness-gate.sh', () => {
  const text = fs.readFileSync(SCRIPT_FILE, 'utf8');

  it('is the text the chart ships', () => {
    expect(GATE_SCRIPT).toBe(text);
  });

  const shellcheck = spawnSync('shellcheck', ['--version']).status === 0;
  if (!shellcheck) console.warn('\n*** SKIPPED: shellcheck is not installed, so readiness-gate.sh was not linted. CI installs it. ***\n');
  (shellcheck ? it : it.skip)('passes shellcheck as a POSIX sh script', () => {
    expect(() => execFileSync('shellcheck', ['--shell=sh', '--severity=style', SCRIPT_FILE], { encoding: 'utf8' })).not.toThrow();
  });

  /** A directory with stand-in commands; each answers from `<dir>/<name>.<n>` (the n-th call, else the last) and logs its call. */
  function stubs(answers: Record<string, readonly { out: string; status?: number }[]>): { dir: string; calls: () => string[] } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'readiness-gate-'));
    for (const [name, list] of Object.entries(answers)) {
      list.forEach((a, i) => {
        fs.writeFileSync(path.join(dir, `${name}.${i + 1}.out`), a.out);
        fs.writeFileSync(path.join(dir, `${name}.${i + 1}.status`), String(a.status ?? 0));
      });
      fs.writeFileSync(
        path.join(dir, name),
        [
          '#!/bin/sh',
          `printf '%s %s\\n' '${name}' "$*" >> '${dir}/calls'`,
          `n=$(grep -c '^${name} ' '${dir}/calls')`,
          `[ -f '${dir}/${name}.'"$n"'.out' ] || n=${list.length}`,
          `cat '${dir}/${name}.'"$n"'.out'`,
          `exit "$(cat '${dir}/${name}.'"$n"'.status')"`,
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
    }
    if (!answers.busybox) fs.writeFileSync(path.join(dir, 'busybox'), `#!/bin/sh\nprintf 'busybox %s\\n' "$*" >> '${dir}/calls'\n`, { mode: 0o755 });
    return { dir, calls: () => fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n') };
  }

  function run(check: string, dir: string, extra: Record<string, string>, timeout = 3, interval = 1) {
    return spawnSync('sh', [SCRIPT_FILE, check], {
      encoding: 'utf8',
      env: { PATH: `${dir}:${process.env.PATH}`, GATE_TIMEOUT_SECONDS: String(timeout), GATE_INTERVAL_SECONDS: String(interval), ...extra },
    });
  }

  it('opens the foundation gate once the API server is ready and every kube-system workload is Ready, sleeping the interval between tries', () => {
    const { dir, calls } = stubs({
      kubectl: [
        { out: 'ok' },
        { out: 'Deployment/coredns 2 2\nDaemonSet/cilium 2 3\n' },
        { out: 'ok' },
        { out: 'Deployment/coredns 2 2\nDaemonSet/cilium 3 3\n' },
      ],
    });
    const r = run('cluster_api_accessible', dir, { GATE_NAMESPACE: 'kube-system' }, 300, 30);
    expect(r.stdout).toContain('not ready (attempt 1 of 10): not Ready in kube-system: DaemonSet/cilium (2/3 Ready)');
    expect(r.stdout).toContain('ready (attempt 2 of 10): the API server is ready; all 2 Deployments and DaemonSets in kube-system are Ready');
    expect(r.status).toBe(0);
    expect(calls()).toEqual([
      'kubectl get --raw /readyz --request-timeout=30s',
      expect.stringMatching(/^kubectl get deployments.apps,daemonsets.apps --namespace kube-system --request-timeout=30s --output go-template=/),
      'busybox sleep 30',
      'kubectl get --raw /readyz --request-timeout=30s',
      expect.stringMatching(/^kubectl get deployments.apps,daemonsets.apps /),
    ]);
  });

  it('gives up after timeout / interval attempts, naming what is not ready, and fails', () => {
    const { dir, calls } = stubs({ kubectl: [{ out: 'Error from server (ServiceUnavailable)', status: 1 }] });
    const r = run('cluster_api_accessible', dir, { GATE_NAMESPACE: 'kube-system' }, 3, 1);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('cluster_api_accessible: not ready after 3s: the API server is not ready: Error from server (ServiceUnavailable)');
    expect(calls().filter((c) => c.startsWith('busybox sleep 1'))).toHaveLength(2);
    expect(calls().filter((c) => c.startsWith('kubectl get --raw /readyz'))).toHaveLength(3);
  });

  it('opens the ingress gate once the Service has a load-balancer hostname and the Certificate is Ready', () => {
    const { dir, calls } = stubs({
      kubectl: [
        { out: '' },
        { out: 'False: Issuing certificate as Secret does not exist' },
        { out: 'k8s-emissary-edge-0123.elb.eu-west-1.amazonaws.com ' },
        { out: 'True: Certificate is up to date and has not expired' },
      ],
    });
    const r = run('load_balancer_provisioned', dir, { GATE_NAMESPACE: 'emissary', GATE_SERVICE: 'edge', GATE_CERTIFICATE: 'wildcard' });
    expect(r.stdout).toContain(
      'not ready (attempt 1 of 3): Service emissary/edge has no load-balancer address yet; Certificate emissary/wildcard is not Ready (False: Issuing certificate as Secret does not exist)',
    );
    expect(r.stdout).toContain('Service emissary/edge has load balancer k8s-emissary-edge-0123.elb.eu-west-1.amazonaws.com; Certificate emissary/wildcard is Ready');
    expect(r.status).toBe(0);
    expect(calls()[0]).toMatch(/^kubectl get service edge --namespace emissary /);
    expect(calls()[1]).toMatch(/^kubectl get certificates.cert-manager.io wildcard --namespace emissary /);
  });

  /** A `/api/v1/targets?state=active` answer as Prometheus writes it. */
  const targets = (list: { pool: string; health: string; labels?: Record<string, string> }[]) =>
    JSON.stringify({
      status: 'success',
      data: {
        activeTargets: list.map((t) => ({
          discoveredLabels: { __address__: '10.0.0.1:9090', ...(t.labels ?? {}) },
          labels: { job: t.pool.split('/')[2] ?? t.pool, ...(t.labels ?? {}) },
          scrapePool: t.pool,
          scrapeUrl: 'http://10.0.0.1:9090/metrics',
          globalUrl: 'http://10.0.0.1:9090/metrics',
          lastError: t.health === 'down' ? 'connection refused' : '',
          lastScrape: '2026-05-01T09:30:00Z',
          lastScrapeDuration: 0.01,
          health: t.health,
          scrapeInterval: '30s',
          scrapeTimeout: '10s',
        })),
        droppedTargetCounts: {},
      },
    });

  it('opens the observability gate once every scrape pool has a target up and none waits for its first scrape', () => {
    const { dir, calls } = stubs({
      wget: [
        { out: targets([]) },
        { out: targets([{ pool: 'serviceMonitor/observability/kube-state-metrics/0', health: 'up' }, { pool: 'serviceMonitor/observability/node-exporter/0', health: 'unknown' }]) },
        {
          out: targets([
            { pool: 'serviceMonitor/observability/kube-state-metrics/0', health: 'up' },
            { pool: 'serviceMonitor/observability/node-exporter/0', health: 'up' },
            // One node of three is still joining: its pool has targets up, which is enough.
            { pool: 'serviceMonitor/observability/node-exporter/0', health: 'down', labels: { note: 'a value with "health":"down" in it' } },
          ]),
        },
      ],
    });
    const r = run('prometheus_targets_discovered', dir, { PROMETHEUS_URL: 'http://prometheus:9090' });
    expect(r.stdout).toContain('not ready (attempt 1 of 3): Prometheus has discovered no active target yet');
    expect(r.stdout).toContain('not ready (attempt 2 of 3): 1 of 2 active targets wait for their first scrape');
    expect(r.stdout).toContain('ready (attempt 3 of 3): 3 active targets in 2 scrape pools, 2 up; every pool has a target up');
    expect(r.status).toBe(0);
    expect(calls()[0]).toBe('wget -q -T 1 -O - http://prometheus:9090/api/v1/targets?state=active');
  });

  it('keeps the observability gate closed while a whole scrape pool is down, naming it', () => {
    const { dir } = stubs({
      wget: [{ out: targets([{ pool: 'serviceMonitor/observability/mimir/0', health: 'up' }, { pool: 'serviceMonitor/kube-system/coredns/0', health: 'down' }]) }],
    });
    const r = run('prometheus_targets_discovered', dir, { PROMETHEUS_URL: 'http://prometheus:9090' }, 2, 1);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('not ready after 2s: scrape pools with no target up: serviceMonitor/kube-system/coredns/0');
  });

  it('refuses an unknown check or a bad interval with usage errors', () => {
    const { dir } = stubs({});
    expect(run('cluster_api', dir, {}).status).toBe(2);
    const bad = run('cluster_api_accessible', dir, { GATE_NAMESPACE: 'kube-system' }, 30, 60);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('GATE_INTERVAL_SECONDS (60) must be between 1 and GATE_TIMEOUT_SECONDS (30)');
  });
});

// -------------------------------------------------------------------------------------------
// The child-Application health check of argocd-cm (argocd/health.ts), run with Lua 5.1 and
// lua-cjson as the other health checks are (test/charts/argocd.test.ts): a gate Job that runs or
// failed must hold the root app-of-apps back, although Argo CD leaves hooks out of the child's health.

const HARNESS = `
local cjson = require("cjson")
local script = assert(io.open(arg[1])):read("*a")
local obj = cjson.decode(io.read("*a"))
local check = assert(loadstring(script))
setfenv(check, { obj = obj, pairs = pairs, ipairs = ipairs, type = type, tostring = tostring })
local hs = check()
io.write(cjson.encode({ status = hs.status, message = hs.message }))
`;

const lua = spawnSync('lua5.1', ['-e', 'require("cjson")']).status === 0;
if (!lua) console.warn('\n*** SKIPPED: lua5.1 with lua-cjson is not installed, so the Application health check did not run. ***\n');

describe('the child Application health check, run with lua5.1', () => {
  function health(status: object): { status: string; message: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-health-'));
    fs.writeFileSync(path.join(dir, 'harness.lua'), HARNESS);
    fs.writeFileSync(path.join(dir, 'check.lua'), APPLICATION_HEALTH_LUA);
    const r = spawnSync('lua5.1', [path.join(dir, 'harness.lua'), path.join(dir, 'check.lua')], { input: JSON.stringify({ kind: 'Application', status }), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`lua5.1 failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }
  const luaIt = lua ? it : it.skip;
  const healthy = { health: { status: 'Healthy' }, sync: { status: 'Synced' } };

  luaIt('reports a Healthy child whose sync still runs its PostSync gate as Progressing', () => {
    expect(health({ ...healthy, operationState: { phase: 'Running', message: 'waiting for completion of hook batch/Job/ingress-readiness' } })).toEqual({
      status: 'Progressing',
      message: 'sync Running: waiting for completion of hook batch/Job/ingress-readiness',
    });
  });

  luaIt('reports a Healthy child whose last sync failed (its gate Job gave up) as Degraded with the sync message', () => {
    expect(health({ ...healthy, operationState: { phase: 'Failed', message: 'one or more synchronization tasks completed unsuccessfully (retried 10 times).' } })).toEqual({
      status: 'Degraded',
      message: 'last sync Failed: one or more synchronization tasks completed unsuccessfully (retried 10 times).',
    });
  });

  luaIt('keeps a succeeded sync Healthy, and a Degraded child Degraded with its own message', () => {
    expect(health({ ...healthy, operationState: { phase: 'Succeeded', message: 'successfully synced (all tasks run)' } })).toEqual({ status: 'Healthy', message: '' });
    expect(health({ health: { status: 'Degraded', message: 'Deployment has minimum availability' }, operationState: { phase: 'Failed' } })).toEqual({
      status: 'Degraded',
      message: 'Deployment has minimum availability',
    });
  });
});
