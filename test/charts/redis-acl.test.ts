/**
 * Per-service Redis users (issue 10, point 6): the ACL file the redis component renders as an
 * External Secrets template, mounted by the operator on Redis and RedisReplication (RedisSentinel
 * has no ACL field), assembled in `data` from passwords only OpenBao holds; and the same file,
 * its template filled in as External Secrets would, loaded into a real redis-server (the Debian
 * package, as CI installs it) configured as the operator configures it (`requirepass`,
 * `masterauth` and `aclfile`). Without redis-server on PATH that part says that it skipped.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { aclFile, defaultUser, serviceUser } from '../../charts/redis/acl';
import { aclTemplate, DEFAULTS, redisComponent, RedisProps } from '../../charts/redis';
import { ManifestSource } from '../../lib/component';
import { K8sObject, synthObjects } from '../../lib/render';
import { TierPolicy } from '../../lib/tier-policy';
import { freePort, HAVE_REDIS, REDIS_PROPS, redisClient, until } from './redis-support';

jest.setTimeout(60_000);

const props: RedisProps = REDIS_PROPS;
const render = (p: RedisProps): K8sObject[] => synthObjects(redisComponent(p).source as ManifestSource);
const all = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind) as any[];
const aclSecret = (objs: K8sObject[]) => all(objs, 'ExternalSecret').find((e) => e.spec.target.name === DEFAULTS.acl.secret);

/** What External Secrets' v2 engine makes of the template: each `index . "<key>" | sha256sum` as the key's SHA-256. */
function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  const out = template.replace(/\{\{ index \. "([^"]+)" \| sha256sum \}\}/g, (_, key: string) => {
    if (!(key in values)) throw new Error(`the template reads "${key}", which the ExternalSecret does not fetch`);
    return createHash('sha256').update(values[key]).digest('hex');
  });
  if (out.includes('{{')) throw new Error(`template expression left unfilled: ${out}`);
  return out;
}

