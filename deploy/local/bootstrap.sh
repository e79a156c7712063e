# Sourced by ./run and ./test: makes sure uv and the locked Python environment exist.
# Prerequisites it cannot install itself: Python 3.11+, a JDK 17+ and Maven (for the local Kafka broker),
# and the PostgreSQL server binaries (initdb, pg_ctl) for the test suite.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if ! command -v uv >/dev/null 2>&1; then
  for candidate in "$HOME/.local/bin/uv" "$HOME/.cargo/bin/uv"; do
    [ -x "$candidate" ] && export PATH="$(dirname "$candidate"):$PATH" && break
  done
fi
if ! command -v uv >/dev/null 2>&1; then
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { echo "Courtlink needs Python 3.11 or newer as python3." >&2; exit 1; }
  echo "Installing uv (the Python package manager) with pip ..." >&2
  python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
  # pip may put the binary in a folder that is not on PATH (user site, pyenv before a rehash): ask uv itself.
  export PATH="$(dirname "$(python3 -c 'import uv; print(uv.find_uv_bin())')"):$PATH"
fi
uv sync --frozen --quiet
