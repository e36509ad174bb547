# Sourced by scripts/run and scripts/test: find Python >= 3.12, get uv, sync the virtualenv.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

find_python() {
  local candidate version
  for candidate in "${CRM_PYTHON:-}" python3.14 python3.13 python3.12 python3 python; do
    [ -n "$candidate" ] || continue
    command -v "$candidate" >/dev/null 2>&1 || continue
    version=$("$candidate" -c 'import sys; print("%d%02d" % sys.version_info[:2])' 2>/dev/null) || continue
    if [ "$version" -ge 312 ]; then command -v "$candidate"; return 0; fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    for version in $(pyenv versions --bare 2>/dev/null | sort -rV); do
      case "$version" in 3.1[2-9]*|3.[2-9][0-9]*)
        candidate="$(pyenv root)/versions/$version/bin/python3"
        [ -x "$candidate" ] && { echo "$candidate"; return 0; } ;;
      esac
    done
  fi
  return 1
}

PYTHON="$(find_python)" || {
  echo "error: this project needs Python 3.12 or newer (Django 6.1 requires it)." >&2
  echo "Install it, e.g. 'sudo apt install python3.12 python3.12-venv', 'brew install python@3.12'," >&2
  echo "or 'pyenv install 3.12', then run this command again (or set CRM_PYTHON=/path/to/python3.12)." >&2
  exit 1
}
echo "Using Python: $PYTHON ($("$PYTHON" --version 2>&1))"

UV="$(command -v uv || true)"
if [ -z "$UV" ]; then
  if [ ! -x .data/tools/bin/uv ]; then
    echo "Installing uv into .data/tools ..."
    mkdir -p .data
    "$PYTHON" -m venv .data/tools
    .data/tools/bin/python -m pip install --quiet --disable-pip-version-check uv
  fi
  UV="$ROOT/.data/tools/bin/uv"
fi
export UV_PYTHON="$PYTHON" UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT="$ROOT/.venv"
"$UV" sync --frozen --quiet
VENV_PY="$ROOT/.venv/bin/python"
# Front-end packages pinned by package-lock.json (downloaded and verified; no Node.js needed).
"$VENV_PY" scripts/assets.py
