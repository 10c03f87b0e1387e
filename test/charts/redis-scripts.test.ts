/**
 * The Redis snapshot and restore scripts against a real Redis (the Debian package): a master with a
 * password and a replica, serving TLS only as the operator configures them (`port 0`, `tls-port`,
 * `tls-replication yes`, `tls-auth-clients optional`), with a certificate from a test CA made by
 * openssl. Without redis-server or openssl on PATH the check says that it skipped.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../support';
import { freePort, HAVE_REDIS, until } from './redis-support';

jest.setTimeout(60_000);

const haveRedis = HAVE_REDIS && spawnSync('openssl', ['version']).status === 0;
const PASSWORD = 'test-password';

/** A CA and a server-and-client certificate for 127.0.0.1 (as cert-manager issues redis-tls): tls.crt, tls.key, ca.crt in `dir`. */
function makeCertificates(dir: string): void {
  const run = (...args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=redis-ca');
  run('req', ...ec, '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', '/CN=127.0.0.1');
  fs.writeFileSync(path.join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  run('x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tls.crt', '-days', '1', '-extfile', 'ext');
}


let tlsDir = '';
const cli = (port: number, ...args: string[]): string =>
  spawnSync('redis-cli', ['-p', String(port), '--tls', '--cacert', path.join(tlsDir, 'ca.crt'), '--no-auth-warning', ...args], {
    env: { ...process.env, REDISCLI_AUTH: PASSWORD },
    encoding: 'utf8',
  }).stdout.trim();


describe('the Redis snapshot and restore scripts', () => {
  if (!haveRedis) {
    it('are not run against Redis: redis-server or openssl is not installed (apt-get install redis-server openssl)', () => {
      console.warn('\n*** SKIPPED: redis-server or openssl is not on PATH, so snapshot.sh and restore.sh were not run against Redis. ***\n');
      expect(haveRedis).toBe(false);
    });
    return;
  }

  const servers: ChildProcess[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-scripts-'));
  tlsDir = path.join(dir, 'tls');
  fs.mkdirSync(tlsDir);
  makeCertificates(tlsDir);
  // What the operator's TLS mode writes into redis.conf.
  const tls = (port: number) => [
    '--port', '0', '--tls-port', String(port),
    '--tls-cert-file', path.join(tlsDir, 'tls.crt'), '--tls-key-file', path.join(tlsDir, 'tls.key'), '--tls-ca-cert-file', path.join(tlsDir, 'ca.crt'),
    '--tls-auth-clients', 'optional', '--tls-replication', 'yes',
  ];
  const start = async (port: number, ...extra: string[]) => {
    const p = spawn('redis-server', [...tls(port), '--bind', '127.0.0.1', '--requirepass', PASSWORD, '--save', '', '--appendonly', 'no', '--dir', dir, '--dbfilename', `${port}.rdb`, ...extra], { stdio: 'ignore' });
    servers.push(p);
    await until(`redis on ${port}`, () => cli(port, 'ping') === 'PONG');
  };
  afterAll(() => servers.forEach((p) => p.kill()));

  it('copy a replica dataset to an RDB file and restore it into a live master, keeping newer keys and TTLs', async () => {
    const [master, replica, live, local] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    await start(master);
    // TLS only: a plain-text client gets no answer.
    const plain = spawnSync('redis-cli', ['-p', String(master), '--no-auth-warning', 'ping'], { env: { ...process.env, REDISCLI_AUTH: PASSWORD }, encoding: 'utf8', timeout: 5000 });
    expect(plain.stdout.trim()).not.toBe('PONG');
    await start(replica, '--replicaof', '127.0.0.1', String(master), '--masterauth', PASSWORD);
    cli(master, 'SET', 'a', 'from-snapshot');
    cli(master, 'SET', 'b', 'expires', 'EX', '1000');
    cli(master, 'HSET', 'h', 'field', 'value');
    await until('the replica to hold the keys', () => cli(replica, 'DBSIZE') === '3');

    const file = path.join(dir, 'dump.rdb');
    const snap = spawnSync('sh', [path.join(ROOT, 'charts/redis/snapshot.sh')], {
      env: { PATH: process.env.PATH, REDIS_HOST: '127.0.0.1', REDIS_PORT: String(replica), REDISCLI_AUTH: PASSWORD, SNAPSHOT_FILE: file, REDIS_TLS_CA_CERT: path.join(tlsDir, 'ca.crt') },
      encoding: 'utf8',
    });
    expect(snap.status).toBe(0);
    expect(fs.readFileSync(file).subarray(0, 5).toString()).toBe('REDIS');
    expect(fs.existsSync(`${file}.partial`)).toBe(false);

    await start(live);
    cli(live, 'SET', 'a', 'stale');
    cli(live, 'SET', 'written-later', 'kept');
    const restore = spawnSync('sh', [path.join(ROOT, 'charts/redis/restore.sh')], {
      env: { PATH: process.env.PATH, RDB_FILE: file, LOCAL_PORT: String(local), TARGET_HOST: '127.0.0.1', TARGET_PORT: String(live), TARGET_PASSWORD: PASSWORD, TLS_DIR: tlsDir },
      encoding: 'utf8',
    });
    expect(restore.stderr).toBe('');
    expect(restore.status).toBe(0);
    expect(restore.stdout).toContain('copied 3 keys');
    expect(cli(live, 'GET', 'a')).toBe('from-snapshot');
    expect(cli(live, 'HGET', 'h', 'field')).toBe('value');
    expect(Number(cli(live, 'TTL', 'b'))).toBeGreaterThan(900);
    expect(cli(live, 'GET', 'written-later')).toBe('kept');
  });

  it('fail without leaving a snapshot when Redis refuses the password', async () => {
    const port = await freePort();
    await start(port);
    const file = path.join(dir, 'refused.rdb');
    const r = spawnSync('sh', [path.join(ROOT, 'charts/redis/snapshot.sh')], {
      env: { PATH: process.env.PATH, REDIS_HOST: '127.0.0.1', REDIS_PORT: String(port), REDISCLI_AUTH: 'wrong', SNAPSHOT_FILE: file, REDIS_TLS_CA_CERT: path.join(tlsDir, 'ca.crt') },
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(fs.existsSync(file)).toBe(false);
  });
});
