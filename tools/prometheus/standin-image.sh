#!/usr/bin/env bash
# CI only. No image registry is reachable on these machines, so this builds a stand-in for the
# pinned official image docker-compose.yml names (prom/prometheus) from Debian's prometheus package,
# on the stand-in Debian base (../shared/containers), with the official image's user, paths,
# entrypoint and command. Users get the official image.
set -euo pipefail
cd "$(dirname "$0")/../.."
image="docker.io/$(grep -oE 'prom/prometheus:v[0-9.]+' docker-compose.yml | head -1)"
podman image exists "$image" && exit 0
command -v prometheus >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; }
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
cp "$(command -v prometheus)" "$context/prometheus"
cat > "$context/Dockerfile" <<'DOCKERFILE'
FROM docker.io/library/node:24-bookworm-slim
COPY prometheus /bin/prometheus
RUN mkdir -p /etc/prometheus /prometheus && chown -R nobody:nogroup /prometheus
USER nobody
EXPOSE 9090
VOLUME ["/prometheus"]
WORKDIR /prometheus
ENTRYPOINT ["/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
DOCKERFILE
podman build -q -t "$image" "$context" >/dev/null
echo "built $image (stand-in: Debian's $(prometheus --version 2>&1 | head -1))"
