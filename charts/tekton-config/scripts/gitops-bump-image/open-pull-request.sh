#!/bin/sh
set -eu
branch="$(cat "$(results.branch.path)")"
[ -f "$HOME/pushed" ] || { echo "no change pushed; no pull request"; exit 0; }
case "$URL" in
  https://github.com/*) repo="${URL#https://github.com/}"; repo="${repo%.git}" ;;
  *) echo "branch $branch pushed; open the pull request in your git host"; exit 0 ;;
esac
status=$(curl -sS -o "$HOME/response" -w '%{http_code}' -X POST \
  -H "Authorization: Bearer $GIT_PASSWORD" -H "Accept: application/vnd.github+json" \
  "https://api.github.com/repos/$repo/pulls" \
  -d "{\"title\":\"deploy($SERVICE): $TAG\",\"head\":\"$branch\",\"base\":\"$BASE\"}") || true
case "$status" in
  201) echo "pull request opened for $branch" ;;
  422) echo "a pull request for $branch exists already" ;;
  *) echo "GitHub answered $status" >&2; cat "$HOME/response" >&2 || true; exit 1 ;;
esac
