/**
 * Alerts reach someone: the rendered Alertmanager configuration routes every alert the rendered
 * rules define, holds no credential, and the Secret its *_file fields read exists by Alertmanager's
 * wave; Falco's events arrive there through falcosidekick.
 */
import * as path from 'node:path';
import { ALERTMANAGER, credentialFieldsIn } from '../../charts/kube-prometheus-stack/alertmanager';
import { resolveEnvironment } from '../../config/defaults';
import { loadConfigFile } from '../../config/load';
import { buildEnvironment } from '../../platform';
import { defaultHydrateOptions, hydrateModel } from '../../synth';
import { secretsWithData } from '../../lib/checks';
import { K8sObject } from '../../lib/render';
import { stepNumber } from '../../argocd/steps';
import { alertingRules, renderedAlertmanagerConfig, routeAlert } from '../alertmanager';
import { component, ENVIRONMENTS, hydratedFixture, renderedFixture, ROOT } from '../support';

jest.setTimeout(120_000);

const KPS = 'kube-prometheus-stack';

/** Falco's priorities, highest first (falcosidekick's types.PriorityType order). */
const FALCO_PRIORITIES = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'debug'] as const;
/** falcosidekick's `defaultSeverityMap` (outputs/alertmanager.go): the `severity` label each priority gets. */
const FALCOSIDEKICK_SEVERITY: Readonly<Record<(typeof FALCO_PRIORITIES)[number], string>> = {
  emergency: 'critical', alert: 'critical', critical: 'critical', error: 'warning', warning: 'warning', notice: 'information', informational: 'information', debug: 'information',
};

describe('alert routing in prod', () => {
  it('delivers every alert of every rendered rule to a receiver other than null; Watchdog to the heartbeat, InfoInhibitor to null', async () => {
    const m = await hydratedFixture('prod');
    const config = renderedAlertmanagerConfig(m.objects.get(KPS)!);
    const { alerting } = m.env;
    const rules = alertingRules(m.objects);
    // Not vacuous: the chart's rules and ours, with every severity they use.
    expect(new Set(rules.map((r) => r.labels.severity))).toEqual(new Set(['critical', 'warning', 'info', 'none']));
    expect(rules.some((r) => r.source.startsWith('observability-config'))).toBe(true);
    const defined = new Set(config.receivers.map((r) => r.name));
    const wrong: string[] = [];
    for (const r of rules) {
      const reached = routeAlert(config.route, { alertname: r.alert, namespace: 'observability', ...r.labels });
      const expected =
        r.alert === ALERTMANAGER.watchdog ? [alerting.heartbeat ?? ALERTMANAGER.nullReceiver]
        : r.alert === ALERTMANAGER.infoInhibitor ? [ALERTMANAGER.nullReceiver]
        : alerting.routes[r.labels.severity as 'critical' | 'warning' | 'info'];
      if (JSON.stringify(reached) !== JSON.stringify(expected) || !reached.every((n) => defined.has(n))) wrong.push(`${r.source} ${r.alert} (${r.labels.severity}) → ${reached.join(', ')}`);
    }
    expect(wrong).toEqual([]);
    expect(alerting.heartbeat).toBeDefined();
  });

  it('keeps the inhibit rules of the chart, which mute warning and info under critical, and info under InfoInhibitor', async () => {
    const config = renderedAlertmanagerConfig((await hydratedFixture('prod')).objects.get(KPS)!);
    const rules = JSON.stringify(config.inhibit_rules);
    expect(rules).toContain('severity = critical');
    expect(rules).toContain('alertname = InfoInhibitor');
    expect(config.inhibit_rules!.length).toBeGreaterThanOrEqual(4);
  });
});

