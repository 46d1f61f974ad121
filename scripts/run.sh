#!/usr/bin/env bash
# Set up (if needed) and open mediacenter. With no library yet, it opens on a generated demo
# library. Without a display (a server, a container) it runs under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
args=("$@")
if [ ${#args[@]} -eq 0 ] && ! .venv/bin/mediacenter library list --json | grep -q '"id"'; then
  args=(--demo)
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ "$(uname)" = Linux ]; then
  echo "run: no display found, starting the app on a virtual screen (Xvfb)"
  exec xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/mediacenter "${args[@]}"
fi
exec .venv/bin/mediacenter "${args[@]}"