describe('redis ACL users', () => {
  const prod = render(props);

  it('mounts the ACL Secret on RedisReplication and Redis, and on no RedisSentinel (the pinned operator has no such field)', () => {
    const repl = all(prod, 'RedisReplication')[0];
    expect(repl.spec.acl).toEqual({ secret: { secretName: DEFAULTS.acl.secret } });
    expect(all(prod, 'RedisSentinel')[0].spec.acl).toBeUndefined();
    const dev = render({ ...props, tierPolicy: TierPolicy.of({ tier: 'dev', highAvailability: false, nodeGroupPerZone: false }) });
    expect(all(dev, 'Redis')[0].spec.acl).toEqual({ secret: { secretName: DEFAULTS.acl.secret } });
  });

  it("assembles user.acl in data from redis-auth and redis-users, fetched as a ServiceAccount that may get exactly those two Secrets", () => {
    const es = aclSecret(prod);
    expect(es.metadata.namespace).toBe('data');
    // The key the operator's subPath mounts (v0.26 getVolumeMount: /etc/redis/user.acl, subPath user.acl).
    expect(Object.keys(es.spec.target.template.data)).toEqual(['user.acl']);
    expect(es.spec.data.map((d: any) => `${d.secretKey}=${d.remoteRef.key}/${d.remoteRef.property}`)).toEqual([
      'default=redis-auth/password',
      'catalog=redis-users/catalog',
      'orders=redis-users/orders',
    ]);
    const store = all(prod, 'SecretStore').find((s) => s.metadata.name === es.spec.secretStoreRef.name);
    expect(store.spec.provider.kubernetes).toMatchObject({ remoteNamespace: 'data', auth: { serviceAccount: { name: DEFAULTS.acl.assembler } } });
    const role = all(prod, 'Role').find((r) => r.metadata.name === DEFAULTS.acl.assembler);
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['redis-auth', 'redis-users'], verbs: ['get'] }]);
    const binding = all(prod, 'RoleBinding').find((b) => b.roleRef.name === DEFAULTS.acl.assembler);
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: DEFAULTS.acl.assembler, namespace: 'data' }]);
  });

  it('writes only password hashes into the file, never a fetched value', () => {
    const template: string = aclSecret(prod).spec.target.template.data['user.acl'];
    expect(template.split('\n').filter(Boolean).every((l) => / on #\{\{ index \. "[a-z-]+" \| sha256sum \}\} /.test(l))).toBe(true);
    expect(template).not.toMatch(/ >/);
  });

  it("declares every service's password at the service's own path for data, and nothing in git", () => {
    const secrets = redisComponent(props).secrets!;
    expect(secrets.find((s) => s.name === DEFAULTS.acl.passwordsSecret)).toEqual(
      expect.objectContaining({ namespace: 'data', data: { catalog: redisClient('catalog').password, orders: redisClient('orders').password } }),
    );
    expect(all(prod, 'Secret')).toEqual([]);
    // No service: no password Secret (External Secrets would refuse one without keys), the file has the default user alone.
    const none = redisComponent({ ...props, clients: [] });
    expect(none.secrets!.map((s) => s.name)).toEqual(['redis-auth']);
    expect(aclTemplate([]).trim().split('\n')).toHaveLength(1);
  });

  it('names the seeding commands and the restart a new file needs in its runbook', () => {
    const body = redisComponent(props).runbook!.find((r) => r.phase === 'openbao')!.body;
    expect(body).toContain('bao kv put -mount=secret data/redis/users/catalog password=');
    expect(body).toContain('bao kv put -mount=secret data/redis/users/orders password=');
    expect(body).toContain('rollout status statefulset/redis-replication');
  });

  it('rejects a service named default, a shared or overlapping key prefix, and a prefix with glob characters', () => {
    expect(() => redisComponent({ ...props, clients: [redisClient('default')] })).toThrow(/would replace Redis' default user/);
    expect(() => redisComponent({ ...props, clients: [redisClient('orders'), { ...redisClient('orders-api'), keyPrefix: 'orders:' }] })).toThrow(/also covers/);
    expect(() => redisComponent({ ...props, clients: [{ ...redisClient('orders'), keyPrefix: 'orders*' }] })).toThrow(/key prefix "orders\*"/);
    expect(() => aclFile([defaultUser('x'), serviceUser('default', 'd:', 'y')])).toThrow(/declared twice/);
  });
});

const haveRedis = HAVE_REDIS;


describe('the rendered ACL file in a real redis-server', () => {
  if (!haveRedis) {
    it('is not loaded: redis-server is not installed (apt-get install redis-server)', () => {
      console.warn('\n*** SKIPPED: redis-server is not on PATH, so the rendered ACL file was not loaded into Redis. ***\n');
      expect(haveRedis).toBe(false);
    });
    return;
  }

  const PASSWORDS = { default: 'default-pw', orders: 'orders-pw', catalog: 'catalog-pw' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-acl-'));
  const servers: ChildProcess[] = [];
  afterAll(() => servers.forEach((p) => p.kill()));

  /** redis-cli as `user` (or the password alone, as replication, Sentinel and the backup jobs log in); stdout and stderr together. */
  const as = (port: number, user: string | undefined, password: string | undefined, ...args: string[]): string => {
    const r = spawnSync('redis-cli', ['-p', String(port), '--no-auth-warning', ...(user ? ['--user', user] : []), ...args], {
      env: { ...process.env, ...(password ? { REDISCLI_AUTH: password } : {}) },
      encoding: 'utf8',
    });
    return `${r.stdout}${r.stderr}`.trim();
  };
  /** A server configured as the operator configures one with `acl.secret`: requirepass, masterauth and aclfile. */
  const start = async (aclText: string, ...extra: string[]): Promise<number> => {
    const port = await freePort();
    const file = path.join(dir, `${port}.acl`);
    fs.writeFileSync(file, aclText);
    const p = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', PASSWORDS.default, '--masterauth', PASSWORDS.default, '--aclfile', file, '--save', '', '--appendonly', 'no', '--dir', dir, ...extra],
      { stdio: 'ignore' },
    );
    servers.push(p);
    // Up once it answers, with or without a password required.
    await until(`redis on ${port}`, () => /^(PONG|NOAUTH)/.test(as(port, undefined, undefined, 'ping')));
    return port;
  };
  const rendered = fillTemplate(aclSecret(render(props)).spec.target.template.data['user.acl'], PASSWORDS);

  it('lets a service set and get keys under its own prefix and publish on its own channels', async () => {
    const port = await start(rendered);
    expect(as(port, 'orders', PASSWORDS.orders, 'SET', 'orders:cart:1', 'x')).toBe('OK');
    expect(as(port, 'orders', PASSWORDS.orders, 'GET', 'orders:cart:1')).toBe('x');
    expect(as(port, 'orders', PASSWORDS.orders, 'INCR', 'orders:n')).toBe('1');
    expect(as(port, 'orders', PASSWORDS.orders, 'PUBLISH', 'orders:events', 'hi')).toBe('0');
    expect(as(port, 'orders', 'catalog-pw', 'GET', 'orders:cart:1')).toMatch(/WRONGPASS/);
  });

  it("keeps a service out of another service's keys and channels, and out of CONFIG, FLUSHALL, KEYS and SCAN", async () => {
    const port = await start(rendered);
    expect(as(port, 'catalog', PASSWORDS.catalog, 'SET', 'catalog:item:1', 'secret')).toBe('OK');
    expect(as(port, 'orders', PASSWORDS.orders, 'GET', 'catalog:item:1')).toMatch(/^NOPERM/);
    expect(as(port, 'orders', PASSWORDS.orders, 'SET', 'catalog:item:1', 'overwritten')).toMatch(/^NOPERM/);
    expect(as(port, 'orders', PASSWORDS.orders, 'SET', 'unprefixed', 'x')).toMatch(/^NOPERM/);
    expect(as(port, 'orders', PASSWORDS.orders, 'PUBLISH', 'catalog:events', 'x')).toMatch(/^NOPERM/);
    for (const cmd of [['CONFIG', 'GET', 'requirepass'], ['CONFIG', 'SET', 'maxmemory', '1'], ['FLUSHALL'], ['FLUSHDB'], ['KEYS', '*'], ['SCAN', '0'], ['ACL', 'LIST'], ['CLIENT', 'LIST'], ['INFO']]) {
      expect([cmd.join(' '), as(port, 'orders', PASSWORDS.orders, ...cmd)]).toEqual([cmd.join(' '), expect.stringMatching(/^NOPERM/)]);
    }
    expect(as(port, 'catalog', PASSWORDS.catalog, 'GET', 'catalog:item:1')).toBe('secret');
  });

  it('keeps the default user on the shared password, with everything, for replication, Sentinel, the exporter and the backups', async () => {
    const master = await start(rendered);
    expect(as(master, undefined, undefined, 'GET', 'orders:x')).toMatch(/NOAUTH/);
    expect(as(master, undefined, 'wrong', 'PING')).toMatch(/WRONGPASS|invalid/);
    expect(as(master, undefined, PASSWORDS.default, 'SET', 'catalog:a', '1')).toBe('OK');
    expect(as(master, undefined, PASSWORDS.default, 'CONFIG', 'GET', 'maxmemory')).toContain('maxmemory');
    expect(as(master, undefined, PASSWORDS.default, 'ACL', 'WHOAMI')).toBe('default');
    // A replica authenticates with masterauth alone, i.e. as default.
    const replica = await start(rendered, '--replicaof', '127.0.0.1', String(master));
    await until('the replica to sync', () => as(replica, undefined, PASSWORDS.default, 'GET', 'catalog:a') === '1');
    expect(as(replica, undefined, PASSWORDS.default, 'INFO', 'replication')).toContain('master_link_status:up');
  });

  it('shows why the default user has a line: without it, loading the file drops requirepass and anyone gets in', async () => {
    const withoutDefault = fillTemplate(aclTemplate(props.clients).split('\n').filter((l) => !l.startsWith('user default ')).join('\n'), PASSWORDS);
    const port = await start(withoutDefault);
    expect(as(port, undefined, undefined, 'SET', 'catalog:a', 'anyone')).toBe('OK');
    expect(as(port, undefined, undefined, 'ACL', 'LIST')).toContain('user default on nopass');
  });
});
