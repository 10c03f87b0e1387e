#!/bin/sh
# A readiness gate of the efficiency guide ("Optimized Dependency Chain"), checked for real.
#
# Usage: readiness-gate.sh CHECK
#   cluster_api_accessible         the API server answers /readyz, and every Deployment and
#                                  DaemonSet in $GATE_NAMESPACE (kube-system) has all its pods Ready
#   load_balancer_provisioned      Service $GATE_SERVICE in $GATE_NAMESPACE has a load-balancer
#                                  hostname (or IP), and Certificate $GATE_CERTIFICATE there is Ready
#   prometheus_targets_discovered  Prometheus at $PROMETHEUS_URL has active targets, none still
#                                  waits for its first scrape, and every scrape pool has a target up
#
# charts/readiness-gates runs this as an Argo CD PostSync hook Job in the last component of the
# workflow the gate closes. It checks every $GATE_INTERVAL_SECONDS until the check passes (exit 0)
# or $GATE_TIMEOUT_SECONDS have passed (exit 1, naming what is not ready); the Job's
# activeDeadlineSeconds is the same timeout. A failed Job fails the Application's sync, and the
# waves after it wait.
#
# The two Kubernetes checks run under busybox's sh beside the distroless kubectl: shell builtins,
# kubectl and `busybox sleep` only. The Prometheus check runs in the busybox image (wget, grep, awk).
set -eu

usage() {
  echo "usage: $0 cluster_api_accessible|load_balancer_provisioned|prometheus_targets_discovered" >&2
  exit 2
}

[ "$#" -eq 1 ] || usage
check=$1
case "$check" in
  cluster_api_accessible | load_balancer_provisioned | prometheus_targets_discovered) ;;
  *) usage ;;
esac

