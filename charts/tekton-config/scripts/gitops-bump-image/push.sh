#!/bin/sh
set -eu
git config --global user.name "Platform CI"
git config --global user.email "ci@platform.invalid"
git config --global --add safe.directory '*'
if [ -n "${GIT_USERNAME:-}" ]; then
  git config --global credential.helper '!f() { echo "username=${GIT_USERNAME}"; echo "password=${GIT_PASSWORD}"; }; f'
fi
if git diff --quiet -- "$FILE"; then
  echo "$SERVICE already runs $IMAGE:$TAG; nothing to propose"
  exit 0
fi
git add "$FILE"
git commit --quiet -m "deploy($SERVICE): $IMAGE:$TAG" -m "digest: $DIGEST" -m "source commit: $COMMIT"
# The branch is CI's own: a retried run replaces what an earlier attempt pushed.
git push --quiet --force origin "$(cat "$(results.branch.path)")"
touch "$HOME/pushed"
