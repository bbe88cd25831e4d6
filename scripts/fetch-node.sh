#!/usr/bin/env bash
# Usage: scripts/fetch-node.sh <x64|arm64> <directory>
# Puts the pinned Node.js runtime for linux-<arch> at <directory>/node-v<version>-linux-<arch>/bin/node
# and prints that path. The package comes through npm (the registry this project already trusts) and
# is checked against the integrity pinned in node-runtime.sh before anything is unpacked; a runtime
# already in place is used as it is.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=node-runtime.sh
. "$here/node-runtime.sh"

arch="${1:-}"
dir="${2:-}"
case "$arch" in
  x64) pinned="$NODE_RUNTIME_INTEGRITY_x64" ;;
  arm64) pinned="$NODE_RUNTIME_INTEGRITY_arm64" ;;
  *) echo "usage: $0 <x64|arm64> <directory>" >&2; exit 2 ;;
esac
[[ -n "$dir" ]] || { echo "usage: $0 <x64|arm64> <directory>" >&2; exit 2; }

prefix="$dir/node-v$NODE_RUNTIME_VERSION-linux-$arch"
if [[ -x "$prefix/bin/node" && -f "$prefix/.integrity" && "$(cat "$prefix/.integrity")" == "$pinned" ]]; then
  echo "$prefix/bin/node"
  exit 0
fi

mkdir -p "$dir"
work="$(mktemp -d "$dir/.fetch-XXXXXX")"
trap 'rm -rf "$work"' EXIT
package="node-linux-$arch@$NODE_RUNTIME_VERSION"
# --ignore-scripts: nothing of the package runs while it is fetched.
if ! npm pack --silent --ignore-scripts --pack-destination "$work" "$package" >"$work/name" 2>"$work/npm.log"; then
  echo "error: npm could not fetch $package:" >&2
  cat "$work/npm.log" >&2
  exit 1
fi
tarball="$work/$(tail -n 1 "$work/name")"
found="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w 0)"
if [[ "$found" != "$pinned" ]]; then
  echo "error: $package does not match its pin in scripts/node-runtime.sh" >&2
  echo "  expected $pinned" >&2
  echo "  found    $found" >&2
  exit 1
fi
mkdir -p "$work/unpacked"
tar -xzf "$tarball" -C "$work/unpacked" package/bin/node package/LICENSE
rm -rf "$prefix"
mkdir -p "$prefix/bin"
mv "$work/unpacked/package/bin/node" "$prefix/bin/node"
mv "$work/unpacked/package/LICENSE" "$prefix/LICENSE"
echo "$pinned" >"$prefix/.integrity"
echo "$prefix/bin/node"