timeout=${GATE_TIMEOUT_SECONDS:?GATE_TIMEOUT_SECONDS is not set}
interval=${GATE_INTERVAL_SECONDS:?GATE_INTERVAL_SECONDS is not set}
case "$timeout/$interval" in
  */ | /* | *[!0-9/]*)
    echo "GATE_TIMEOUT_SECONDS ($timeout) and GATE_INTERVAL_SECONDS ($interval) must be whole seconds" >&2
    exit 2
    ;;
esac
if [ "$interval" -le 0 ] || [ "$interval" -gt "$timeout" ]; then
  echo "GATE_INTERVAL_SECONDS ($interval) must be between 1 and GATE_TIMEOUT_SECONDS ($timeout)" >&2
  exit 2
fi

# A request that hangs gives up within one interval.
request_timeout="${interval}s"

# What the last attempt found; printed with every attempt and once more when giving up.
reason=''

cluster_api_accessible() {
  namespace=${GATE_NAMESPACE:?GATE_NAMESPACE is not set}
  if ! answer=$(kubectl get --raw /readyz --request-timeout="$request_timeout" 2>&1 </dev/null); then
    reason="the API server is not ready: $answer"
    return 1
  fi
  # One line per workload: "<Kind>/<name> <pods Ready> <pods wanted>".
  template='{{range .items}}{{.kind}}/{{.metadata.name}} {{if eq .kind "DaemonSet"}}{{or .status.numberReady 0}} {{or .status.desiredNumberScheduled 0}}{{else}}{{or .status.readyReplicas 0}} {{or .spec.replicas 0}}{{end}}{{"\n"}}{{end}}'
  if ! workloads=$(kubectl get deployments.apps,daemonsets.apps --namespace "$namespace" \
    --request-timeout="$request_timeout" --output go-template="$template" 2>&1 </dev/null); then
    reason="cannot list the workloads in $namespace: $workloads"
    return 1
  fi
  not_ready=''
  count=0
  while read -r workload ready wanted; do
    [ -n "$workload" ] || continue
    count=$((count + 1))
    if [ "$ready" -lt "$wanted" ]; then not_ready="$not_ready $workload ($ready/$wanted Ready)"; fi
  done <<EOF
$workloads
EOF
  if [ "$count" -eq 0 ]; then
    reason="no Deployment or DaemonSet in $namespace yet"
    return 1
  fi
  if [ -n "$not_ready" ]; then
    reason="not Ready in $namespace:$not_ready"
    return 1
  fi
  reason="the API server is ready; all $count Deployments and DaemonSets in $namespace are Ready"
}

load_balancer_provisioned() {
  namespace=${GATE_NAMESPACE:?GATE_NAMESPACE is not set}
  service=${GATE_SERVICE:?GATE_SERVICE is not set}
  certificate=${GATE_CERTIFICATE:?GATE_CERTIFICATE is not set}
  if ! address=$(kubectl get service "$service" --namespace "$namespace" --request-timeout="$request_timeout" \
    --output go-template='{{range .status.loadBalancer.ingress}}{{if .hostname}}{{.hostname}}{{else}}{{.ip}}{{end}} {{end}}' 2>&1 </dev/null); then
    reason="cannot read Service $namespace/$service: $address"
    return 1
  fi
  if ! ready=$(kubectl get certificates.cert-manager.io "$certificate" --namespace "$namespace" --request-timeout="$request_timeout" \
    --output go-template='{{range .status.conditions}}{{if eq .type "Ready"}}{{.status}}: {{.message}}{{end}}{{end}}' 2>&1 </dev/null); then
    reason="cannot read Certificate $namespace/$certificate: $ready"
    return 1
  fi
  address=${address% }
  missing=''
  if [ -z "$address" ]; then missing="Service $namespace/$service has no load-balancer address yet"; fi
  case "$ready" in
    True:*) ;;
    '') missing="${missing:+$missing; }Certificate $namespace/$certificate has no Ready condition yet" ;;
    *) missing="${missing:+$missing; }Certificate $namespace/$certificate is not Ready ($ready)" ;;
  esac
  if [ -n "$missing" ]; then
    reason=$missing
    return 1
  fi
  reason="Service $namespace/$service has load balancer $address; Certificate $namespace/$certificate is Ready"
}

prometheus_targets_discovered() {
  url=${PROMETHEUS_URL:?PROMETHEUS_URL is not set}
  if ! targets=$(wget -q -T "$interval" -O - "$url/api/v1/targets?state=active" 2>&1); then
    reason="Prometheus at $url does not answer: $targets"
    return 1
  fi
  # Go's JSON encoder writes each target's scrapePool before its health and escapes every quote
  # inside label values, so these two keys match only where Prometheus wrote them.
  if ! summary=$(printf '%s' "$targets" | grep -o -E '"(scrapePool|health)":"[^"]*"' | awk -F '"' '
    $2 == "scrapePool" { pool = $4; next }
    $2 == "health" {
      total++
      seen[pool] = 1
      if ($4 == "up") { up++; upIn[pool] = 1 }
      if ($4 == "unknown") unknown++
    }
    END {
      pools = 0; down = ""
      for (p in seen) { pools++; if (!(p in upIn)) down = down " " p }
      if (total == 0) { print "Prometheus has discovered no active target yet"; exit 1 }
      if (unknown > 0) { printf "%d of %d active targets wait for their first scrape\n", unknown, total; exit 1 }
      if (down != "") { printf "scrape pools with no target up:%s\n", down; exit 1 }
      printf "%d active targets in %d scrape pools, %d up; every pool has a target up\n", total, pools, up
    }'); then
    reason=$summary
    return 1
  fi
  reason=$summary
}

attempts=$((timeout / interval))
attempt=1
while :; do
  if "$check"; then
    echo "$check: ready (attempt $attempt of $attempts): $reason"
    exit 0
  fi
  echo "$check: not ready (attempt $attempt of $attempts): $reason"
  if [ "$attempt" -ge "$attempts" ]; then
    echo "$check: not ready after ${timeout}s: $reason" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  busybox sleep "$interval"
done
