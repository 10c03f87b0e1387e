#!/bin/sh
# Rolling restart of the workloads whose pods started without the Istio sidecar.
#
# Usage: sidecar-restart.sh NAMESPACE...
#
# istio-config's Argo CD PostSync hook (charts/istio-config/index.ts) runs this once istiod, its
# injection webhook and the CNI agent are in place. In each namespace it lists the running pods
# that carry no `security.istio.io/tlsMode=istio` label (the injector's mark) and did not opt out
# with `sidecar.istio.io/inject=false`, resolves each pod's controller up to its workload
# (ReplicaSet -> Deployment), and runs `kubectl rollout restart` once per workload. The restart is
# a rolling update: the workload's controller replaces its pods within maxSurge/maxUnavailable, so
# a workload never loses all of its pods at once. No pod is deleted by this script.
#
# Idempotent: once every pod carries the sidecar the selector matches nothing and nothing restarts.
# Only POSIX shell builtins and kubectl are used (the hook runs busybox's sh next to the pinned
# kubectl binary; there is no sort, xargs or jq).
set -eu

if [ "$#" -eq 0 ]; then
  echo "usage: $0 NAMESPACE..." >&2
  exit 2
fi

UNINJECTED='security.istio.io/tlsMode!=istio,sidecar.istio.io/inject!=false'
# kubectl go-templates (single-quoted on purpose: `$owner` is a template variable, not the shell's).
# One line per pod: "<pod> <controller kind>/<controller name>", "-" when the pod has no controller.
# shellcheck disable=SC2016
POD_OWNERS='{{range .items}}{{$owner := "-"}}{{range .metadata.ownerReferences}}{{if .controller}}{{$owner = printf "%s/%s" .kind .name}}{{end}}{{end}}{{.metadata.name}} {{$owner}}{{"\n"}}{{end}}'
CONTROLLER='{{range .metadata.ownerReferences}}{{if .controller}}{{.kind}}/{{.name}}{{end}}{{end}}'

failed=0

for ns in "$@"; do
  pods=$(kubectl get pods --namespace "$ns" --selector "$UNINJECTED" \
    --field-selector status.phase=Running --output go-template="$POD_OWNERS" </dev/null)
  if [ -z "$pods" ]; then
    echo "$ns: every running pod has its sidecar"
    continue
  fi

  restarted=' '
  while read -r pod owner; do
    [ -n "$pod" ] || continue
    workload=$owner
    case "$owner" in
      ReplicaSet/*)
        # A ReplicaSet that is gone by now (its Deployment rolled meanwhile) leaves the pod as it is.
        parent=$(kubectl get replicaset "${owner#ReplicaSet/}" --namespace "$ns" --ignore-not-found \
          --output go-template="$CONTROLLER" </dev/null)
        if [ -n "$parent" ]; then workload=$parent; fi
        ;;
    esac

    case "$workload" in
      Deployment/*) resource="deployment/${workload#Deployment/}" ;;
      StatefulSet/*) resource="statefulset/${workload#StatefulSet/}" ;;
      DaemonSet/*) resource="daemonset/${workload#DaemonSet/}" ;;
      -)
        echo "$ns: pod $pod has no sidecar and no controller; recreate it by hand" >&2
        continue
        ;;
      *)
        # An Argo Rollout (`kubectl argo rollouts restart`), a Job, a ReplicaSet of its own:
        # nothing here restarts it without deleting pods, so say so and leave it.
        echo "$ns: pod $pod has no sidecar; its controller $workload is not a Deployment, StatefulSet or DaemonSet, restart it by hand" >&2
        continue
        ;;
    esac

    case "$restarted" in
      *" $resource "*) continue ;;
    esac
    restarted="$restarted$resource "
    echo "$ns: pod $pod has no sidecar, rolling restart of $resource"
    if ! kubectl rollout restart "$resource" --namespace "$ns" </dev/null; then
      echo "$ns: rollout restart of $resource failed" >&2
      failed=1
    fi
  done <<EOF
$pods
EOF
done

exit "$failed"
