#!/usr/bin/env bash
# Usage: scripts/bootstrap.sh
# Sets up what `npm test`, `npm run demo` and .ci/run need, on a Debian 12 machine, and only what is
# missing: the system packages (the test ground's dockerd, registry and tools), the pinned Node.js 24 in
# .tools/ (scripts/fetch-node.sh) and the npm dependencies (npm ci, again whenever package-lock.json
# changes). Before changing anything it checks that it can do all of it: otherwise it lists what is
# missing with the command that installs it, and exits 3 having changed nothing.
# Prints the Node.js 24 bin directory on its last line of stdout; everything else goes to stderr.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=node-runtime.sh
. scripts/node-runtime.sh
export DEBIAN_FRONTEND=noninteractive npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

# The one list of system packages. dockerd + iptables: the Docker engine; docker-registry, openssl and
# apache2-utils (htpasswd): the ECR-shaped TLS registry; busybox-static: the test images; awscli: the
# AWS CLI that checks the fake AWS; qemu-user-static and the arm64 C/C++ libraries: run the linux-arm64
# agent; git, tar, gzip, curl: the build and the agent's install script.
PACKAGES=(docker.io docker-registry awscli busybox-static apache2-utils openssl ca-certificates iptables
  qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross tar gzip git curl)
os_release="${ECR_SSM_DEPLOY_OS_RELEASE:-/etc/os-release}"

say() { printf '%s\n' "$*" >&2; }

arch="$(uname -m)"
case "$arch" in
  x86_64) node_arch=x64 ;;
  aarch64) node_arch=arm64 ;;
  *) say "error: no Node.js $NODE_RUNTIME_VERSION build for $arch; use an x86_64 or aarch64 machine"; exit 3 ;;
esac
node_dir=".tools/node-v$NODE_RUNTIME_VERSION-linux-$node_arch"

missing_packages=()
if command -v dpkg-query >/dev/null 2>&1; then
  for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing_packages+=("$package")
  done
else
  missing_packages=("${PACKAGES[@]}")
fi
need_node=no
[[ -x "$node_dir/bin/node" && "$(cat "$node_dir/.integrity" 2>/dev/null)" == "$(eval echo "\$NODE_RUNTIME_INTEGRITY_$node_arch")" ]] || need_node=yes
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
need_npm=no
[[ -d node_modules && "$(cat node_modules/.lock-sha256 2>/dev/null)" == "$lock_sum" ]] || need_npm=yes

# What stops us before any change: packages we may not install here, or no npm to fetch Node with.
problems=()
if ((${#missing_packages[@]} > 0)); then
  debian=no
  grep -qE '^ID=debian$|^ID_LIKE=.*debian' "$os_release" 2>/dev/null && debian=yes
  if [[ "$debian" != yes ]]; then
    problems+=("this is not Debian: install the equivalents of ${missing_packages[*]} with your system's package manager")
  elif [[ "$(id -u)" != 0 ]]; then
    problems+=("system packages missing: ${missing_packages[*]}" "  install them as root: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing_packages[*]}")
  fi
fi
if [[ "$need_node$need_npm" == *yes* ]] && ! command -v npm >/dev/null 2>&1; then
  problems+=("npm is missing (it fetches Node.js $NODE_RUNTIME_VERSION and the dependencies): sudo apt-get install -y nodejs npm")
fi
if ((${#problems[@]} > 0)); then
  say "error: cannot set up this machine; nothing was changed:"
  for problem in "${problems[@]}"; do say "  $problem"; done
  [[ "$need_node" == yes ]] && say "  then Node.js $NODE_RUNTIME_VERSION is fetched into $node_dir (no root needed)"
  exit 3
fi

if ((${#missing_packages[@]} > 0)); then
  say "installing system packages: ${missing_packages[*]}"
  apt-get update -qq </dev/null >&2
  apt-get install -y -qq --no-install-recommends "${missing_packages[@]}" </dev/null >&2
fi
if [[ "$need_node" == yes ]]; then
  say "fetching Node.js $NODE_RUNTIME_VERSION (linux-$node_arch) into .tools/"
  bash scripts/fetch-node.sh "$node_arch" .tools >/dev/null
fi
if [[ "$need_npm" == yes ]]; then
  say "installing the npm dependencies (npm ci)"
  # Node 24 runs npm, so packages see the runtime they will run on.
  PATH="$root/$node_dir/bin:$PATH" npm ci --no-audit --no-fund </dev/null >&2
  echo "$lock_sum" >node_modules/.lock-sha256
fi
echo "$root/$node_dir/bin"
