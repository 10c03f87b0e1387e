#!/bin/sh
# Reconciles OpenBao's ACL policies and Kubernetes-auth roles with the ones the platform declares
# (charts/openbao/index.ts `reconcileBindings`). Self-initialization runs once, on the first start
# of an empty cluster; every role and policy added later, and any drift of the first ones, is put
# right by this script, which an operator runs with administrative credentials (the break-glass
# session of the bootstrap README exports BAO_ADDR and BAO_TOKEN).
#
# Usage: reconcile.sh DIR AUTH_MOUNT
#   DIR/policies/<name>.hcl  one ACL policy each, named after the file
#   DIR/roles/<name>.json    one role of the Kubernetes auth method mounted at AUTH_MOUNT each: the
#                            fields of auth/<AUTH_MOUNT>/role/<name>
#   DIR/retired-policies     optional: names of policies the platform no longer declares, one a line
#   DIR/retired-roles        optional: names of roles the platform no longer declares, one a line
#
# Idempotent: a policy is written only where the stored text differs; a role is written with the
# same fields every time, which changes nothing when they already match; a retired policy or role
# is deleted only while OpenBao still has it. Other policies and roles that OpenBao has and DIR
# does not declare are listed, never deleted: removing one is a decision (retire it by name).
set -eu

if [ "$#" -ne 2 ]; then
  echo "usage: $0 DIR AUTH_MOUNT" >&2
  exit 2
fi
dir="$1"
mount="$2"
: "${BAO_ADDR:?export BAO_ADDR first (OpenBao administrative access, bootstrap README)}"
: "${BAO_TOKEN:?export BAO_TOKEN first (OpenBao administrative access, bootstrap README)}"

# Fails early on a missing or expired token, before anything is written.
bao token lookup >/dev/null

declared_policies=" default root "
for file in "$dir"/policies/*.hcl; do
  [ -e "$file" ] || continue
  name="$(basename "$file" .hcl)"
  declared_policies="$declared_policies$name "
  current="$(bao policy read "$name" 2>/dev/null || true)"
  if [ "$current" = "$(cat "$file")" ]; then
    echo "policy $name: unchanged"
  else
    bao policy write "$name" "$file" >/dev/null
    echo "policy $name: written"
  fi
done

declared_roles=" "
for file in "$dir"/roles/*.json; do
  [ -e "$file" ] || continue
  name="$(basename "$file" .json)"
  declared_roles="$declared_roles$name "
  bao write "auth/$mount/role/$name" @"$file" >/dev/null
  echo "role $name: written"
done

# Names OpenBao has now: retired ones are deleted only while present, so a second run prints nothing for them.
existing_policies=" $(bao policy list | tr '\n' ' ')"
existing_roles=" $(bao list "auth/$mount/role" 2>/dev/null | tail -n +3 | tr '\n' ' ')"
retired_policies=" "
if [ -f "$dir/retired-policies" ]; then
  while read -r name; do
    [ -n "$name" ] || continue
    retired_policies="$retired_policies$name "
    case "$existing_policies" in
      *" $name "*)
        bao policy delete "$name" >/dev/null
        echo "policy $name: retired, deleted"
        ;;
    esac
  done <"$dir/retired-policies"
fi
retired_roles=" "
if [ -f "$dir/retired-roles" ]; then
  while read -r name; do
    [ -n "$name" ] || continue
    retired_roles="$retired_roles$name "
    case "$existing_roles" in
      *" $name "*)
        bao delete "auth/$mount/role/$name" >/dev/null
        echo "role $name: retired, deleted"
        ;;
    esac
  done <"$dir/retired-roles"
fi

bao policy list | while read -r name; do
  case "$retired_policies" in *" $name "*) continue ;; esac
  case "$declared_policies" in
    *" $name "*) ;;
    *) echo "policy $name: not declared by the platform (left in place)" ;;
  esac
done
# `bao list` prints a "Keys" header and a rule before the names.
bao list "auth/$mount/role" | tail -n +3 | while read -r name; do
  case "$retired_roles" in *" $name "*) continue ;; esac
  case "$declared_roles" in
    *" $name "*) ;;
    *) echo "role $name: not declared by the platform (left in place)" ;;
  esac
done
