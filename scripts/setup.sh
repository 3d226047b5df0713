#!/usr/bin/env bash
# Creates .venv and installs codeling into it. Called by `make`; safe to run again.
#
# torch: a torch that the venv can already import is kept (set CODELING_SYSTEM_SITE=1 to build the
# venv on top of the system's packages and so reuse a torch installed there, CUDA builds included).
# Otherwise we install TORCH_SPEC, by default the CPU build torch==2.13.0, so a machine without
# CUDA never downloads GBs of CUDA wheels. On a CUDA machine set TORCH_SPEC="torch>=2.4" (and
# TORCH_INDEX if your site needs a particular wheel index).
#
# Everything else is installed at the exact versions in constraints.txt (what CI tests), so a fresh
# machine gets no version a test run has not seen. UNPINNED=1 instead upgrades every package to its
# newest release (torch excepted), to try what users installing from the ranges in pyproject.toml get;
# `make constraints` then records a set that passed.
set -euo pipefail
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
EXTRAS=${EXTRAS:-dev}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}

if [ ! -x "$VENV/bin/python" ]; then
  if [ "${CODELING_SYSTEM_SITE:-0}" = 1 ]; then
    "$PYTHON" -m venv --system-site-packages "$VENV"
  else
    "$PYTHON" -m venv "$VENV"
  fi
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)

if "$VENV/bin/python" -c "import torch" 2>/dev/null; then
  echo "setup: keeping the installed torch $("$VENV/bin/python" -c 'import torch; print(torch.__version__)')"
else
  echo "setup: installing $TORCH_SPEC"
  if [ -n "${TORCH_INDEX:-}" ]; then
    "${PIP[@]}" install "$TORCH_SPEC" --index-url "$TORCH_INDEX"
  else
    "${PIP[@]}" install "$TORCH_SPEC"
  fi
fi
if [ "${UNPINNED:-0}" = 1 ]; then
  echo "setup: UNPINNED=1, installing the newest releases (constraints.txt not used)"
  # Hold torch where it is: an eager upgrade would otherwise replace the CPU build with a CUDA one.
  held=$(mktemp)
  trap 'rm -f "$held"' EXIT
  "$VENV/bin/python" -c 'import torch; print("torch==" + torch.__version__)' > "$held"
  "${PIP[@]}" install --upgrade --upgrade-strategy eager -c "$held" -e ".[${EXTRAS}]"
elif ! "${PIP[@]}" install -c constraints.txt -e ".[${EXTRAS}]"; then
  echo "setup: the versions pinned in constraints.txt could not be installed here (another Python version?);" \
       "UNPINNED=1 make ... installs the newest releases instead." >&2
  exit 1
fi
