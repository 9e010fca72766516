#!/usr/bin/env bash
# The demo: set up (idempotent), start Asterisk, call the sample campaign against
# scripted debtors over real SIP, export the outcomes, print a summary.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/scripts/setup.sh"
exec "$here/.venv/bin/dunbot" demo "$@"
