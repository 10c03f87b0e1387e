#!/bin/sh
# Saves an RDB snapshot of Redis: the snapshot step of the redis-snapshot CronJob
# (charts/redis/index.ts; lib/backup.ts uploads the file afterwards).
#
# `redis-cli --rdb` asks REDIS_HOST for a full synchronization, as a new replica would, and writes
# the RDB file it receives: a point-in-time copy of the whole dataset, made by the server's fork.
# Where Redis is replicated, REDIS_HOST is the redis-replica Service, so the fork runs on a
# replica and the master serves clients undisturbed. The password is REDISCLI_AUTH (from the Secret
# redis-auth), never an argument. Redis serves TLS only: the server certificate is verified against
# REDIS_TLS_CA_CERT (the CA of the redis-tls Secret). The file is checked for the RDB signature and
# renamed into place only when complete.
set -eu

: "${REDIS_HOST:?set REDIS_HOST to the Service to copy from (a replica where replicated)}"
: "${REDIS_PORT:?set REDIS_PORT}"
: "${REDISCLI_AUTH:?set REDISCLI_AUTH from the redis-auth Secret}"
: "${SNAPSHOT_FILE:?set SNAPSHOT_FILE to the file to write}"
: "${REDIS_TLS_CA_CERT:?set REDIS_TLS_CA_CERT to the CA certificate of the Redis servers}"

partial="$SNAPSHOT_FILE.partial"
redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" --tls --cacert "$REDIS_TLS_CA_CERT" --no-auth-warning --rdb "$partial"
if [ "$(head -c 5 "$partial")" != REDIS ]; then
  echo "$partial is not an RDB file (no REDIS signature)" >&2
  exit 1
fi
mv "$partial" "$SNAPSHOT_FILE"
echo "saved $(wc -c < "$SNAPSHOT_FILE") bytes from $REDIS_HOST to $SNAPSHOT_FILE"
