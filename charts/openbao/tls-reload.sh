#!/bin/sh
# Reloads OpenBao's serving certificate after cert-manager renews it (charts/openbao/index.ts).
#
# OpenBao reads tls_cert_file and tls_key_file when it starts and again on SIGHUP, never by itself.
# The kubelet swaps a renewed Secret into the mounted directory TLS_DIR atomically; this loop, started
# in the background by the server container's own start script, checks the files every INTERVAL
# seconds and sends SIGHUP to every process of the container whose name is PROCESS (the server)
# when they change. It runs in the server's container, so no process namespace is shared with
# another container, and it needs nothing but sh, cat, cksum, sleep and kill.
set -u

TLS_DIR="${1:?usage: tls-reload.sh TLS_DIR [INTERVAL] [PROCESS]}"
INTERVAL="${2:-60}"
PROCESS="${3:-bao}"

log() {
  echo "{\"@level\":\"$1\",\"@module\":\"tls-reload\",\"@message\":\"$2\"}"
}

fingerprint() {
  cat "$TLS_DIR/tls.crt" "$TLS_DIR/tls.key" 2>/dev/null | cksum
}

last="$(fingerprint)"
while sleep "$INTERVAL"; do
  current="$(fingerprint)"
  [ "$current" = "$last" ] && continue
  signalled=0
  for dir in /proc/[0-9]*; do
    [ "$(cat "$dir/comm" 2>/dev/null)" = "$PROCESS" ] || continue
    if kill -HUP "${dir#/proc/}" 2>/dev/null; then signalled=$((signalled + 1)); fi
  done
  if [ "$signalled" -eq 0 ]; then
    # Keep the old fingerprint: the next round tries again.
    log warn "the certificate in $TLS_DIR changed but no $PROCESS process took SIGHUP; retrying in ${INTERVAL}s"
    continue
  fi
  log info "the certificate in $TLS_DIR changed; sent SIGHUP to $PROCESS"
  last="$current"
done
