import * as yaml from 'js-yaml';
import { ALERTMANAGER, ALERTMANAGER_CONFIG_SECRET, alertmanagerConfig } from '../../charts/kube-prometheus-stack/alertmanager';
import { assertNoSecretData, committedSecretProblems, secretsWithData } from '../../lib/checks';
import { Component, helm, Workflow } from '../../lib/component';
import { K8sObject } from '../../lib/render';
import type { HydratedModel } from '../../synth';

const chart = { repoURL: 'https://charts.example.com', chart: 'kube-prometheus-stack', version: '1.0.0' };
const kps = { id: 'kube-prometheus-stack', workflow: Workflow.Observability, namespace: 'observability', dependsOn: [], source: helm(chart, {}), committedSecrets: [ALERTMANAGER_CONFIG_SECRET] } as Component;

function configSecret(config: unknown, extra: Record<string, string> = {}, name: string = ALERTMANAGER.configSecret): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'observability' },
    data: { [ALERTMANAGER.configKey]: Buffer.from(yaml.dump(config)).toString('base64'), ...extra },
  };
}

function model(c: Component, objects: K8sObject[]): HydratedModel {
  return { env: { name: 'prod' }, components: [c], objects: new Map([[c.id, objects]]) } as unknown as HydratedModel;
}

const clean = alertmanagerConfig({
  receivers: [{ kind: 'slack', name: 'chat', channel: '#alerts' }, { kind: 'pagerduty', name: 'pager' }],
  routes: { critical: ['pager', 'chat'], warning: ['chat'], info: [] },
});

describe("synth's Secret check and Alertmanager's configuration", () => {
  it('accepts the configuration Secret of kube-prometheus-stack when it holds only *_file references', () => {
    expect(committedSecretProblems(kps, configSecret(clean))?.problems).toEqual([]);
    expect(secretsWithData([model(kps, [configSecret(clean)])])).toEqual([]);
  });

  it('refuses it, naming the field, when a credential is written into it', () => {
    const leaked = { ...clean, receivers: [{ name: 'chat', slack_configs: [{ api_url: 'https://hooks.slack.com/services/T0/B0/XXXX', channel: '#alerts' }] }] };
    expect(secretsWithData([model(kps, [configSecret(leaked)])])).toEqual([
      expect.stringContaining("prod/kube-prometheus-stack: Secret observability/alertmanager-kube-prometheus-stack-alertmanager (Alertmanager's configuration) holds a credential: alertmanager.yaml: receivers[0].slack_configs[0].api_url holds a value"),
    ]);
    expect(() => assertNoSecretData([model(kps, [configSecret(leaked)])])).toThrow(/api_url holds a value; use api_url_file/);
  });

  it('refuses extra keys (template files) in it', () => {
    expect(committedSecretProblems(kps, configSecret(clean, { 'slack.tmpl': Buffer.from('x').toString('base64') }))?.problems).toEqual([
      'has keys alertmanager.yaml, slack.tmpl; only alertmanager.yaml may be committed (no alertmanager.templateFiles)',
    ]);
  });

  it('grants the exception to no other Secret: another name, another component', () => {
    expect(committedSecretProblems(kps, configSecret(clean, {}, 'something-else'))).toBeUndefined();
    const other = { ...kps, id: 'grafana', committedSecrets: undefined } as Component;
    expect(committedSecretProblems(other, configSecret(clean))).toBeUndefined();
    expect(secretsWithData([model(other, [configSecret(clean)])])).toEqual([expect.stringMatching(/^prod\/grafana .*has data \(1 keys: alertmanager\.yaml\)/)]);
  });
});
