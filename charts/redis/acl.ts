/**
 * The Redis ACL file (`aclfile`, one `user` line per user; redis.io "ACL rules"), rendered from
 * typed users as charts/openbao/hcl.ts renders HCL: nothing is spliced by hand at the call sites.
 *
 * Two kinds of user:
 * - `default`, with every command, key and channel: replication (`masterauth`), the Sentinels
 *   (`redisReplicationPassword`, and RedisSentinel has no ACL field in the pinned operator), the
 *   operator, the exporter sidecar and the snapshot and restore jobs all authenticate with the
 *   password alone, which Redis checks against `default`. Its line must be in the file: a file
 *   without it resets `default` to `nopass` when Redis loads it (and `requirepass` from the
 *   operator's config is applied before the file), so the shared password would stop protecting
 *   anything (test/charts/redis-acl.test.ts shows both against a real redis-server).
 * - one user per service, named after it, limited to its own key prefix (`~<prefix>*`) and Pub/Sub
 *   channels (`&<prefix>*`), with every command except SERVICE_COMMAND_EXCLUSIONS.
 *
 * Passwords are written as SHA-256 hashes (`#<hex>`), never in clear: the file holds only the
 * template expression that External Secrets replaces with the hash (charts/redis `aclSecret`).
 */

/** One `user` line. */
export interface AclUser {
  readonly name: string;
  /** The password's SHA-256 in hex, or a template expression that renders to it. */
  readonly passwordHash: string;
  /** Key patterns (`~`). */
  readonly keys: readonly string[];
  /** Pub/Sub channel patterns (`&`). */
  readonly channels: readonly string[];
  /** Command rules in order: `+@all`, `-@dangerous`, `-scan`, ... */
  readonly commands: readonly string[];
}

/**
 * What a service may not run, on top of its key and channel patterns:
 * - `@dangerous`: administration and whole-server commands (CONFIG, FLUSHALL, FLUSHDB, KEYS,
 *   SHUTDOWN, DEBUG, MONITOR, ACL, CLIENT KILL/LIST, REPLICAOF, MIGRATE, RESTORE, INFO, ...);
 * - SCAN and RANDOMKEY: keyspace-wide reads that take no key argument, so key patterns do not
 *   limit them; they would list the names of other services' keys;
 * - FUNCTION: function libraries are global to the server, so one service could replace or
 *   delete another's (EVAL stays: a script runs with the caller's permissions);
 * - PUBSUB: lists every service's active channels (PUBLISH and SUBSCRIBE stay, within `&`).
 */
export const SERVICE_COMMAND_EXCLUSIONS = ['-@dangerous', '-scan', '-randomkey', '-function', '-pubsub'] as const;

/** A service's user: its own prefix for keys and channels, everything but the exclusions. */
export function serviceUser(name: string, keyPrefix: string, passwordHash: string): AclUser {
  return { name, passwordHash, keys: [`${keyPrefix}*`], channels: [`${keyPrefix}*`], commands: ['+@all', ...SERVICE_COMMAND_EXCLUSIONS] };
}

/** The `default` user: every command, key and channel (see the module comment for who uses it). */
export function defaultUser(passwordHash: string): AclUser {
  return { name: DEFAULT_USER, passwordHash, keys: ['*'], channels: ['*'], commands: ['+@all'] };
}

export const DEFAULT_USER = 'default';

/** A user name Redis takes in an ACL file: no spaces, nothing a rule could be read from. */
const USER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function line(u: AclUser): string {
  if (!USER_NAME.test(u.name)) throw new Error(`redis ACL: user name "${u.name}" is not a DNS label; service names are, rename the service`);
  if (u.keys.length === 0) throw new Error(`redis ACL: user ${u.name} has no key pattern; give it its prefix, e.g. ${u.name}:*`);
  return ['user', u.name, 'on', `#${u.passwordHash}`, ...u.keys.map((k) => `~${k}`), 'resetchannels', ...u.channels.map((c) => `&${c}`), ...u.commands].join(' ');
}

/** The file: `default` first, then the services in name order, one line each. */
export function aclFile(users: readonly AclUser[]): string {
  const names = new Set<string>();
  for (const u of users) {
    if (names.has(u.name)) throw new Error(`redis ACL: user "${u.name}" is declared twice; a service named "${DEFAULT_USER}" would replace the platform's default user, rename it`);
    names.add(u.name);
  }
  const sorted = [...users].sort((a, b) => (a.name === DEFAULT_USER ? -1 : b.name === DEFAULT_USER ? 1 : a.name.localeCompare(b.name)));
  return `${sorted.map(line).join('\n')}\n`;
}
