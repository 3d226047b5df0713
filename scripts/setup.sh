#!/usr/bin/env bash
# Creates .venv and installs codeling into it. Called by `make`; safe to run again.
#
# torch: a torch that the venv can already import is kept (set CODELING_SYSTEM_SITE=1 to build the
# venv on top of the system's packages and so reuse a torch installed there, CUDA builds included).
# Otherwise we install TORCH_SPEC, by default the CPU build torch==2.13.0, so a machine without
# CUDA never downloads GBs of CUDA wheels. On a CUDA machine set TORCH_SPEC="torch>=2.4" (and
# TORCH_INDEX if your site needs a particular wheel index).
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
"${PIP[@]}" install -e ".[${EXTRAS}]"
