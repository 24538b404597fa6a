#!/usr/bin/env bash
# Prepares a machine for the whole test suite: the one script `.ci/run` and the pull-request
# workflow both run, so the two cannot drift. What the tests need beyond npm:
#   - promtool (the alert-rule tests): Debian's / Ubuntu's `prometheus` package;
#   - a Chromium-family browser (the live-page test): the runner's Chrome, else Debian's chromium;
#   - a container engine that answers `docker info`, with Compose (`docker compose` v2, or
#     `docker-compose` v1): a hosted runner has Docker Engine; this workplace has none, so podman
#     and its Docker API stand in (set up by the scripts in $CONTAINERS_SETUP, ../shared/containers).
# Variables later steps need (DOCKER_HOST with podman) are appended to $GITHUB_ENV, as GitHub
# Actions reads them; `.ci/run` points GITHUB_ENV at a file of its own and reads it the same way.
set -euo pipefail
cd "$(dirname "$0")/../.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
have() { command -v "$1" >/dev/null 2>&1; }
say() { echo "prepare: $*"; }

packages=()
have promtool || packages+=(prometheus)
browser=""
for candidate in "${CHROME_PATH:-}" chromium chromium-browser google-chrome google-chrome-stable; do
  [ -n "$candidate" ] && have "$candidate" && { browser=$(command -v "$candidate"); break; }
done
[ -n "$browser" ] || packages+=(chromium)
if [ "${#packages[@]}" -gt 0 ]; then
  say "installing ${packages[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
have promtool || { echo "prepare: promtool is still missing after installing prometheus" >&2; exit 1; }
say "promtool: $(command -v promtool)"

# The engine: asked for, not guessed from DOCKER_HOST.
if docker info >/dev/null 2>&1; then
  say "container engine: $(docker info --format '{{.OperatingSystem}} {{.ServerVersion}}')"
else
  setup="${CONTAINERS_SETUP:-../shared/containers}"
  if [ ! -f "$setup/setup-podman.sh" ]; then
    echo "prepare: no container engine answers 'docker info' and no podman set-up at $setup: install Docker Engine with Compose v2" >&2
    exit 1
  fi
  bash "$setup/setup-podman.sh"
  # No registry here: stand-ins for the official images the Dockerfiles and compose file name
  # (built in a chroot, whose shell is found on the standard PATH).
  std_path="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  podman image exists docker.io/library/node:24-bookworm-slim || PATH="$std_path" bash "$setup/make-node-base-image.sh"
  PATH="$std_path" bash tools/prometheus/standin-image.sh
  api=$(bash "$setup/podman-api.sh" start)
  export "${api?}"
  [ -n "${GITHUB_ENV:-}" ] && echo "$api" >>"$GITHUB_ENV"
  say "container engine: podman's Docker API ($api)"
fi
if docker compose version >/dev/null 2>&1; then
  say "compose: $(docker compose version --short 2>/dev/null || echo v2)"
elif have docker-compose; then
  say "compose: $(docker-compose version --short)"
else
  echo "prepare: the engine has no Compose: install the docker-compose-plugin (Compose v2)" >&2
  exit 1
fi
