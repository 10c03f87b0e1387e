import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULTS, openBaoComponent, OpenBaoProps, OPENBAO, openbaoEndpoints, roleFields, selfInitGate, serverConfig, snapshotBinding, tlsReloadStart } from '../../charts/openbao';
import { OpenBaoValues } from '../../charts/openbao/values';
import { CHARTS } from '../../config/versions';
import { HelmSource } from '../../lib/component';
import { Duration } from '../../lib/duration';
import { ROLE_ARN_ANNOTATION } from '../../lib/irsa';
import { PRIORITY } from '../../lib/priority';
import { K8sObject } from '../../lib/render';
import { TierPolicy } from '../../lib/tier-policy';
import { objectsOfKind } from '../support';
import { haProps, KMS_KEY_ARN, renderOpenBao, singleProps } from './openbao-props';

jest.setTimeout(120_000);

const values = (props: OpenBaoProps): OpenBaoValues => (openBaoComponent(props).source as HelmSource).values as OpenBaoValues;
const config = (props: OpenBaoProps): string => values(props).server.ha.raft.config;

const rendered = new Map<string, Promise<K8sObject[]>>();
/** The rendered objects of the three-voter (`ha`) or one-voter (`single`) OpenBao, rendered once each. */
function objects(variant: 'ha' | 'single'): Promise<K8sObject[]> {
  if (!rendered.has(variant)) rendered.set(variant, renderOpenBao(openBaoComponent(variant === 'ha' ? haProps() : singleProps())));
  return rendered.get(variant)!;
}

