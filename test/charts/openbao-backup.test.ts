import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DEFAULTS,
  OPENBAO,
  openBaoComponent,
  OpenBaoProps,
  reconcileBindings,
  reconcileRunbook,
  RETIRED_BINDINGS,
  roleFields,
  snapshotBinding,
  snapshotObjects,
} from '../../charts/openbao';
import { policyDocument } from '../../charts/openbao/hcl';
import { IMAGES } from '../../config/versions';
import { recoveryKeys } from '../../lib/backup';
import { ROLE_ARN_ANNOTATION } from '../../lib/irsa';
import { SecretReadAccess } from '../../lib/secret-readers';
import { K8sObject } from '../../lib/render';
import { ROOT } from '../support';
import { haProps, renderOpenBao } from './openbao-props';

jest.setTimeout(120_000);

const props: OpenBaoProps = haProps();
let rendered: Promise<K8sObject[]> | undefined;
/** The three-voter OpenBao of `props`, rendered once with the pinned chart. */
const renderedObjects = (): Promise<K8sObject[]> => (rendered ??= renderOpenBao(openBaoComponent(props)));
/** Two namespaces sharing one path, as cert-manager and external-dns share the Cloudflare token. */
const readers: SecretReadAccess[] = [
  { namespace: 'cert-manager', paths: ['platform/cloudflare'] },
  { namespace: 'monitoring', paths: ['platform/alertmanager', 'platform/grafana'] },
];
const find = (objs: readonly K8sObject[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name) as any;

describe('openbao snapshots', () => {
  it('run hourly as a CronJob whose snapshot step runs the image of the rendered StatefulSet and whose upload step runs the pinned AWS CLI', async () => {
    const objects = await renderedObjects();
    const sts = find(objects, 'StatefulSet', OPENBAO.release);
    const cron = find(objects, 'CronJob', DEFAULTS.snapshot.name);
    expect(cron.metadata.namespace).toBe('security');
    expect(cron.spec).toMatchObject({ schedule: '17 * * * *', concurrencyPolicy: 'Forbid', timeZone: 'Etc/UTC' });
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(pod.initContainers[0].image).toBe(sts.spec.template.spec.containers.find((c: any) => c.name === 'openbao').image);
    expect(pod.containers[0].image).toBe(IMAGES.awsCli);
    const env = Object.fromEntries(pod.initContainers[0].env.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ BAO_ADDR: 'https://openbao-active.security.svc:8200', BAO_CACERT: '/etc/openbao-ca/ca.crt', BAO_ROLE: 'openbao-snapshot', BAO_AUTH_MOUNT: 'kubernetes' });
    // The token it logs in with is for OpenBao's audience only.
    const token = pod.volumes.find((v: any) => v.projected).projected.sources[0].serviceAccountToken;
    expect(token.audience).toBe(OPENBAO.audience);
    // A snapshot holds at most the raft data: its scratch space is the size of a voter's volume.
    expect(pod.volumes.find((v: any) => v.name === 'scratch').emptyDir.sizeLimit).toBe(props.storageSize.toString());
  });

  it('run non-root with a read-only root filesystem, no capabilities, requests and limits, and the platform-critical priority', () => {
    const cron = find(snapshotObjects(props, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'openbao' }, spec: { template: { spec: { containers: [{ name: 'openbao', image: 'quay.io/openbao/openbao:2.6.2' }] } } } }]), 'CronJob', 'openbao-snapshot');
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.priorityClassName).toBe('platform-critical');
    for (const c of [...pod.initContainers, ...pod.containers]) {
      expect([c.name, c.securityContext]).toEqual([c.name, expect.objectContaining({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } })]);
      expect([c.name, Object.keys(c.resources).sort()]).toEqual([c.name, ['limits', 'requests']]);
    }
  });

  it('refuse to build without the chart rendering the OpenBao StatefulSet whose image they run', () => {
    expect(() => snapshotObjects(props, [])).toThrow(/rendered no StatefulSet openbao with an openbao container/);
  });

  it('upload through an IRSA role that may only put objects under the openbao prefix, annotated on the job ServiceAccount', async () => {
    const c = openBaoComponent(props);
    const role = c.irsa!.find((r) => r.serviceAccount === DEFAULTS.snapshot.serviceAccount)!;
    expect(role.policy.statements).toEqual([{ Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload'], Resource: ['arn:aws:s3:::acme-prod-openbao-snapshots/openbao/*'] }]);
    const sa = find(await renderedObjects(), 'ServiceAccount', DEFAULTS.snapshot.serviceAccount);
    expect(sa.metadata.annotations[ROLE_ARN_ANNOTATION]).toMatch(/:role\/.*-security-openbao-snapshot$/);
    expect(sa.automountServiceAccountToken).toBe(false);
  });

  it('log in with an OpenBao role bound to their own ServiceAccount whose policy reads sys/storage/raft/snapshot and nothing else', () => {
    const b = snapshotBinding('security');
    expect(b.rules).toEqual([{ path: 'sys/storage/raft/snapshot', capabilities: ['read'] }]);
    expect(roleFields(b)).toMatchObject({ bound_service_account_names: ['openbao-snapshot'], bound_service_account_namespaces: ['security'], token_policies: ['openbao-snapshot'], audience: 'openbao' });
  });

  it('declare an RPO of one snapshot interval on the StatefulSet, naming the restore runbook', async () => {
    const sts = find(await renderedObjects(), 'StatefulSet', OPENBAO.release);
    const k = recoveryKeys(props.labelDomain);
    expect(sts.metadata.annotations[k.rpo]).toBe('1h');
    expect(sts.metadata.annotations[k.recovery]).toMatch(/^backup: a raft snapshot every 1h/);
    const titles = openBaoComponent(props).runbook!.map((r) => r.title);
    expect(titles).toContain(sts.metadata.annotations[k.runbook]);
  });
});

describe('the OpenBao reconcile step', () => {
  const reconcile = reconcileRunbook('security', readers);

  it('runs while OpenBao is seeded, with every declared policy and role as files generated from the typed bindings', () => {
    expect(reconcile.phase).toBe('openbao');
    for (const b of reconcileBindings('security', readers)) {
      expect(reconcile.body).toContain(`cat > "$OPENBAO_DESIRED/policies/${b.policy}.hcl" <<'POLICY'\n${policyDocument(b.rules)}\nPOLICY`);
      expect(reconcile.body).toContain(`cat > "$OPENBAO_DESIRED/roles/${b.role}.json" <<'ROLE'\n${JSON.stringify(roleFields(b))}\nROLE`);
    }
    expect(reconcileBindings('security', readers).map((b) => b.role)).toEqual(['platform-admin', 'openbao-snapshot', 'eso-cert-manager', 'eso-monitoring']);
    expect(reconcile.body).toContain(`cat > "$OPENBAO_DESIRED/retired-roles" <<'RETIRED'\nexternal-secrets\nRETIRED`);
    expect(reconcile.body).toContain(`cat > "$OPENBAO_DESIRED/retired-policies" <<'RETIRED'\nexternal-secrets-read\nRETIRED`);
    expect(reconcile.body).toContain(`\`\`\`sh\n${fs.readFileSync(path.join(ROOT, 'charts/openbao/reconcile.sh'), 'utf8')}\`\`\``);
    expect(reconcile.body).toContain('sh openbao-reconcile.sh "$OPENBAO_DESIRED" kubernetes');
  });

  /** Runs the README block's files through reconcile.sh against a fake `bao` that keeps policies and roles in a folder. */
  function runReconcile(state: string, desired: string): { out: string; calls: string[] } {
    const r = spawnSync('sh', [path.join(ROOT, 'charts/openbao/reconcile.sh'), desired, 'kubernetes'], {
      env: { ...process.env, PATH: `${state}/bin:${process.env.PATH}`, FAKE_BAO: state, BAO_ADDR: 'http://127.0.0.1:8200', BAO_TOKEN: 'admin' },
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const calls = fs.readFileSync(path.join(state, 'calls'), 'utf8').trim().split('\n');
    fs.writeFileSync(path.join(state, 'calls'), '');
    return { out: r.stdout, calls };
  }

  /** A fake `bao` keeping policies and roles as files under a fresh folder, with a stray policy `legacy` and what `before` adds. */
  function fakeBao(before: (state: string) => void = () => undefined): string {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-bao-'));
    for (const d of ['bin', 'policies', 'roles']) fs.mkdirSync(path.join(state, d));
    fs.writeFileSync(path.join(state, 'policies', 'legacy'), 'path "x" {}');
    fs.writeFileSync(path.join(state, 'calls'), '');
    before(state);
    fs.writeFileSync(
      path.join(state, 'bin', 'bao'),
      [
        '#!/bin/sh',
        'echo "$*" >> "$FAKE_BAO/calls"',
        'case "$1 $2" in',
        '  "token lookup") ;;',
        '  "policy read") cat "$FAKE_BAO/policies/$3" 2>/dev/null || exit 2 ;;',
        '  "policy write") cp "$4" "$FAKE_BAO/policies/$3" ;;',
        '  "policy list") printf "default\\nroot\\n"; ls "$FAKE_BAO/policies" ;;',
        '  "policy delete") rm -f "$FAKE_BAO/policies/$3" ;;',
        '  "delete auth/kubernetes/role/"*) rm -f "$FAKE_BAO/roles/${2##*/}" ;;',
        '  "list auth/kubernetes/role") printf "Keys\\n----\\n"; ls "$FAKE_BAO/roles" ;;',
        '  "write auth/kubernetes/role/"*) cp "${3#@}" "$FAKE_BAO/roles/${2##*/}" ;;',
        '  *) echo "unexpected: $*" >&2; exit 1 ;;',
        'esac',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    return state;
  }

  /** The desired state as the README block writes it: every declared binding, and the retired names. */
  function desiredState(): string {
    const desired = fs.mkdtempSync(path.join(os.tmpdir(), 'desired-'));
    fs.mkdirSync(path.join(desired, 'policies'));
    fs.mkdirSync(path.join(desired, 'roles'));
    for (const b of reconcileBindings('security', readers)) {
      fs.writeFileSync(path.join(desired, 'policies', `${b.policy}.hcl`), `${policyDocument(b.rules)}\n`);
      fs.writeFileSync(path.join(desired, 'roles', `${b.role}.json`), `${JSON.stringify(roleFields(b))}\n`);
    }
    fs.writeFileSync(path.join(desired, 'retired-policies'), `${RETIRED_BINDINGS.map((r) => r.policy).join('\n')}\n`);
    fs.writeFileSync(path.join(desired, 'retired-roles'), `${RETIRED_BINDINGS.map((r) => r.role).join('\n')}\n`);
    return desired;
  }

  it('writes what differs on the first run, nothing but the roles on the second, and lists what it does not declare without deleting it', () => {
    const state = fakeBao();
    const desired = desiredState();

    const first = runReconcile(state, desired);
    expect(first.out).toContain('policy openbao-snapshot: written');
    expect(first.out).toContain('policy legacy: not declared by the platform (left in place)');
    expect(first.calls).toContain('write auth/kubernetes/role/openbao-snapshot @' + path.join(desired, 'roles', 'openbao-snapshot.json'));
    expect(JSON.parse(fs.readFileSync(path.join(state, 'roles', 'openbao-snapshot'), 'utf8'))).toEqual(roleFields(snapshotBinding('security')));

    const second = runReconcile(state, desired);
    expect(second.out).toContain('policy openbao-snapshot: unchanged');
    expect(second.calls.filter((c) => c.startsWith('policy write'))).toEqual([]);
    expect(second.out).not.toMatch(/role .*: not declared/);
    expect(fs.existsSync(path.join(state, 'policies', 'legacy'))).toBe(true);
  });

  it('deletes the retired catch-all reader of an existing cluster once, writes each namespace reader, and changes nothing on the second run', () => {
    const state = fakeBao((dir) => {
      fs.writeFileSync(path.join(dir, 'policies', 'external-secrets-read'), 'path "secret/data/*" { capabilities = ["read"] }');
      fs.writeFileSync(path.join(dir, 'roles', 'external-secrets'), '{}');
    });
    const desired = desiredState();
    const first = runReconcile(state, desired);
    expect(first.out).toContain('policy external-secrets-read: retired, deleted');
    expect(first.out).toContain('role external-secrets: retired, deleted');
    expect(fs.existsSync(path.join(state, 'policies', 'external-secrets-read'))).toBe(false);
    expect(fs.existsSync(path.join(state, 'roles', 'external-secrets'))).toBe(false);
    expect(fs.readFileSync(path.join(state, 'policies', 'eso-monitoring'), 'utf8')).not.toContain('*');
    expect(JSON.parse(fs.readFileSync(path.join(state, 'roles', 'eso-cert-manager'), 'utf8'))).toMatchObject({ bound_service_account_namespaces: ['cert-manager'] });

    const second = runReconcile(state, desired);
    expect(second.out).not.toMatch(/retired/);
    expect(second.calls.filter((c) => c.startsWith('policy write') || c.startsWith('policy delete') || c.startsWith('delete '))).toEqual([]);
    expect(second.out).toContain('policy eso-monitoring: unchanged');
  });

  it('stops before writing anything when no administrative token is exported', () => {
    const r = spawnSync('sh', [path.join(ROOT, 'charts/openbao/reconcile.sh'), os.tmpdir(), 'kubernetes'], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/export BAO_ADDR first/);
  });
});

describe('the per-namespace store readers', () => {
  it('each get a role bound to the store ServiceAccount of their namespace only, with a policy reading exactly their paths', () => {
    const bindings = reconcileBindings('security', readers).filter((b) => b.role.startsWith('eso-'));
    expect(bindings.map((b) => [b.role, b.rules])).toEqual([
      ['eso-cert-manager', [{ path: 'secret/data/platform/cloudflare', capabilities: ['read'] }]],
      [
        'eso-monitoring',
        [
          { path: 'secret/data/platform/alertmanager', capabilities: ['read'] },
          { path: 'secret/data/platform/grafana', capabilities: ['read'] },
        ],
      ],
    ]);
    expect(roleFields(bindings[1])).toMatchObject({ bound_service_account_names: ['openbao-secret-reader'], bound_service_account_namespaces: ['monitoring'], token_policies: ['eso-monitoring'] });
  });

  it('refuse a wildcard path with a message naming the namespace and the fix', () => {
    expect(() => reconcileBindings('security', [{ namespace: 'apps', paths: ['platform/*'] }])).toThrow(/namespace apps reads path "platform\/\*"; give one exact path/);
  });

  it('are not created by self-initialization, which keeps only the administrator and grants no secret/data wildcard', () => {
    const config = (openBaoComponent(props).source as any).values.server.ha.raft.config as string;
    expect(config).toContain('auth/kubernetes/role/platform-admin');
    expect(config).not.toContain('secret/data/*');
    expect(config).not.toContain('role/external-secrets');
  });
});
