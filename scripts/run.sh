#!/usr/bin/env bash
# Usage: scripts/run.sh COMMAND [ARG ...]
# Runs COMMAND with the project's Node.js 24 first on PATH, after scripts/bootstrap.sh has set up
# whatever is missing. `npm test` and `npm run demo` go through here, so they work on a fresh clone.
set -euo pipefail
bin="$(bash "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh" | tail -n 1)"
export PATH="$bin:$PATH"
exec "$@"
