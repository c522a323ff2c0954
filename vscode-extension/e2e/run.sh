#!/usr/bin/env bash
# run.sh VSIX PYTHON - the real-editor test: install the .vsix into code-server, open a workspace with a domain
# XML that has a known mismatch and a configured caps file, and drive it with Chromium (test.mjs).
# Needs setup.sh first. Screenshots go to $VIRTLINT_ARTIFACTS (default: artifacts/ at the repository root).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
VSIX=$(readlink -f "$1")
PYTHON="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"  # not resolved: a venv's python is a symlink
CACHE=${VIRTLINT_E2E_CACHE:-/var/cache/virtlint-e2e}
ARTIFACTS=${VIRTLINT_ARTIFACTS:-$REPO/artifacts}
export PATH="$CACHE/node24/package/bin:$PATH"
CODE_SERVER="$CACHE/node_modules/.bin/code-server"
[ -x "$CODE_SERVER" ] || { echo "run setup.sh first ($CODE_SERVER missing)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/virtlint-e2e.XXXXXX)
SERVER=""
finish() {
  [ -n "$SERVER" ] && { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true; }
  rm -rf "$WORK"
}
trap finish EXIT

# scenario NAME SERVER_COMMAND_JSON CAPS_JSON: a fresh editor profile and workspace, then test.mjs
scenario() {
  local name=$1 command=$2 caps=$3 dir="$WORK/$1"
  mkdir -p "$dir/user/User" "$dir/ext" "$dir/workspace/.vscode"
  cp "$REPO/examples/host-caps.xml" "$dir/workspace/host-caps.xml"
  cp "$HERE/vm.xml" "$dir/workspace/vm.xml"
  # workspace-relative caps, as a user would configure them
  printf '{ "virtlint.caps": %s }\n' "$caps" > "$dir/workspace/.vscode/settings.json"
  if [ "$name" = pyproject ]; then  # caps from [tool.virtlint] in pyproject.toml, not from the settings
    printf '[project]\nname = "vms"\n\n[tool.virtlint]\ncaps = ["host-caps.xml"]\n' > "$dir/workspace/pyproject.toml"
  fi
  cat > "$dir/user/User/settings.json" <<JSON
{
  "virtlint.server.command": $command,
  "workbench.startupEditor": "none",
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "update.mode": "none",
  "chat.disableAIFeatures": true,
  "workbench.tips.enabled": false,
  "editor.hover.delay": 200
}
JSON
  "$CODE_SERVER" --user-data-dir "$dir/user" --extensions-dir "$dir/ext" --install-extension "$VSIX" >/dev/null
  local port status=0
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$CODE_SERVER" --auth none --bind-addr "127.0.0.1:$port" --disable-telemetry --disable-update-check \
    --disable-workspace-trust --user-data-dir "$dir/user" --extensions-dir "$dir/ext" "$dir/workspace" \
    > "$dir/code-server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 60); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break
    sleep 1
  done
  echo "# scenario: $name"
  VIRTLINT_E2E_SCENARIO=$name VIRTLINT_E2E_PYTHON="$PYTHON" VIRTLINT_E2E_URL="http://127.0.0.1:$port/" VIRTLINT_E2E_OUT="$ARTIFACTS" \
    NODE_PATH="$CACHE/node_modules" node "$HERE/test.mjs" || status=$?
  kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true
  SERVER=""
  if [ "$status" != 0 ]; then
    # keep the editor's logs (the virtlint output channel among them) for a failed run
    mkdir -p "$ARTIFACTS/vscode-logs/$name"
    cp "$dir/code-server.log" "$ARTIFACTS/vscode-logs/$name/" 2>/dev/null || true
    cp -r "$dir/user/logs" "$ARTIFACTS/vscode-logs/$name/" 2>/dev/null || true
    exit "$status"
  fi
}

GOOD="[\"$PYTHON\", \"-m\", \"virtlint\", \"lsp\"]"
scenario main "$GOOD" '["host-caps.xml"]'
scenario no-server '["/nonexistent/bin/virtlint", "lsp"]' '["host-caps.xml"]'
scenario no-caps "$GOOD" '[]'
scenario pyproject "$GOOD" '[]'
