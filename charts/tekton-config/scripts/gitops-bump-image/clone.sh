#!/bin/sh
set -eu
case "$TAG" in
  ""|latest) echo "refusing to deploy tag '$TAG': push an exact version" >&2; exit 1 ;;
esac
git config --global user.name "Platform CI"
git config --global user.email "ci@platform.invalid"
git config --global --add safe.directory '*'
if [ -n "${GIT_USERNAME:-}" ]; then
  git config --global credential.helper '!f() { echo "username=${GIT_USERNAME}"; echo "password=${GIT_PASSWORD}"; }; f'
fi
git clone --quiet --depth 1 --branch "$BASE" "$URL" /work/gitops
cd /work/gitops
branch="ci/$SERVICE-$TAG"
git checkout --quiet -b "$branch"
printf '%s' "$branch" > "$(results.branch.path)"
