#!/bin/sh
set -eu
printf '%s:%s' "$IMAGE" "$TAG" > "$(results.IMAGE_URL.path)"
