import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { externalSecretsConfigComponent } from '../../charts/external-secrets-config';
import { caKeySecret, DEFAULTS, OPENBAO, OPENBAO_CA_FILE, openBaoComponent, openbaoEndpoints, OpenBaoProps, tlsReloadStart } from '../../charts/openbao';
import { ManifestSource } from '../../lib/component';
import { Duration } from '../../lib/duration';
import { parseCaCertificate } from '../../lib/ca-certificate';
import { synthObjects } from '../../lib/render';
import { ROOT } from '../support';
import { haProps, renderOpenBao, singleProps } from './openbao-props';

jest.setTimeout(120_000);

const RELOAD_SCRIPT = path.join(ROOT, 'charts/openbao/tls-reload.sh');
const NS = { security: 'security' } as const;
const VARIANTS = ['three voters', 'one voter'] as const;
type Variant = (typeof VARIANTS)[number];
const propsOf = (variant: Variant): OpenBaoProps => (variant === 'three voters' ? haProps() : singleProps());

const rendered = new Map<Variant, Promise<any[]>>();
/**
 * OpenBao rendered from props, with the SecretStores of External Secrets built from the same
 * props for two reading namespaces: every OpenBao client the platform renders.
 */
function objects(variant: Variant): Promise<any[]> {
  if (!rendered.has(variant)) {
    const props = propsOf(variant);
    const stores = externalSecretsConfigComponent({
      namespace: props.namespace,
      openbao: { server: openbaoEndpoints(props.namespace).api, kvMount: OPENBAO.kvMount, kubernetesAuthMount: OPENBAO.kubernetesAuthMount, audience: OPENBAO.audience, caCertificate: props.caCertificate },
      requirements: ['apps', 'monitoring'].map((namespace) => ({ namespace, name: 'credentials', data: { token: { path: `${namespace}/credentials`, property: 'token' } }, purpose: 'a test credential' })),
      refreshInterval: Duration.hours(1),
    });
    rendered.set(variant, renderOpenBao(openBaoComponent(props)).then((o) => [...o, ...synthObjects(stores.source as ManifestSource)] as any[]));
  }
  return rendered.get(variant)!;
}

const find = (objs: any[], kind: string, name: string, namespace?: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name && (namespace === undefined || x.metadata.namespace === namespace));
  if (!o) throw new Error(`no ${kind} ${namespace ?? '*'}/${name}`);
  return o;
};

/** The server configuration the chart's ConfigMap carries. */
const serverHcl = (objs: any[]): string => find(objs, 'ConfigMap', 'openbao-config', NS.security).data['extraconfig-from-values.hcl'];

/** Every OpenBao URL a rendered client uses, with where it was found. */
function clientUrls(objs: any[]): { where: string; url: URL; ca: string | undefined }[] {
  const urls: { where: string; url: URL; ca: string | undefined }[] = [];
  // Stores of the vault or openBao provider talk to OpenBao (others, e.g. the kubernetes provider, do not).
  for (const store of objs.filter((o) => (o.kind === 'SecretStore' || o.kind === 'ClusterSecretStore') && (o.spec.provider.vault || o.spec.provider.openBao))) {
    const v = store.spec.provider.vault ?? store.spec.provider.openBao;
    urls.push({ where: `SecretStore ${store.metadata.namespace}/${store.metadata.name}`, url: new URL(v.server), ca: v.caBundle ? Buffer.from(v.caBundle, 'base64').toString('utf8') : undefined });
  }
  const job = find(objs, 'CronJob', DEFAULTS.snapshot.name, NS.security);
  const pod = job.spec.jobTemplate.spec.template.spec;
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    const env = Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value]));
    if (!env.BAO_ADDR) continue;
    // BAO_CACERT names a file of a mounted ConfigMap: read it back from the rendered ConfigMap.
    const mount = (c.volumeMounts ?? []).find((m: any) => env.BAO_CACERT?.startsWith(`${m.mountPath}/`));
    const volume = mount && pod.volumes.find((v: any) => v.name === mount.name);
    const ca = volume?.configMap ? find(objs, 'ConfigMap', volume.configMap.name, NS.security).data[env.BAO_CACERT.slice(mount.mountPath.length + 1)] : undefined;
    urls.push({ where: `CronJob ${DEFAULTS.snapshot.name} container ${c.name}`, url: new URL(env.BAO_ADDR), ca });
  }
  for (const m of serverHcl(objs).matchAll(/leader_api_addr = "([^"]+)"\n\s*leader_ca_cert_file = "([^"]+)"/g)) {
    urls.push({ where: 'raft retry_join', url: new URL(m[1]), ca: m[2] === OPENBAO_CA_FILE ? 'server-mounted' : undefined });
  }
  for (const m of serverHcl(objs).matchAll(/leader_api_addr = "([^"]+)"/g)) {
    if (!urls.some((u) => u.where === 'raft retry_join' && u.url.href === new URL(m[1]).href)) urls.push({ where: 'raft retry_join', url: new URL(m[1]), ca: undefined });
  }
  return urls;
}

