/** Props and helpers shared by the redis chart's tests (built from props, no shipped config). */
import { spawnSync } from 'node:child_process';
import * as net from 'node:net';
import { RedisProps } from '../../charts/redis';
import { IMAGES } from '../../config/versions';
import { LabelDomain } from '../../lib/labels';
import { Resources } from '../../lib/resources';
import { Storage } from '../../lib/storage';
import { TierPolicy } from '../../lib/tier-policy';

export const PROD = TierPolicy.of({ tier: 'prod', highAvailability: true, nodeGroupPerZone: true });

/** A service with `redis: true`: its store reader, its OpenBao password and its key prefix. */
export const redisClient = (name: string): RedisProps['clients'][number] => ({
  name,
  reader: { namespace: 'apps', serviceAccount: `${name}-data-reader` },
  password: { path: `data/redis/users/${name}`, property: 'password' },
  keyPrefix: `${name}:`,
});

/** Minimal prod props with two clients, orders and catalog. */
export const REDIS_PROPS: RedisProps = {
  namespace: 'data',
  clients: [redisClient('orders'), redisClient('catalog')],
  operatorPodLabels: { name: 'redis-operator' },
  scrapeNamespace: 'observability',
  tierPolicy: PROD,
  images: { redis: IMAGES.redis, sentinel: IMAGES.redisSentinel, exporter: IMAGES.redisExporter },
  resources: Resources.of({ cpu: '25m', memory: '128Mi' }, { cpu: '500m', memory: '256Mi' }),
  storageSize: Storage.gibibytes(2),
  labelDomain: LabelDomain.of('platform.example.com'),
  backup: {
    target: { clusterName: 'acme-prod', accountId: '123456789012' },
    bucket: 'acme-prod-redis-snapshots',
    region: 'eu-west-1',
    retentionDays: 30,
    uploaderImage: IMAGES.awsCli,
  },
};

/** Polls `check` every 100 ms for up to 10 s. */
export async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Whether redis-server and redis-cli are on PATH (CI installs the Debian package). */
export const HAVE_REDIS = spawnSync('redis-server', ['--version']).status === 0 && spawnSync('redis-cli', ['--version']).status === 0;

/** A TCP port on 127.0.0.1 nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}
