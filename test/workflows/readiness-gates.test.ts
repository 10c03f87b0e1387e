/**
 * The guide's readiness gates in the hydrated fixture: a PostSync Job closing each gated workflow,
 * with the guide's timeout and interval, checking objects and addresses the platform renders, and
 * the alert on Applications past their gate.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GATE_SCRIPT_KEY, GatedWorkflow, GUIDE_VALIDATIONS, PAST_GATE_ALERT, READINESS_COMPONENTS } from '../../charts/readiness-gates';
import { Duration } from '../../lib/duration';
import { READINESS_GATES, Workflow, WORKFLOW_ORDER, WORKFLOW_PREREQUISITES } from '../../lib/component';
import { K8sObject } from '../../lib/render';
import { HydratedModel } from '../../synth';
import { ENDPOINTS } from '../../workflows/endpoints';
import { ENVIRONMENTS, hydratedFixture } from '../support';
import { allowed, KUBE_DNS, Pod } from './traffic-evaluator';
import { PROMETHEUS_POD_LABELS } from '../../charts/kube-prometheus-stack';

jest.setTimeout(120_000);

const GATED = Object.keys(GUIDE_VALIDATIONS) as GatedWorkflow[];
const objectsOf = (m: HydratedModel, id: string) => m.objects.get(id) ?? [];
const all = (m: HydratedModel) => m.components.flatMap((c) => objectsOf(m, c.id));
const gateJob = (m: HydratedModel, wf: GatedWorkflow) => objectsOf(m, READINESS_COMPONENTS[wf]).find((o) => o.kind === 'Job') as any;
const envOf = (job: any): Record<string, string> => Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));

/** Whether a label selector (matchLabels, and matchExpressions counted as matching) selects `labels`. */
function selects(selector: any, labels: Record<string, string>): boolean {
  if (!selector || (!selector.matchLabels && !selector.matchExpressions)) return true;
  if (selector.matchExpressions?.length) return true;
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

describe.each(ENVIRONMENTS)('the readiness gates in %s', (env) => {
  let m: HydratedModel;
  beforeAll(async () => {
    m = await hydratedFixture(env);
  });

  it.each(GATED)("closes the %s workflow: after every other component of it, before every workflow that needs it", (wf) => {
    const id = READINESS_COMPONENTS[wf];
    const wave = (x: string) => m.graph.waves.get(x)!;
    const gate = wave(id);
    const others = m.components.filter((c) => c.workflow === wf && c.id !== id);
    expect(others.length).toBeGreaterThan(0);
    for (const c of others) expect({ id: c.id, before: wave(c.id) < gate }).toEqual({ id: c.id, before: true });
    const later = m.components.filter((c) => WORKFLOW_PREREQUISITES[c.workflow].includes(wf));
    expect(later.length).toBeGreaterThan(0);
    for (const c of later) expect({ id: c.id, after: wave(c.id) > gate }).toEqual({ id: c.id, after: true });
  });

  it.each(GATED)("runs the %s gate as a PostSync Job with the guide's timeout as its deadline and the guide's interval between attempts", (wf) => {
    const job = gateJob(m, wf);
    expect(job).toBeDefined();
    expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('PostSync');
    expect(job.spec.activeDeadlineSeconds).toBe(READINESS_GATES[wf].timeoutSeconds);
    expect(job.spec.backoffLimit).toBe(0);
    expect(envOf(job).GATE_TIMEOUT_SECONDS).toBe(String(READINESS_GATES[wf].timeoutSeconds));
    expect(envOf(job).GATE_INTERVAL_SECONDS).toBe(String(READINESS_GATES[wf].retryIntervalSeconds));
    expect(job.spec.template.spec.containers[0].args).toEqual([GUIDE_VALIDATIONS[wf]]);
  });

  const shellcheck = spawnSync('shellcheck', ['--version']).status === 0;
  (shellcheck ? it : it.skip).each(GATED)('ships the %s gate a script that passes shellcheck', (wf) => {
    const id = READINESS_COMPONENTS[wf];
    const cm = objectsOf(m, id).find((o) => o.kind === 'ConfigMap') as any;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gate-script-'));
    const file = path.join(dir, GATE_SCRIPT_KEY);
    fs.writeFileSync(file, cm.data[GATE_SCRIPT_KEY]);
    expect(() => execFileSync('shellcheck', ['--shell=sh', '--severity=style', file], { encoding: 'utf8' })).not.toThrow();
  });

  it('checks the ingress Service and Certificate the ingress workflow renders, in the namespace its Role reads', () => {
    const job = gateJob(m, Workflow.Ingress);
    const e = envOf(job);
    const rendered = (kind: string, name: string) => all(m).filter((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === e.GATE_NAMESPACE);
    const [service] = rendered('Service', e.GATE_SERVICE) as any[];
    expect(service?.spec.type).toBe('LoadBalancer');
    expect(rendered('Certificate', e.GATE_CERTIFICATE)).toHaveLength(1);
    const role = objectsOf(m, READINESS_COMPONENTS[Workflow.Ingress]).find((o) => o.kind === 'Role') as any;
    expect(role.metadata.namespace).toBe(e.GATE_NAMESPACE);
    expect(role.rules.flatMap((r: any) => r.resourceNames)).toEqual([e.GATE_SERVICE, e.GATE_CERTIFICATE]);
  });

  it("calls Prometheus at the endpoint other workflows use, which resolves to a rendered Service and port", () => {
    const url = envOf(gateJob(m, Workflow.Observability)).PROMETHEUS_URL;
    expect(url).toBe(ENDPOINTS.prometheus);
    const [, name, namespace, port] = /^http:\/\/([^.]+)\.([^.]+)\.svc\.cluster\.local:(\d+)$/.exec(url)!;
    const svc = all(m).find((o) => o.kind === 'Service' && o.metadata.name === name && o.metadata.namespace === namespace) as any;
    expect(svc.spec.ports.map((p: any) => p.port)).toContain(Number(port));
  });

  it('lets every gate reach what it checks through the default-deny policies: DNS, the API server, and Prometheus for the observability gate', () => {
    const policies = all(m).filter((o) => o.kind === 'NetworkPolicy' || o.kind === 'CiliumNetworkPolicy');
    const promNs = /\.([^.]+)\.svc/.exec(ENDPOINTS.prometheus)![1];
    const promPort = Number(/:(\d+)$/.exec(ENDPOINTS.prometheus)![1]);
    const prometheus: Pod = { namespace: promNs, labels: { ...PROMETHEUS_POD_LABELS }, ports: [{ name: 'http-web', containerPort: promPort }], what: 'Prometheus' };
    const blocked: string[] = [];
    for (const wf of GATED) {
      const job = gateJob(m, wf);
      const pod: Pod = { namespace: job.metadata.namespace!, labels: job.spec.template.metadata.labels, ports: [], what: `${wf} gate` };
      if (!allowed(policies, { pod }, { pod: KUBE_DNS }, 53, 'UDP')) blocked.push(`${wf}: DNS`);
      if (!allowed(policies, { pod }, { entity: 'kube-apiserver' }, 443)) blocked.push(`${wf}: the API server`);
      if (wf === Workflow.Observability && !allowed(policies, { pod }, { pod: prometheus }, promPort)) blocked.push(`${wf}: Prometheus`);
    }
    expect(blocked).toEqual([]);
  });

  it("alerts per workflow when an Application stays out of Healthy, Synced and idle longer than its workflow's gate", () => {
    const rules = all(m)
      .filter((o) => o.kind === 'PrometheusRule')
      .flatMap((o: any) => o.spec.groups.flatMap((g: any) => g.rules))
      .filter((r: any) => r.alert === PAST_GATE_ALERT);
    expect(rules.map((r: any) => r.labels.workflow).sort()).toEqual([...WORKFLOW_ORDER].sort());
    for (const r of rules) {
      const wf = r.labels.workflow as Workflow;
      expect(Duration.parse(r.for).totalSeconds).toBe(READINESS_GATES[wf].timeoutSeconds);
      expect(r.expr).toContain(`argocd_app_info{project="${wf}"}`);
    }
    // Every Application's project is its workflow, which is what the rules select on.
    expect(new Set(m.components.map((c) => c.workflow))).toEqual(new Set(WORKFLOW_ORDER.filter((wf) => m.components.some((c) => c.workflow === wf))));
  });

  it("has Prometheus scrape argocd_app_info from Argo CD's application controller", () => {
    const monitors = objectsOf(m, 'argocd').filter((o) => o.kind === 'ServiceMonitor') as any[];
    const controller = monitors.find((s) => s.spec.selector.matchLabels?.['app.kubernetes.io/component'] === 'application-controller');
    expect(controller).toBeDefined();
    const services = objectsOf(m, 'argocd').filter((o: K8sObject) => o.kind === 'Service') as any[];
    const target = services.find((s) => selects(controller.spec.selector, s.metadata.labels ?? {}));
    expect(target.spec.ports.map((p: any) => p.name)).toContain(controller.spec.endpoints[0].port);
  });
});
