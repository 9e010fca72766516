#!/usr/bin/env bash
# The test suite: set up (idempotent), then unit tests and end-to-end tests through
# a real Asterisk (the e2e fixtures start it and stop it again).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/scripts/setup.sh"
cd "$here"
exec "$here/.venv/bin/python" -m pytest -q -p no:cacheprovider "$@" tests
