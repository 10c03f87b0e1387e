import * as yaml from 'js-yaml';
import { falcoComponent, FALCO } from '../../charts/falco';
import { CHARTS } from '../../config/versions';
import { PRIORITY } from '../../lib/priority';
import { podTotal, WorkloadKind } from '../../lib/resources';
import { ENDPOINTS } from '../../workflows/endpoints';
import { componentWorkloads } from '../../lib/workloads';
import { NS } from '../../workflows/namespaces';
import { component, helmValues, hydratedFixture, fixtureEnvironment } from '../support';

describe('falco', () => {
  const v = helmValues(fixtureEnvironment('prod'), 'falco');
  const rules = yaml.load(v.customRules[FALCO.rulesFileName]) as any[];
  const rule = (name: string) => rules.find((r) => r.rule === name);

  it('runs the pinned chart as a DaemonSet in the security namespace with the modern eBPF driver, least-privileged', async () => {
    const c = component(fixtureEnvironment('prod'), 'falco');
    expect(c.namespace).toBe(NS.security);
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.falco });
    expect(CHARTS.falco.version).toBe('9.1.0');
    expect(v.driver).toEqual({ kind: 'modern_ebpf', modernEbpf: { leastPrivileged: true } });
    expect(componentWorkloads(await hydratedFixture('prod'), 'falco').find((w) => w.kind === WorkloadKind.DaemonSet)!.name).toBe('falco');
  });

  it('forwards events through Falcosidekick to Loki and Alertmanager (v2 API)', () => {
    expect(v.falcosidekick.enabled).toBe(true);
    const loki = new URL(ENDPOINTS.lokiPush);
    expect(v.falcosidekick.config.loki).toMatchObject({ hostport: loki.origin, endpoint: loki.pathname });
    expect(`${v.falcosidekick.config.loki.hostport}${v.falcosidekick.config.loki.endpoint}`).toBe(ENDPOINTS.lokiPush);
    expect(v.falcosidekick.config.alertmanager).toMatchObject({ hostport: ENDPOINTS.alertmanager, endpoint: '/api/v2/alerts', minimumpriority: 'warning' });
    expect(v.falcosidekick.webui.enabled).toBe(false);
  });

  it('ships the platform rules: a shell in a container, writes below /etc, unexpected egress from the data namespace', () => {
    expect(rule('Platform shell in container').condition).toMatch(/spawned_process and container and shell_procs/);
    expect(rule('Platform write below etc in container').condition).toMatch(/open_write and container and fd\.name startswith \/etc\//);
    const egress = rule('Platform unexpected outbound connection from data namespace');
    expect(egress.condition).toContain(`outbound and container and k8s.ns.name = "${NS.data}"`);
    expect(egress.priority).toBe('CRITICAL');
    for (const r of rules.filter((x) => x.rule)) {
      expect(r.output).toContain('%k8s.ns.name');
      expect(r.tags).toContain('platform');
    }
    // Every tuning macro a rule refers to is defined in the same file.
    const macros = new Set(rules.filter((x) => x.macro).map((x) => x.macro));
    for (const name of ['platform_shell_expected', 'platform_etc_writer_expected', 'platform_data_egress_expected']) expect(macros.has(name)).toBe(true);
  });

  it('exposes metrics with a ServiceMonitor and runs at the platform priority on every node', () => {
    expect(v.metrics.enabled).toBe(true);
    expect(v.serviceMonitor.create).toBe(true);
    expect(v.podPriorityClassName).toBe(PRIORITY.platformCritical);
    expect(v.tolerations).toEqual([{ operator: 'Exists' }]);
  });

  it('stays inside the Security budget per node: at most 110m / 288Mi requests for Falco and its rules follower', async () => {
    const ds = componentWorkloads(await hydratedFixture('prod'), 'falco').find((w) => w.kind === WorkloadKind.DaemonSet)!;
    const total = podTotal(ds, 'requests');
    expect(total.cpu.millicores).toBeLessThanOrEqual(110);
    expect(total.memory.mebibytes).toBeLessThanOrEqual(288);
    expect(ds.containers[0].resources.toK8s()).toEqual(v.resources);
  });

  it('runs one Falcosidekick in dev and two elsewhere', () => {
    expect(helmValues(fixtureEnvironment('dev'), 'falco').falcosidekick.replicaCount).toBe(1);
    expect(v.falcosidekick.replicaCount).toBe(2);
  });

  it('rejects an endpoint that is not a URL', () => {
    expect(() =>
      falcoComponent({ namespace: 'security', lokiPushUrl: 'loki:3100', alertmanagerUrl: ENDPOINTS.alertmanager, dataNamespace: 'data', highAvailability: false }),
    ).toThrow(/lokiPushUrl "loki:3100"/);
  });
});
