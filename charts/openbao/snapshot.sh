#!/bin/sh
# Saves a raft snapshot of OpenBao: the snapshot step of the openbao-snapshot CronJob
# (charts/openbao/index.ts, lib/backup.ts uploads the file afterwards).
#
# Logs in with the Kubernetes auth method at BAO_AUTH_MOUNT as the role BAO_ROLE, presenting the
# ServiceAccount token projected for OpenBao's audience at BAO_JWT_FILE. The role's policy can read
# sys/storage/raft/snapshot and nothing else (the reconcile step of the bootstrap README applies
# it). The snapshot is taken from the active node (BAO_ADDR), written next to SNAPSHOT_FILE and
# renamed into place only when complete; then the job's token is revoked.
set -eu

: "${BAO_ADDR:?set BAO_ADDR to the active node, e.g. https://openbao-active.security.svc:8200}"
: "${BAO_AUTH_MOUNT:?set BAO_AUTH_MOUNT to the Kubernetes auth mount}"
: "${BAO_ROLE:?set BAO_ROLE to the snapshot role}"
: "${BAO_JWT_FILE:?set BAO_JWT_FILE to the projected ServiceAccount token}"
: "${SNAPSHOT_FILE:?set SNAPSHOT_FILE to the file to write}"

BAO_TOKEN="$(bao write -field=token "auth/$BAO_AUTH_MOUNT/login" role="$BAO_ROLE" jwt=@"$BAO_JWT_FILE")"
export BAO_TOKEN

partial="$SNAPSHOT_FILE.partial"
bao operator raft snapshot save "$partial"
if [ ! -s "$partial" ]; then
  echo "OpenBao returned an empty snapshot" >&2
  exit 1
fi
mv "$partial" "$SNAPSHOT_FILE"
echo "saved $(wc -c < "$SNAPSHOT_FILE") bytes to $SNAPSHOT_FILE"

bao token revoke -self >/dev/null || echo "could not revoke the job's token; it expires with the role's TTL" >&2
