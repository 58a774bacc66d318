#!/usr/bin/env bash
# Build the project's Dockerfile with rootful podman where no registry is reachable.
#
# Usage: tests/container/build-image.sh TAG
#
# The Dockerfile starts `FROM ${BASE}` (python:3.12-slim by default). Here no registry answers,
# so this script first makes a stand-in base image from Debian packages (mmdebstrap, then
# `podman import`) and keeps it, named after a hash of its recipe, so later runs reuse it. Then
# it builds the Dockerfile on top of that base as TAG, in docker format (podman's default OCI
# format silently drops HEALTHCHECK). Build logs go to stderr.
#
# Podman reads tests/container/containers.conf (through CONTAINERS_CONF) unless the caller
# already set CONTAINERS_CONF.
set -euo pipefail

if (($# != 1)); then
    echo "usage: $0 TAG" >&2
    exit 2
fi
tag=$1
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"

# The base's recipe. Anything that changes what goes into the base belongs here, so that a
# change gives the base a new name instead of silently reusing an old one.
suite=bookworm
packages=python3,python3-pip,python3-venv,ca-certificates
# mmdebstrap runs each hook with sh, "$1" being the new root: the quotes keep it unexpanded here.
# shellcheck disable=SC2016
hooks=(
    # Only in this test base: trust what the host trusts, so pip inside the build reaches the
    # package index through this network (which may re-sign TLS with its own CA).
    'cp /etc/ssl/certs/ca-certificates.crt "$1/etc/ssl/certs/ca-certificates.crt"'
    # Behave like the python image: pip may install into the system Python...
    'rm -f "$1"/usr/lib/python3*/EXTERNALLY-MANAGED'
    # ...and `python` is a command.
    'ln -sf python3 "$1/usr/bin/python"'
)
recipe_hash=$(
    {
        printf '%s\n' "$suite" "$packages" "${hooks[@]}"
        cat /etc/ssl/certs/ca-certificates.crt
    } | sha256sum | cut -c1-12
)
base="localhost/mailtrap-test-base:$recipe_hash"

# One builder at a time (e.g. two pytest-xdist workers): the second one waits, then finds the
# base already there.
exec 9>"${TMPDIR:-/tmp}/mailtrap-test-base.lock"
flock 9
if podman image exists "$base"; then
    echo "build-image.sh: reusing base image $base" >&2
else
    echo "build-image.sh: making base image $base (mmdebstrap $suite, a few minutes)" >&2
    customize=()
    for hook in "${hooks[@]}"; do
        customize+=("--customize-hook=$hook")
    done
    # minbase: Debian's required packages (dpkg, apt, passwd for useradd) plus ours. The
    # tarball goes straight into podman; mmdebstrap already drops apt's lists and caches.
    mmdebstrap --quiet --mode=root --variant=minbase --include="$packages" \
        "${customize[@]}" "$suite" - |
        podman import \
            --change 'ENV LANG=C.UTF-8' \
            --change 'CMD ["python3"]' \
            --message "mailtrap test base: Debian $suite with python3 ($recipe_hash)" \
            - "$base" >/dev/null
fi
flock -u 9

# The image itself, exactly as users build it except for BASE. --pull=never: the base exists
# only here, and nothing may be fetched from a registry.
podman build --format docker --pull=never --build-arg BASE="$base" \
    --tag "$tag" --file "$repo/Dockerfile" "$repo" >&2
