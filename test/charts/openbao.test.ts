import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openBaoComponent, OpenBaoProps, OPENBAO, selfInitGate, serverConfig, tlsReloadStart } from '../../charts/openbao';
import { CHARTS, IMAGES } from '../../config/versions';
import { LabelDomain } from '../../lib/labels';
import { ROLE_ARN_ANNOTATION } from '../../lib/irsa';
import { PRIORITY } from '../../lib/priority';
import { WorkloadKind } from '../../lib/resources';
import { componentWorkloads } from '../../lib/workloads';
import { ENDPOINTS } from '../../workflows/endpoints';
import { NS } from '../../workflows/namespaces';
import { component, ENVIRONMENTS, helmValues, hydratedFixture, fixtureEnvironment } from '../support';

const config = (env: string): string => helmValues(fixtureEnvironment(env), 'openbao').server.ha.raft.config;

describe('openbao', () => {
  it('runs the pinned chart in the security namespace', () => {
    const c = component(fixtureEnvironment('prod'), 'openbao');
    expect(c.namespace).toBe(NS.security);
    expect(c.source).toMatchObject({ type: 'helm', chart: CHARTS.openbao });
    expect(CHARTS.openbao.version).toBe('0.29.2');
  });

  it('runs three raft voters spread over zones and hosts in staging and prod, and one in dev', async () => {
    for (const env of ['staging', 'prod']) {
      const v = helmValues(fixtureEnvironment(env), 'openbao');
      expect(v.server.ha).toMatchObject({ enabled: true, replicas: 3, raft: { enabled: true, setNodeId: true }, disruptionBudget: { enabled: true } });
      expect(v.server.topologySpreadConstraints[0]).toMatchObject({ topologyKey: 'topology.kubernetes.io/zone', maxSkew: 1 });
      expect(v.server.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
    }
    // Prod has a node group per zone, so the spread is a hard rule there.
    expect(helmValues(fixtureEnvironment('prod'), 'openbao').server.topologySpreadConstraints[0].whenUnsatisfiable).toBe('DoNotSchedule');
    const dev = helmValues(fixtureEnvironment('dev'), 'openbao');
    expect(dev.server.ha.replicas).toBe(1);
    expect(dev.server.ha.disruptionBudget.enabled).toBe(false);
    const workload = componentWorkloads(await hydratedFixture('prod'), 'openbao').find((w) => w.kind === WorkloadKind.StatefulSet);
    expect(workload).toMatchObject({ kind: WorkloadKind.StatefulSet, name: 'openbao', replicas: 3 });
  });

  it('auto-unseals with the configured KMS key through IRSA in staging and prod', () => {
    for (const env of ['staging', 'prod']) {
      const model = fixtureEnvironment(env);
      const seal = model.env.openbaoSeal;
      if (seal.kind !== 'awskms') throw new Error(`${env} should use KMS`);
      expect(config(env)).toContain(`seal "awskms" {\n  region = "eu-west-1"\n  kms_key_id = "${seal.keyArn}"\n}`);
      const c = component(model, 'openbao');
      const role = c.irsa![0];
      expect(role.policy.statements![0]).toEqual({ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey'], Resource: [seal.keyArn] });
      expect(helmValues(model, 'openbao').server.serviceAccount).toEqual({ create: true, name: 'openbao', annotations: { [ROLE_ARN_ANNOTATION]: role.roleArn } });
      expect(role).toMatchObject({ namespace: NS.security, serviceAccount: 'openbao' });
      // Only the internal CA's bootstrap Secret (openbao-tls.test.ts): no seal key.
      expect(c.secrets!.map((x) => x.name)).toEqual([OPENBAO.tls.caSecret]);
    }
  });

  it('uses the static seal in dev with a key created at bootstrap and mounted from its Secret', () => {
    const model = fixtureEnvironment('dev');
    expect(model.env.openbaoSeal.kind).toBe('static');
    expect(config('dev')).toContain('seal "static" {\n  current_key_id = "bootstrap-1"\n  current_key = "file:///openbao/userconfig/openbao-unseal-key/key"\n}');
    const c = component(model, 'openbao');
    // No KMS role: only the snapshot job's upload role.
    expect(c.irsa!.map((r) => r.serviceAccount)).toEqual(['openbao-snapshot']);
    expect(c.secrets).toContainEqual(expect.objectContaining({ namespace: NS.security, name: 'openbao-unseal-key', bootstrap: { key: 'OPENBAO_UNSEAL_KEY' } }));
    expect(helmValues(model, 'openbao').server.extraVolumes).toEqual([{ type: 'secret', name: 'openbao-unseal-key' }]);
    expect(c.runbook!.map((r) => r.title)).toContain('OpenBao static seal key (dev)');
  });

  it('keeps the dev unseal key bootstrap-only: it names no OpenBao value, and the runbook says the operator keeps it in the password manager', () => {
    const c = component(fixtureEnvironment('dev'), 'openbao');
    const [key] = c.secrets!;
    // Read back from the OpenBao it unseals, the key would be a cycle: a sealed OpenBao cannot serve it.
    expect(key.data).toEqual({});
    const runbook = c.runbook!.find((r) => r.title === 'OpenBao static seal key (dev)')!;
    expect(runbook.body).toContain('keep it in the password manager');
    expect(runbook.body).toContain('never store it in OpenBao');
    expect(runbook.body).not.toMatch(/bao kv put|secret\/platform\/openbao/);
  });

  it('self-initializes the Kubernetes auth method, the KV v2 mount and the administrator, and no catch-all secret reader', () => {
    const hcl = config('prod');
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
    expect(config('prod')).toContain('audit "file" "stdout" {');
    expect(config('prod')).toMatch(/options \{\n\s+file_path = "stdout"/);
    expect(helmValues(fixtureEnvironment('prod'), 'openbao').server.auditStorage.enabled).toBe(false);
  });

  describe.each(ENVIRONMENTS)('%s: the rendered server reports what it is', (env) => {
    const objects = async () => (await hydratedFixture(env)).objects.get('openbao')!;
    const server = async () => {
      const sts = (await objects()).find((o) => o.kind === 'StatefulSet' && o.metadata.name === OPENBAO.release) as any;
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
      const services = (await objects()).filter((o) => o.kind === 'Service') as any[];
      const internal = services.find((o) => o.metadata.name === OPENBAO.internalService);
      expect(internal.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
      const { sts, container } = await server();
      expect(sts.spec.serviceName).toBe(OPENBAO.internalService);
      expect(container.env.find((e: any) => e.name === 'BAO_CLUSTER_ADDR').value).toBe(`https://$(HOSTNAME).${OPENBAO.internalService}:${OPENBAO.clusterPort}`);
      for (const join of config(env).match(/leader_api_addr = "[^"]+"/g) ?? []) expect(join).toContain(`.${OPENBAO.internalService}:`);
      // One pod at a time: the next starts once the previous has joined and unsealed.
      expect(sts.spec.podManagementPolicy).toBe('OrderedReady');
    });

    it('sends clients only to Ready pods: the client Services publish no not-ready addresses', async () => {
      const services = (await objects()).filter((o) => o.kind === 'Service' && o.metadata.name !== OPENBAO.internalService) as any[];
      expect(services.map((o) => o.metadata.name)).toContain(OPENBAO.release);
      for (const svc of services) expect([svc.metadata.name, svc.spec.publishNotReadyAddresses]).toEqual([svc.metadata.name, false]);
      expect(ENDPOINTS.openbao).toContain(`//${OPENBAO.release}.`);
    });
  });

  it('lets only openbao-0 self-initialize in HA: the others strip the initialize blocks before starting', () => {
    const prod = helmValues(fixtureEnvironment('prod'), 'openbao');
    expect(prod.server.podManagementPolicy).toBe('OrderedReady');
    expect(prod.server.extraArgs).toBe(`${tlsReloadStart()} ${selfInitGate()}`);
    expect(helmValues(fixtureEnvironment('dev'), 'openbao').server.extraArgs).toBe(tlsReloadStart());
    expect(config('prod')).toContain('retry_join {\n    leader_api_addr = "https://openbao-0.openbao-internal:8200"\n    leader_ca_cert_file = "/openbao/tls/ca.crt"\n  }');
    expect(config('dev')).not.toContain('retry_join');
  });

  it('runs the gate the way the chart does: openbao-0 keeps self-init, openbao-1 loses it, both keep the rest', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openbao-gate-'));
    try {
      const run = (hostname: string): string => {
        const file = path.join(dir, `${hostname}.hcl`);
        fs.writeFileSync(file, config('prod'));
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

  it('exports metrics through a ServiceMonitor and unauthenticated telemetry', () => {
    const v = helmValues(fixtureEnvironment('prod'), 'openbao');
    expect(v.serverTelemetry.serviceMonitor.enabled).toBe(true);
    expect(config('prod')).toContain('unauthenticated_metrics_access = true');
    expect(config('prod')).toContain('prometheus_retention_time = "30s"');
  });

  it('turns the injector and CSI provider off and runs restricted, with requests and limits', async () => {
    const v = helmValues(fixtureEnvironment('prod'), 'openbao');
    expect(v.injector.enabled).toBe(false);
    expect(v.csi.enabled).toBe(false);
    expect(v.server.statefulSet.securityContext.container).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false });
    expect(v.server.resources).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
    expect(v.server.priorityClassName).toBe(PRIORITY.platformCritical);
    const server = componentWorkloads(await hydratedFixture('prod'), 'openbao').find((w) => w.kind === WorkloadKind.StatefulSet)!;
    expect(server.containers.find((c) => c.name === 'openbao')!.resources.toK8s()).toEqual(v.server.resources);
  });

  it('is reachable at the address the platform uses for it', () => {
    expect(ENDPOINTS.openbao).toBe(`https://${OPENBAO.release}.${NS.security}.svc.cluster.local:${OPENBAO.apiPort}`);
  });

  it('documents break-glass administration, since self-init keeps no root token', () => {
    const runbook = component(fixtureEnvironment('prod'), 'openbao').runbook!;
    const admin = runbook.find((r) => r.title.includes('break-glass'))!;
    expect(admin.phase).toBe('operations');
    expect(admin.body).toContain('--as-group=platform:security-break-glass --as-group=system:authenticated -n security create token openbao-admin --audience openbao');
    expect(admin.body).toContain('auth/kubernetes/login role=platform-admin');
  });

  describe('rejects bad props with a clear message', () => {
    const base: OpenBaoProps = {
      namespace: 'security',
      target: { clusterName: 'acme-prod', accountId: '123456789012' },
      seal: { kind: 'awskms', keyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
      replicas: 3,
      strictZoneSpread: true,
      labelDomain: LabelDomain.of('platform.example.com'),
      deployers: ['system:serviceaccount:argocd:argocd-application-controller'],
      backup: { bucket: 'acme-prod-openbao-snapshots', region: 'eu-west-1', retentionDays: 30, uploaderImage: IMAGES.awsCli },
      caCertificate: fixtureEnvironment('prod').env.openbaoCaCertificate,
    };
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
  });
});
