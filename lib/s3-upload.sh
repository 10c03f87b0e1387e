#!/bin/sh
# Uploads one backup file to S3: the second step of a snapshot CronJob (lib/backup.ts).
#
# The first step (an init container) wrote "$BACKUP_FILE" into the pod's scratch volume and
# finished, so the file is complete. This uploads it under a key that sorts by time,
# s3://$S3_BUCKET/$S3_PREFIX/<UTC timestamp>-$BACKUP_NAME, encrypted with SSE-KMS and with a SHA-256
# checksum that S3 verifies on receipt. Credentials come from IRSA (AWS_ROLE_ARN and
# AWS_WEB_IDENTITY_TOKEN_FILE, set by EKS); the role may only put objects under the prefix, so this
# job can neither read nor delete a backup. Retention is the bucket's lifecycle, not this script's.
set -eu

: "${BACKUP_FILE:?set BACKUP_FILE to the file to upload}"
: "${BACKUP_NAME:?set BACKUP_NAME to the object name suffix, e.g. openbao.snap}"
: "${S3_BUCKET:?set S3_BUCKET to the backup bucket}"
: "${S3_PREFIX:?set S3_PREFIX to the key prefix, e.g. openbao}"

if [ ! -s "$BACKUP_FILE" ]; then
  echo "no backup to upload: $BACKUP_FILE is missing or empty" >&2
  exit 1
fi

key="$S3_PREFIX/$(date -u +%Y%m%dT%H%M%SZ)-$BACKUP_NAME"
bytes="$(wc -c < "$BACKUP_FILE")"
aws s3 cp "$BACKUP_FILE" "s3://$S3_BUCKET/$key" --sse aws:kms --checksum-algorithm SHA256 --only-show-errors
echo "uploaded s3://$S3_BUCKET/$key ($bytes bytes)"
