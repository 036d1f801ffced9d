#!/usr/bin/env bash
# Rebuilds every reference value (and the fixtures the scripts write) from the pinned
# requirements, in throwaway virtualenvs, then shows what changed. Nothing here is needed to run
# the tests: the values are committed.
#   tests/reference/regenerate.sh            # every script
#   tests/reference/regenerate.sh cs_rc ols  # make_cs_rc_reference.py and make_ols_reference.py
set -euo pipefail
cd "$(dirname "$0")/../.."
VENVS=${REF_VENVS:-$(mktemp -d)}
PY=${PYTHON:-python3}
if [ ! -x "$VENVS/ref/bin/python" ]; then
  "$PY" -m venv "$VENVS/ref"
  "$VENVS/ref/bin/pip" install -q -r tests/reference/requirements.txt
fi
scripts=()
if [ $# -eq 0 ]; then
  for f in tests/reference/make_*.py; do scripts+=("$f"); done
else
  for n in "$@"; do scripts+=("tests/reference/make_${n}_reference.py"); done
fi
for f in "${scripts[@]}"; do
  if [ "$f" = tests/reference/make_honest_reference.py ]; then
    if [ ! -x "$VENVS/hd/bin/python" ]; then
      "$PY" -m venv "$VENVS/hd"
      "$VENVS/hd/bin/pip" install -q -r tests/reference/requirements-honest.txt
    fi
    echo "== $f (honest virtualenv)"
    "$VENVS/hd/bin/python" "$f"
  elif [ "$f" = tests/reference/make_sdid_reference.py ]; then
    # The synthdid package, a second implementation checked by the script, has its own pins.
    if [ ! -x "$VENVS/synth/bin/python" ]; then
      "$PY" -m venv "$VENVS/synth"
      "$VENVS/synth/bin/pip" install -q -r tests/reference/requirements-synthdid.txt
    fi
    echo "== $f"
    SYNTHDID_PYTHON="$VENVS/synth/bin/python" "$VENVS/ref/bin/python" "$f"
  else
    echo "== $f"
    "$VENVS/ref/bin/python" "$f"
  fi
done
echo "== changed:"
git status --short tests/reference tests/fixtures
