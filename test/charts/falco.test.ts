import * as yaml from 'js-yaml';
import { DEFAULTS, falcoComponent, FALCO, FalcoProps, FalcoValues } from '../../charts/falco';
import { CHARTS } from '../../config/versions';
import { HelmSource } from '../../lib/component';
import { PRIORITY } from '../../lib/priority';
import { K8sObject } from '../../lib/render';
import { Cpu, Memory } from '../../lib/resources';
import { objectsOfKind, renderComponent } from '../support';

jest.setTimeout(120_000);

const LOKI_PUSH = 'http://loki.observability.svc.cluster.local:3100/loki/api/v1/push';
const ALERTMANAGER = 'http://alertmanager.observability.svc.cluster.local:9093';
const props: FalcoProps = { namespace: 'runtime', lokiPushUrl: LOKI_PUSH, alertmanagerUrl: ALERTMANAGER, dataNamespace: 'stores', sidekickReplicas: 2 };
const values = (p: FalcoProps = props): FalcoValues => (falcoComponent(p).source as HelmSource).values as FalcoValues;

let rendered: Promise<K8sObject[]> | undefined;
const objects = (): Promise<K8sObject[]> => (rendered ??= renderComponent(falcoComponent(props)));

describe('falco', () => {
  const rules = yaml.load(values().customRules[FALCO.rulesFileName]) as any[];
  const rule = (name: string) => rules.find((r) => r.rule === name);

  it('runs the pinned chart as a DaemonSet in the namespace it is given with the modern eBPF driver, least-privileged', async () => {
    const c = falcoComponent(props);
    expect(c.namespace).toBe('runtime');
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.falco, releaseName: FALCO.release });
    expect(values().driver).toEqual({ kind: 'modern_ebpf', modernEbpf: { leastPrivileged: true } });
    const [ds] = objectsOfKind(await objects(), 'DaemonSet', 'falco');
    expect(ds.metadata.namespace).toBe('runtime');
  });

  it('forwards events through Falcosidekick to Loki and Alertmanager (v2 API)', () => {
    const v = values();
    expect(v.falcosidekick.enabled).toBe(true);
    expect(`${v.falcosidekick.config.loki.hostport}${v.falcosidekick.config.loki.endpoint}`).toBe(LOKI_PUSH);
    expect(v.falcosidekick.config.loki).toMatchObject({ hostport: 'http://loki.observability.svc.cluster.local:3100', endpoint: '/loki/api/v1/push' });
    expect(v.falcosidekick.config.alertmanager).toMatchObject({ hostport: ALERTMANAGER, endpoint: '/api/v2/alerts', minimumpriority: 'warning' });
    expect(v.falcosidekick.webui.enabled).toBe(false);
  });

  it('keeps the sidekick settings in a ConfigMap, not a committed Secret, and points the Deployment at it', async () => {
    const name = `${FALCO.release}-falcosidekick`;
    const objs = await objects();
    expect(objectsOfKind(objs, 'Secret', name)).toEqual([]);
    const [settings] = objectsOfKind(objs, 'ConfigMap', name);
    expect(Object.values(settings.data).every((v) => v !== '')).toBe(true);
    const [sidekick] = objectsOfKind(objs, 'Deployment', name);
    expect(sidekick.spec.template.spec.containers[0].envFrom).toContainEqual({ configMapRef: { name } });
  });

  it('ships the platform rules: a shell in a container, writes below /etc, unexpected egress from the data namespace', () => {
    expect(rule('Platform shell in container').condition).toMatch(/spawned_process and container and shell_procs/);
    expect(rule('Platform write below etc in container').condition).toMatch(/open_write and container and fd\.name startswith \/etc\//);
    const egress = rule('Platform unexpected outbound connection from data namespace');
    expect(egress.condition).toContain('outbound and container and k8s.ns.name = "stores"');
    expect(egress.priority).toBe('CRITICAL');
    for (const r of rules.filter((x) => x.rule)) {
      expect(r.output).toContain('%k8s.ns.name');
      expect(r.tags).toContain('platform');
    }
    // Every tuning macro a rule refers to is defined in the same file.
    const macros = new Set(rules.filter((x) => x.macro).map((x) => x.macro));
    for (const name of ['platform_shell_expected', 'platform_etc_writer_expected', 'platform_data_egress_expected']) expect(macros.has(name)).toBe(true);
  });

  it('exposes metrics with a ServiceMonitor and runs at the platform priority on every node', async () => {
    const v = values();
    expect(v.metrics.enabled).toBe(true);
    expect(v.serviceMonitor.create).toBe(true);
    expect(v.podPriorityClassName).toBe(PRIORITY.platformCritical);
    expect(v.tolerations).toEqual([{ operator: 'Exists' }]);
    const [ds] = objectsOfKind(await objects(), 'DaemonSet', 'falco');
    expect(ds.spec.template.spec.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(objectsOfKind(await objects(), 'ServiceMonitor').length).toBeGreaterThan(0);
  });

  it('stays inside the Security budget per node by default: at most 110m / 288Mi requests for Falco and its rules follower', async () => {
    const [ds] = objectsOfKind(await objects(), 'DaemonSet', 'falco');
    const pod = ds.spec.template.spec;
    const running = [...pod.containers, ...(pod.initContainers ?? []).filter((c: any) => c.restartPolicy === 'Always')];
    const cpu = running.reduce((sum: Cpu, c: any) => sum.plus(Cpu.parse(c.resources.requests.cpu)), Cpu.millis(0));
    const memory = running.reduce((sum: Memory, c: any) => sum.plus(Memory.parse(c.resources.requests.memory)), Memory.mebibytes(0));
    expect(cpu.millicores).toBeLessThanOrEqual(110);
    expect(memory.mebibytes).toBeLessThanOrEqual(288);
    expect(pod.containers.find((c: any) => c.name === 'falco').resources).toEqual(DEFAULTS.resources.falco.toK8s());
  });

  it('runs the Falcosidekick replicas it is given', () => {
    expect(values({ ...props, sidekickReplicas: 1 }).falcosidekick.replicaCount).toBe(1);
    expect(values().falcosidekick.replicaCount).toBe(2);
  });

  describe('rejects bad props with a clear message', () => {
    it('an endpoint that is not a URL', () => {
      expect(() => falcoComponent({ ...props, lokiPushUrl: 'loki:3100' })).toThrow(/lokiPushUrl "loki:3100"/);
    });
    it('a Loki URL without its push path', () => {
      expect(() => falcoComponent({ ...props, lokiPushUrl: 'http://loki:3100' })).toThrow(/has no push path/);
    });
    it('no Falcosidekick', () => {
      expect(() => falcoComponent({ ...props, sidekickReplicas: 0 })).toThrow(/falco: sidekickReplicas 0 must be a positive whole number/);
    });
  });
});
