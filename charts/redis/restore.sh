#!/bin/sh
# Restores an RDB snapshot into the running Redis: the one container of the redis-restore pod that
# the bootstrap README's "Redis: restoring a snapshot" has the operator apply.
#
# The operator copies the snapshot into this pod as "$RDB_FILE.upload" and renames it to RDB_FILE
# when the copy is complete. This script waits for it, loads it into a private redis-server on
# 127.0.0.1:$LOCAL_PORT (no persistence, never reachable from outside the pod), then copies every
# key to the live master through TARGET_HOST with MIGRATE ... COPY REPLACE: values and TTLs as in
# the snapshot, overwriting keys of the same name. Keys written since the snapshot stay. Going
# through the master's Service keeps Sentinel and the replicas out of it: they see ordinary writes.
# Keys containing a newline are not handled (they cannot be read line by line) and are reported
# as failed. Exits 0 when every key was copied, 1 otherwise.
#
# The live Redis serves TLS only. MIGRATE opens its connection from the private server, which uses
# TLS for it when `tls-cluster` is on: the private server gets the redis-tls certificate (TLS_DIR)
# for that connection and verifies the master against its CA; it still listens in plain text on
# 127.0.0.1 only.
set -eu

: "${RDB_FILE:?set RDB_FILE to where the snapshot is copied}"
: "${LOCAL_PORT:?set LOCAL_PORT for the private redis-server}"
: "${TARGET_HOST:?set TARGET_HOST to the Service of the live master}"
: "${TARGET_PORT:?set TARGET_PORT}"
: "${TARGET_PASSWORD:?set TARGET_PASSWORD from the redis-auth Secret}"
: "${TLS_DIR:?set TLS_DIR to where the redis-tls Secret (tls.crt, tls.key, ca.crt) is mounted}"

echo "waiting for $RDB_FILE (kubectl cp it to $RDB_FILE.upload, then rename it)"
until [ -s "$RDB_FILE" ]; do sleep 2; done

redis-server --bind 127.0.0.1 --port "$LOCAL_PORT" --dir "$(dirname "$RDB_FILE")" --dbfilename "$(basename "$RDB_FILE")" \
  --appendonly no --save '' --protected-mode yes \
  --tls-cluster yes --tls-cert-file "$TLS_DIR/tls.crt" --tls-key-file "$TLS_DIR/tls.key" --tls-ca-cert-file "$TLS_DIR/ca.crt" &
server=$!
# LOADING answers until the whole file is read; PONG then.
until [ "$(redis-cli -p "$LOCAL_PORT" ping 2>/dev/null)" = PONG ]; do
  kill -0 "$server" 2>/dev/null || { echo "redis-server could not load $RDB_FILE" >&2; exit 1; }
  sleep 1
done
echo "loaded $(redis-cli -p "$LOCAL_PORT" dbsize) keys from the snapshot"

copied=0
failed=0
keys="$(mktemp)"
redis-cli -p "$LOCAL_PORT" --scan > "$keys"
while IFS= read -r key; do
  reply="$(redis-cli -p "$LOCAL_PORT" MIGRATE "$TARGET_HOST" "$TARGET_PORT" "" 0 10000 COPY REPLACE AUTH "$TARGET_PASSWORD" KEYS "$key" 2>&1 || true)"
  if [ "$reply" = OK ]; then
    copied=$((copied + 1))
  else
    failed=$((failed + 1))
    echo "key $key: $reply" >&2
  fi
done < "$keys"

redis-cli -p "$LOCAL_PORT" shutdown nosave >/dev/null 2>&1 || true
echo "copied $copied keys to $TARGET_HOST:$TARGET_PORT; $failed failed"
[ "$failed" -eq 0 ]