describe.each(ENVIRONMENTS)('the Alertmanager configuration of %s', (env) => {
  it('holds no credential: every *_file names a key of the mounted credentials Secret, and synth accepts it', async () => {
    const m = await hydratedFixture(env);
    const objects = m.objects.get(KPS)!;
    const config = renderedAlertmanagerConfig(objects);
    expect(credentialFieldsIn(config)).toEqual([]);
    expect(secretsWithData([m])).toEqual([]);
    const requirement = (component(m, KPS).secrets ?? []).find((s) => s.name === ALERTMANAGER.credentialsSecret);
    const files = (JSON.stringify(config).match(/"[a-z_]+_file":"[^"]+"/g) ?? []).map((f) => f.split('"')[3]);
    const keys = Object.keys(requirement?.data ?? {}).sort();
    expect(files.map((f) => f.replace(`${ALERTMANAGER.secretsMountPath}/${ALERTMANAGER.credentialsSecret}/`, '')).sort()).toEqual(keys);
    const am = objects.find((o) => o.kind === 'Alertmanager')!;
    expect((am.spec as { secrets?: string[] }).secrets ?? []).toEqual(keys.length ? [ALERTMANAGER.credentialsSecret] : []);
  });

  it('mounts a credentials Secret that exists by its wave: created at bootstrap, adopted by an ExternalSecret from OpenBao, seeded with the same values', async () => {
    const m = await hydratedFixture(env);
    const requirement = (component(m, KPS).secrets ?? []).find((s) => s.name === ALERTMANAGER.credentialsSecret);
    const receivers = Object.keys(m.env.alerting.receivers);
    if (!requirement) {
      // Only an environment whose receivers have no credential (dev here routes nowhere) mounts none.
      expect(receivers.filter((n) => m.env.alerting.receivers[n].email === undefined || m.env.alerting.receivers[n].email?.username)).toEqual([]);
      return;
    }
    expect(Object.keys(requirement.bootstrap ?? {}).sort()).toEqual(Object.keys(requirement.data).sort());
    const external = m.objects.get('external-secrets-config')!.find((o) => o.kind === 'ExternalSecret' && o.metadata.name === ALERTMANAGER.credentialsSecret) as K8sObject & { spec: any };
    expect(external.metadata.namespace).toBe(requirement.namespace);
    expect(external.spec.data.map((d: { secretKey: string }) => d.secretKey).sort()).toEqual(Object.keys(requirement.data).sort());
    const readme = (await renderedFixture(env)).get(`${env}/bootstrap/README.md`)!;
    const step = readme.slice(readme.indexOf(`## ${stepNumber('bootstrapSecrets')}.`), readme.indexOf(`## ${stepNumber('nodeGroups')}.`));
    expect(step).toContain(`kubectl -n ${requirement.namespace} create secret generic ${ALERTMANAGER.credentialsSecret} \\`);
    for (const [key, variable] of Object.entries(requirement.bootstrap!)) {
      expect(step).toContain(`--from-literal=${key}="$${variable}"`);
      expect(readme).toMatch(new RegExp(`bao kv put -mount=secret ${ALERTMANAGER.openbaoPath} .*${key}="\\$${variable}"`));
    }
  });
});

describe('dev without receivers', () => {
  it('routes every alert to null, and its PLAN.md says so', async () => {
    const m = await hydratedFixture('dev');
    const config = renderedAlertmanagerConfig(m.objects.get(KPS)!);
    for (const severity of ['critical', 'warning', 'info', 'none']) expect(routeAlert(config.route, { alertname: 'Any', severity })).toEqual([ALERTMANAGER.nullReceiver]);
    expect((await renderedFixture('dev')).get('dev/PLAN.md')).toContain("No receivers: every alert ends in Alertmanager's null receiver.");
  });
});

describe('falcosidekick', () => {
  it('forwards events from a set minimum priority to the rendered Alertmanager Service and port, on the v2 API', async () => {
    const m = await hydratedFixture('prod');
    const settings = m.objects.get('falco')!.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'falco-falcosidekick')!.data as Record<string, string>;
    const url = new URL(settings.ALERTMANAGER_HOSTPORT);
    const [name, namespace] = url.hostname.split('.');
    expect(url.hostname).toBe(`${name}.${namespace}.svc.cluster.local`);
    const service = m.objects.get(KPS)!.find((o) => o.kind === 'Service' && o.metadata.name === name && o.metadata.namespace === namespace) as K8sObject & { spec: any };
    expect(service).toBeDefined();
    const port = service.spec.ports.find((p: { port: number }) => p.port === Number(url.port));
    expect(port).toBeDefined();
    // The port leads to the Alertmanager pods' web port (the operator names it after spec.portName).
    const am = m.objects.get(KPS)!.find((o) => o.kind === 'Alertmanager') as K8sObject & { spec: any };
    expect(service.spec.selector.alertmanager).toBe(am.metadata.name);
    expect([9093, am.spec.portName]).toContain(port.targetPort);
    expect(settings.ALERTMANAGER_ENDPOINT).toBe('/api/v2/alerts');
    expect(FALCO_PRIORITIES).toContain(settings.ALERTMANAGER_MINIMUMPRIORITY);
  });

  it('sends only what reaches a receiver in prod: every forwarded priority has a routed severity', async () => {
    const m = await hydratedFixture('prod');
    const settings = m.objects.get('falco')!.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'falco-falcosidekick')!.data as Record<string, string>;
    const config = renderedAlertmanagerConfig(m.objects.get(KPS)!);
    const forwarded = FALCO_PRIORITIES.slice(0, FALCO_PRIORITIES.indexOf(settings.ALERTMANAGER_MINIMUMPRIORITY as (typeof FALCO_PRIORITIES)[number]) + 1);
    expect(forwarded.length).toBeGreaterThan(0);
    for (const priority of forwarded) {
      const reached = routeAlert(config.route, { source: 'falco', rule: 'Any', priority, severity: FALCOSIDEKICK_SEVERITY[priority] });
      expect([priority, reached.includes(ALERTMANAGER.nullReceiver)]).toEqual([priority, false]);
    }
  });
});

describe("the repository's platform.yaml", () => {
  it('delivers every severity the rendered rules use to a receiver other than null in each prod-tier environment', async () => {
    const config = loadConfigFile(path.join(ROOT, 'platform.yaml'));
    const prodTier = Object.keys(config.environments).filter((name) => resolveEnvironment(config, name).tier === 'prod');
    expect(prodTier.length).toBeGreaterThan(0);
    for (const name of prodTier) {
      const m = await hydrateModel(buildEnvironment(config, name), defaultHydrateOptions());
      const route = renderedAlertmanagerConfig(m.objects.get(KPS)!).route;
      const severities = [...new Set(alertingRules(m.objects).filter((r) => r.labels.severity !== 'none').map((r) => r.labels.severity))];
      expect(severities.length).toBeGreaterThan(0);
      for (const severity of severities) {
        const reached = routeAlert(route, { alertname: 'Any', severity });
        expect([name, severity, reached.length > 0 && !reached.includes(ALERTMANAGER.nullReceiver)]).toEqual([name, severity, true]);
      }
    }
  });
});