describe('openbao TLS', () => {
  it.each(VARIANTS)('%s: the listener serves TLS from the mounted certificate of the Certificate Secret', async (variant) => {
    const objs = await objects(variant);
    const hcl = serverHcl(objs);
    expect(hcl).toContain('tls_disable = false');
    expect(hcl).not.toMatch(/tls_disable = (true|1)/);
    expect(hcl).toContain(`tls_cert_file = "${OPENBAO.tls.dir}/tls.crt"`);
    expect(hcl).toContain(`tls_key_file = "${OPENBAO.tls.dir}/tls.key"`);
    const sts = find(objs, 'StatefulSet', OPENBAO.release, NS.security);
    const pod = sts.spec.template.spec;
    const server = pod.containers.find((c: any) => c.name === OPENBAO.release);
    const mount = server.volumeMounts.find((m: any) => m.mountPath === OPENBAO.tls.dir);
    expect(mount.readOnly).toBe(true);
    expect(pod.volumes.find((v: any) => v.name === mount.name).secret.secretName).toBe(find(objs, 'Certificate', OPENBAO.tls.secret, NS.security).spec.secretName);
    expect(server.readinessProbe.httpGet.scheme).toBe('HTTPS');
    expect(server.livenessProbe.httpGet.scheme).toBe('HTTPS');
    expect(server.env).toContainEqual({ name: 'BAO_CACERT', value: OPENBAO_CA_FILE });
  });

  it.each(VARIANTS)('%s: every client reaches OpenBao over https and trusts exactly the committed CA', async (variant) => {
    const objs = await objects(variant);
    const committed = propsOf(variant).caCertificate;
    const urls = clientUrls(objs);
    expect(urls.filter((u) => u.where.startsWith('SecretStore')).length).toBeGreaterThan(0);
    expect(urls.filter((u) => u.where.startsWith('CronJob')).length).toBe(1);
    for (const u of urls) {
      expect({ where: u.where, protocol: u.url.protocol }).toEqual({ where: u.where, protocol: 'https:' });
      if (u.where === 'raft retry_join') expect({ where: u.where, ca: u.ca }).toEqual({ where: u.where, ca: 'server-mounted' });
      else expect({ where: u.where, ca: u.ca }).toEqual({ where: u.where, ca: committed });
    }
    const monitor = find(objs, 'ServiceMonitor', OPENBAO.release, NS.security);
    for (const e of monitor.spec.endpoints) {
      expect(e.scheme).toBe('https');
      expect(e.tlsConfig.insecureSkipVerify).toBeUndefined();
      expect(find(objs, 'ConfigMap', e.tlsConfig.ca.configMap.name, NS.security).data[e.tlsConfig.ca.configMap.key]).toBe(committed);
    }
  });

  it.each(VARIANTS)('%s: the serving Certificate names every address a client uses', async (variant) => {
    const objs = await objects(variant);
    const cert = find(objs, 'Certificate', OPENBAO.tls.secret, NS.security);
    const names = new Set([...cert.spec.dnsNames, ...(cert.spec.ipAddresses ?? [])]);
    const hosts = clientUrls(objs).map((u) => ({ where: u.where, host: u.url.hostname }));
    const monitor = find(objs, 'ServiceMonitor', OPENBAO.release, NS.security);
    hosts.push(...monitor.spec.endpoints.map((e: any) => ({ where: 'ServiceMonitor serverName', host: e.tlsConfig.serverName })));
    // The chart's in-pod BAO_ADDR (the `bao` CLI in the server container).
    const server = find(objs, 'StatefulSet', OPENBAO.release, NS.security).spec.template.spec.containers.find((c: any) => c.name === OPENBAO.release);
    hosts.push({ where: 'server container BAO_ADDR', host: new URL(server.env.find((e: any) => e.name === 'BAO_ADDR').value).hostname });
    // The address each node advertises (redirects from a standby), with the pod name Kubernetes substitutes.
    const apiAddr: string = server.env.find((e: any) => e.name === 'BAO_API_ADDR').value;
    const order = server.env.map((e: any) => e.name);
    expect(order.indexOf('BAO_K8S_POD_NAME')).toBeLessThan(order.indexOf('BAO_API_ADDR'));
    const replicas = find(objs, 'StatefulSet', OPENBAO.release, NS.security).spec.replicas;
    for (let i = 0; i < replicas; i++) hosts.push({ where: `BAO_API_ADDR of ${OPENBAO.release}-${i}`, host: new URL(apiAddr.replace('$(BAO_K8S_POD_NAME)', `${OPENBAO.release}-${i}`)).hostname });
    const missing = hosts.filter((h) => !names.has(h.host));
    expect(missing).toEqual([]);
    expect(cert.spec.issuerRef).toEqual({ name: OPENBAO.tls.issuer, kind: 'Issuer', group: 'cert-manager.io' });
  });

  it.each(VARIANTS)('%s: signs with a namespaced CA Issuer whose key comes from a bootstrap Secret, and renders no private key', async (variant) => {
    const objs = await objects(variant);
    expect(find(objs, 'Issuer', OPENBAO.tls.issuer, NS.security).spec).toEqual({ ca: { secretName: OPENBAO.tls.caSecret } });
    const requirement = openBaoComponent(propsOf(variant)).secrets!.find((s) => s.name === OPENBAO.tls.caSecret);
    expect(requirement).toEqual(caKeySecret(NS.security));
    expect(requirement!.data).toEqual({});
    expect(Object.keys(requirement!.bootstrap!).sort()).toEqual(['tls.crt', 'tls.key']);
    // No manifest holds a key or a Secret of the CA; the ExternalSecrets do not manage it either.
    expect(objs.filter((o) => o.kind === 'Secret' && [OPENBAO.tls.caSecret, OPENBAO.tls.secret].includes(o.metadata.name))).toEqual([]);
    expect(objs.filter((o) => o.kind === 'ExternalSecret' && o.metadata.name === OPENBAO.tls.caSecret)).toEqual([]);
    // The whole rendered tree is checked for keys in test/workflows/security.test.ts.
    expect(objs.filter((o) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(JSON.stringify(o)))).toEqual([]);
  });

  it('starts the reloader from the server start script, before the server, and its script is shellcheck-clean', () => {
    const values = (openBaoComponent(haProps()).source as any).values;
    expect(values.server.extraArgs.startsWith(tlsReloadStart())).toBe(true);
    expect(tlsReloadStart()).toContain(`${OPENBAO.tls.reloadDir}/${OPENBAO.tls.reloadScript} ${OPENBAO.tls.dir}`);
    const r = spawnSync('shellcheck', ['-s', 'sh', RELOAD_SCRIPT], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the reloader sends SIGHUP to the server process when the certificate changes, and not before', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openbao-tls-'));
    const tls = path.join(dir, 'tls');
    fs.mkdirSync(tls);
    fs.writeFileSync(path.join(tls, 'tls.crt'), 'one\n');
    fs.writeFileSync(path.join(tls, 'tls.key'), 'key one\n');
    // A stand-in server with a process name of its own: counts the SIGHUPs it gets.
    const name = `fakebao${process.pid % 10000}`;
    const server = path.join(dir, name);
    const hups = path.join(dir, 'hups');
    fs.writeFileSync(server, `#!/bin/sh\ntrap 'echo hup >> "${hups}"' HUP\nwhile :; do sleep 0.1; done\n`, { mode: 0o755 });
    const bao = spawn(server, [], { stdio: 'ignore' });
    const reloader = spawn('sh', [RELOAD_SCRIPT, tls, '1', name], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    reloader.stdout.on('data', (d) => (log += d));
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const count = () => (fs.existsSync(hups) ? fs.readFileSync(hups, 'utf8').split('\n').filter(Boolean).length : 0);
    try {
      await sleep(2500);
      expect(count()).toBe(0);
      fs.writeFileSync(path.join(tls, 'tls.crt'), 'two\n');
      for (let i = 0; i < 40 && count() === 0; i++) await sleep(100);
      expect(count()).toBe(1);
      await sleep(2500);
      expect(count()).toBe(1);
      expect(log).toContain('"@module":"tls-reload"');
    } finally {
      reloader.kill();
      bao.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 20000);
});

describe('the internal CA certificate', () => {
  it('rejects an expired CA with the way out', () => {
    const parsed = parseCaCertificate(haProps().caCertificate, new Date('2100-01-01T00:00:00Z'));
    expect(parsed).toEqual({ ok: false, problem: expect.stringMatching(/the CA expired on .*create a new CA/) });
  });

  it('refuses a component built with something other than a CA certificate', () => {
    const base = singleProps();
    expect(() => openBaoComponent(base)).not.toThrow();
    expect(() => openBaoComponent({ ...base, caCertificate: 'not a certificate' })).toThrow(/caCertificate \(openbaoCaCertificate\) expected exactly one PEM block/);
  });
});
