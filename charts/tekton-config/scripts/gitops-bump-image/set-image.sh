#!/bin/sh
set -eu
export IMAGE_REF="$IMAGE:$TAG"
yq -e '.services[] | select(.name == strenv(SERVICE))' "$FILE" > /dev/null \
  || { echo "service '$SERVICE' is not in $FILE" >&2; exit 1; }
yq -i '(.services[] | select(.name == strenv(SERVICE)) | .image) = strenv(IMAGE_REF)' "$FILE"