describe('openbao', () => {
  it('runs the pinned chart in the namespace it is given, as release openbao', () => {
    const c = openBaoComponent({ ...haProps(), namespace: 'vault' });
    expect(c.id).toBe('openbao');
    expect(c.namespace).toBe('vault');
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.openbao, releaseName: OPENBAO.release });
  });

  it('runs three raft voters behind a PodDisruptionBudget, one per host, and one voter without a budget', async () => {
    const ha = values(haProps());
    expect(ha.server.ha).toMatchObject({ enabled: true, replicas: 3, raft: { enabled: true, setNodeId: true }, disruptionBudget: { enabled: true } });
    expect(ha.server.affinity.podAntiAffinity!.requiredDuringSchedulingIgnoredDuringExecution![0].topologyKey).toBe('kubernetes.io/hostname');
    const single = values(singleProps());
    expect(single.server.ha.replicas).toBe(1);
    expect(single.server.ha.disruptionBudget.enabled).toBe(false);
    const [sts] = objectsOfKind(await objects('ha'), 'StatefulSet', OPENBAO.release);
    expect(sts.spec.replicas).toBe(3);
  });

  it.each([
    ['prod', true, true, 'DoNotSchedule'],
    ['staging', true, false, 'ScheduleAnyway'],
  ] as const)('spreads the voters over zones as the %s tier policy says for a replicated store', (tier, highAvailability, nodeGroupPerZone, rule) => {
    const tierPolicy = TierPolicy.of({ tier, highAvailability, nodeGroupPerZone });
    expect(values({ ...haProps(), tierPolicy }).server.topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: rule, labelSelector: { matchLabels: OPENBAO.podSelector } },
    ]);
  });

  it('sets no zone spread where the tier policy spreads nothing (one voter), and the chart renders none', async () => {
    expect(values(singleProps()).server.topologySpreadConstraints).toEqual([]);
    const [sts] = objectsOfKind(await objects('single'), 'StatefulSet', OPENBAO.release);
    expect(sts.spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  it('auto-unseals with the KMS key through IRSA, in the region of the key', () => {
    const props = haProps();
    expect(config(props)).toContain(`seal "awskms" {\n  region = "eu-west-1"\n  kms_key_id = "${KMS_KEY_ARN}"\n}`);
    const c = openBaoComponent(props);
    const role = c.irsa![0];
    expect(role.policy.statements![0]).toEqual({ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey'], Resource: [KMS_KEY_ARN] });
    expect(values(props).server.serviceAccount).toEqual({ create: true, name: 'openbao', annotations: { [ROLE_ARN_ANNOTATION]: role.roleArn } });
    expect(role).toMatchObject({ namespace: 'security', serviceAccount: 'openbao' });
    // Only the internal CA's bootstrap Secret (openbao-tls.test.ts): no seal key.
    expect(c.secrets!.map((x) => x.name)).toEqual([OPENBAO.tls.caSecret]);
  });

  it('uses the static seal with a key created at bootstrap and mounted from its Secret', () => {
    const props = singleProps();
    expect(config(props)).toContain('seal "static" {\n  current_key_id = "bootstrap-1"\n  current_key = "file:///openbao/userconfig/openbao-unseal-key/key"\n}');
    const c = openBaoComponent(props);
    // No KMS role: only the snapshot job's upload role.
    expect(c.irsa!.map((r) => r.serviceAccount)).toEqual(['openbao-snapshot']);
    expect(c.secrets).toContainEqual(expect.objectContaining({ namespace: 'security', name: 'openbao-unseal-key', bootstrap: { key: 'OPENBAO_UNSEAL_KEY' } }));
    expect(values(props).server.extraVolumes).toEqual([{ type: 'secret', name: 'openbao-unseal-key' }]);
    expect(c.runbook!.map((r) => r.title)).toContain('OpenBao static seal key (dev)');
  });

  it('keeps the static unseal key bootstrap-only: it names no OpenBao value, and the runbook says the operator keeps it in the password manager', () => {
    const c = openBaoComponent(singleProps());
    const key = c.secrets!.find((s) => s.name === DEFAULTS.unsealKey.secretName)!;
    // Read back from the OpenBao it unseals, the key would be a cycle: a sealed OpenBao cannot serve it.
    expect(key.data).toEqual({});
    const runbook = c.runbook!.find((r) => r.title === 'OpenBao static seal key (dev)')!;
    expect(runbook.body).toContain('keep it in the password manager');
    expect(runbook.body).toContain('never store it in OpenBao');
    expect(runbook.body).not.toMatch(/bao kv put|secret\/platform\/openbao/);
  });

  it('self-initializes the Kubernetes auth method, the KV v2 mount and the administrator, and no catch-all secret reader', () => {
    const hcl = config(haProps());
    expect(hcl).toContain('path = "sys/auth/kubernetes"');
    expect(hcl).toContain('type = "kubernetes"');
    expect(hcl).toContain('path = "auth/kubernetes/config"');
    expect(hcl).toMatch(/path = "sys\/mounts\/secret"\n\s+data = \{\n\s+type = "kv"[\s\S]*?version = "2"/);
    // The per-namespace store readers come from the reconcile step (test/charts/openbao-backup.test.ts), never from self-init.
    expect(hcl).not.toContain('external-secrets-read');
    expect(hcl).not.toContain('secret/data/*');
    // The break-glass administrator role, bound to a ServiceAccount that exists only on demand.
    expect(hcl).toContain('path = "auth/kubernetes/role/platform-admin"');
    expect(hcl).toContain('bound_service_account_names = ["openbao-admin"]');
  });

  it('declares the audit device in the server configuration, to stdout', () => {
    expect(config(haProps())).toContain('audit "file" "stdout" {');
    expect(config(haProps())).toMatch(/options \{\n\s+file_path = "stdout"/);
    expect(values(haProps()).server.auditStorage.enabled).toBe(false);
  });

  describe.each(['ha', 'single'] as const)('%s: the rendered server reports what it is', (variant) => {
    const server = async () => {
      const [sts] = objectsOfKind(await objects(variant), 'StatefulSet', OPENBAO.release);
      return { sts, container: sts.spec.template.spec.containers.find((c: any) => c.name === 'openbao') };
    };
    const query = (p: string) => {
      const u = new URL(p, 'http://openbao');
      return { path: u.pathname, params: Object.fromEntries(u.searchParams) };
    };

    it('is Ready only when initialized and unsealed (active or standby): sealed (503) and uninitialized (501) are not', async () => {
      const { container } = await server();
      expect(container.readinessProbe.httpGet).toMatchObject({ port: OPENBAO.apiPort, scheme: 'HTTPS' });
      // Only standbyok: the status codes for sealed and uninitialized stay the non-2xx defaults.
      expect(query(container.readinessProbe.httpGet.path)).toEqual({ path: '/v1/sys/health', params: { standbyok: 'true' } });
    });

    it('stays live while sealed or uninitialized, so a pod waiting to join or unseal is not restarted', async () => {
      const { container } = await server();
      expect(query(container.livenessProbe.httpGet.path)).toEqual({ path: '/v1/sys/health', params: { standbyok: 'true', sealedcode: '204', uninitcode: '204' } });
    });

    it('lets a not-ready pod join: raft goes through the headless internal Service, which publishes not-ready addresses', async () => {
      const [internal] = objectsOfKind(await objects(variant), 'Service', OPENBAO.internalService);
      expect(internal.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
      const { sts, container } = await server();
      expect(sts.spec.serviceName).toBe(OPENBAO.internalService);
      expect(container.env.find((e: any) => e.name === 'BAO_CLUSTER_ADDR').value).toBe(`https://$(HOSTNAME).${OPENBAO.internalService}:${OPENBAO.clusterPort}`);
      for (const join of config(variant === 'ha' ? haProps() : singleProps()).match(/leader_api_addr = "[^"]+"/g) ?? []) expect(join).toContain(`.${OPENBAO.internalService}:`);
      // One pod at a time: the next starts once the previous has joined and unsealed.
      expect(sts.spec.podManagementPolicy).toBe('OrderedReady');
    });

    it('sends clients only to Ready pods: the client Services publish no not-ready addresses', async () => {
      const services = objectsOfKind(await objects(variant), 'Service').filter((o) => o.metadata.name !== OPENBAO.internalService);
      expect(services.map((o) => o.metadata.name)).toContain(OPENBAO.release);
      for (const svc of services) expect([svc.metadata.name, svc.spec.publishNotReadyAddresses]).toEqual([svc.metadata.name, false]);
    });

    it('serves its API endpoint: the exported address names a rendered client Service on that port', async () => {
      const api = openbaoEndpoints('security').api;
      const [svc] = objectsOfKind(await objects(variant), 'Service', api.service);
      expect(svc.metadata.namespace).toBe(api.namespace);
      expect(svc.spec.ports.map((p: any) => p.port)).toContain(api.port);
      expect(api.scheme).toBe('https');
    });
  });

  it('exports its API address from the namespace it is given', () => {
    expect(openbaoEndpoints('vault').api.url()).toBe(`https://${OPENBAO.release}.vault.svc.cluster.local:${OPENBAO.apiPort}`);
  });

  it('lets only openbao-0 self-initialize with several voters: the others strip the initialize blocks before starting', () => {
    const ha = values(haProps());
    expect(ha.server.podManagementPolicy).toBe('OrderedReady');
    expect(ha.server.extraArgs).toBe(`${tlsReloadStart()} ${selfInitGate()}`);
    expect(values(singleProps()).server.extraArgs).toBe(tlsReloadStart());
    expect(config(haProps())).toContain('retry_join {\n    leader_api_addr = "https://openbao-0.openbao-internal:8200"\n    leader_ca_cert_file = "/openbao/tls/ca.crt"\n  }');
    expect(config(singleProps())).not.toContain('retry_join');
  });

  it('runs the gate the way the chart does: openbao-0 keeps self-init, openbao-1 loses it, both keep the rest', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openbao-gate-'));
    try {
      const run = (hostname: string): string => {
        const file = path.join(dir, `${hostname}.hcl`);
        fs.writeFileSync(file, config(haProps()));
        const gate = selfInitGate().replace(OPENBAO.renderedConfig, file);
        const out = execFileSync('/bin/sh', ['-ec', `printf '%s|' ${gate}`], { env: { HOSTNAME: hostname, PATH: process.env.PATH } }).toString();
        expect(out).toBe('|'); // the gate expands to no argument
        return fs.readFileSync(file, 'utf8');
      };
      expect(run('openbao-0')).toContain('initialize "kubernetes-auth"');
      const follower = run('openbao-1');
      expect(follower).not.toContain('initialize');
      expect(follower).toContain('storage "raft"');
      expect(follower).toContain('audit "file" "stdout"');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exports metrics through a ServiceMonitor and unauthenticated telemetry', async () => {
    expect(values(haProps()).serverTelemetry.serviceMonitor.enabled).toBe(true);
    expect(objectsOfKind(await objects('ha'), 'ServiceMonitor', OPENBAO.release)).toHaveLength(1);
    expect(config(haProps())).toContain('unauthenticated_metrics_access = true');
    expect(config(haProps())).toContain('prometheus_retention_time = "30s"');
  });

  it('turns the injector and CSI provider off and runs restricted, with the requests, limits and volume it is given', async () => {
    const props = haProps();
    const v = values(props);
    expect(v.injector.enabled).toBe(false);
    expect(v.csi.enabled).toBe(false);
    expect(v.server.statefulSet.securityContext.container).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false });
    expect(v.server.priorityClassName).toBe(PRIORITY.platformCritical);
    const [sts] = objectsOfKind(await objects('ha'), 'StatefulSet', OPENBAO.release);
    const container = sts.spec.template.spec.containers.find((c: any) => c.name === 'openbao');
    expect(container.resources).toEqual(props.resources.toK8s());
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: OPENBAO.uid, fsGroup: OPENBAO.gid });
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe(props.storageSize.toString());
  });

  it('documents break-glass administration, since self-init keeps no root token', () => {
    const admin = openBaoComponent(haProps()).runbook!.find((r) => r.title.includes('break-glass'))!;
    expect(admin.phase).toBe('operations');
    expect(admin.body).toContain('--as-group=platform:security-break-glass --as-group=system:authenticated -n security create token openbao-admin --audience openbao');
    expect(admin.body).toContain('auth/kubernetes/login role=platform-admin');
  });

  describe('rejects bad props with a clear message', () => {
    const base = haProps();
    it('an even number of raft voters', () => {
      expect(() => openBaoComponent({ ...base, replicas: 2 })).toThrow(/replicas 2 is not a raft quorum size/);
    });
    it('a KMS alias instead of a key ARN', () => {
      expect(() => openBaoComponent({ ...base, seal: { kind: 'awskms', keyArn: 'arn:aws:kms:eu-west-1:123456789012:alias/openbao' } })).toThrow(/alias ARN cannot be granted/);
    });
    it('a KMS key id that is neither a UUID nor a multi-Region id', () => {
      expect(() => openBaoComponent({ ...base, seal: { kind: 'awskms', keyArn: 'arn:aws:kms:eu-west-1:123456789012:key/6f2d9a71-prod-openbao' } })).toThrow(
        /openbao: seal\.keyArn: key id "6f2d9a71-prod-openbao" is neither a key UUID/,
      );
    });
    it('a KMS key of another account than the cluster', () => {
      expect(() => openBaoComponent({ ...base, seal: { kind: 'awskms', keyArn: 'arn:aws:kms:eu-west-1:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab' } })).toThrow(
        /belongs to account 210987654321, not the cluster's 123456789012/,
      );
    });
    it('a snapshot retention that is no whole number of days', () => {
      expect(() => openBaoComponent({ ...base, backup: { ...base.backup, retentionDays: 0.5 } })).toThrow(/backup\.retentionDays 0\.5 is not a whole number of days/);
    });
    it('a configuration the chart start script would rewrite', () => {
      expect(() => serverConfig({ ...base, target: { ...base.target, clusterName: 'HOSTNAME' } })).toThrow(/contains "HOSTNAME"/);
    });
    it('a role token TTL in days, which OpenBao does not take', () => {
      expect(() => roleFields({ ...snapshotBinding('security'), tokenMaxTtl: Duration.days(1) })).toThrow(/token TTL "1d" of role openbao-snapshot is in days.*e\.g\. 24h/);
    });
  });
});
