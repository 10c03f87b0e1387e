#!/bin/sh
set -eu
git config --global user.name "Platform CI"
git config --global user.email "ci@platform.invalid"
git config --global --add safe.directory '*'
if [ -n "${GIT_USERNAME:-}" ]; then
  git config --global credential.helper '!f() { echo "username=${GIT_USERNAME}"; echo "password=${GIT_PASSWORD}"; }; f'
fi
find . -mindepth 1 -maxdepth 1 -exec rm -rf {} +
git init --quiet .
git remote add origin "$URL"
git fetch --quiet --depth 1 origin "$REVISION"
git checkout --quiet FETCH_HEAD
printf '%s' "$(git rev-parse HEAD)" > "$(results.commit.path)"
