import { resolveEnvironment } from '../../config/defaults';
import { parseConfig } from '../../config/load';
import { configProblems as problems, configVariant as variant, FIXTURE_CONFIG_TEXT } from '../support';

describe('platform.yaml alerting', () => {
  it('refuses a prod environment whose alerts reach no receiver, naming the key and the fix', () => {
    const text = variant((c) => {
      c.environments.prod.alerting = { routes: { critical: [], warning: ['platform-slack'] } };
    });
    expect(problems(text)).toEqual([
      expect.stringMatching(/^environments\.prod\.alerting\.routes\.critical: required for the prod tier \(environment prod\): no receiver gets its critical alerts, which would end in the null receiver; list a receiver from alerting\.receivers, e.g\. critical: \[/),
    ]);
  });

  it('names the platform-level key when prod inherits empty routes, and says to define a receiver when there is none', () => {
    const text = variant((c) => {
      c.alerting = {};
      delete c.environments.staging.alerting;
    });
    const found = problems(text);
    expect(found).toContainEqual(expect.stringMatching(/^alerting\.routes\.critical: required for the prod tier.*after defining it under alerting\.receivers \(slack, pagerduty, email or webhook\)$/));
    expect(found).toContainEqual(expect.stringMatching(/^alerting\.routes\.warning: required for the prod tier/));
    // dev's own empty routing stays valid: only the prod tier must reach someone.
    expect(found.some((p) => p.startsWith('environments.dev'))).toBe(false);
  });

  it('lets dev and staging run without receivers', () => {
    const text = variant((c) => {
      c.environments.staging.alerting = { routes: {} };
    });
    const cfg = parseConfig(text);
    expect(resolveEnvironment(cfg, 'dev').alerting.receivers).toEqual({});
    expect(resolveEnvironment(cfg, 'staging').alerting.routes).toEqual({ critical: [], warning: [], info: [] });
  });

  it('suggests the receiver meant by a misspelt route entry', () => {
    const text = variant((c) => {
      c.alerting.routes.warning = ['platform-slak'];
    });
    expect(problems(text)).toEqual([
      'alerting.routes.warning[0]: unknown receiver "platform-slak" (did you mean "platform-slack"?); name one of alerting.receivers (platform-oncall, platform-slack, platform-email, heartbeat)',
    ]);
  });

  it('refuses a receiver with no kind or two, an unknown key, and a receiver named null', () => {
    expect(problems(variant((c) => (c.alerting.receivers['platform-slack'] = { slack: { channel: '#a' }, webhook: {} })))).toEqual([
      'alerting.receivers.platform-slack: expected exactly one of slack, pagerduty, email, webhook, got slack and webhook',
    ]);
    expect(problems(variant((c) => (c.alerting.receivers['platform-slack'] = { slack: { chanel: '#a' } })))).toContainEqual(
      'alerting.receivers.platform-slack.slack.chanel: unknown key "chanel" (did you mean "channel"?); remove it or fix the spelling',
    );
    expect(problems(variant((c) => (c.alerting.receivers.null = { webhook: {} }))).join('\n')).toMatch(/alerting\.receivers\.null.*"null" is the receiver that drops alerts; choose another name/);
  });

  it('keeps credentials out of the config: a Slack webhook URL is an unknown key', () => {
    const text = variant((c) => (c.alerting.receivers['platform-slack'].slack.apiUrl = 'https://hooks.slack.com/services/T000/B000/XXXX'));
    expect(problems(text)).toEqual(['alerting.receivers.platform-slack.slack.apiUrl: unknown key "apiUrl" (allowed: channel); remove it or fix the spelling']);
  });

  it('gives an environment only the receivers its routing names', () => {
    const cfg = parseConfig(FIXTURE_CONFIG_TEXT);
    const staging = resolveEnvironment(cfg, 'staging').alerting;
    const used = new Set([...Object.values(staging.routes).flat(), ...(staging.heartbeat ? [staging.heartbeat] : [])]);
    expect(Object.keys(staging.receivers).sort()).toEqual([...used].sort());
    expect(Object.keys(resolveEnvironment(cfg, 'prod').alerting.receivers).length).toBeGreaterThan(Object.keys(staging.receivers).length);
  });
});
