# The two commands a newcomer needs: `make demo` and `make test`. Both do their own set-up.
# Set-up installs the versions in constraints.txt. `UNPINNED=1 make test` tries the newest releases
# instead, in a venv of its own (.venv-unpinned) that is upgraded on every run.
ifeq ($(UNPINNED),1)
VENV ?= .venv-unpinned
else
VENV ?= .venv
endif
PY := $(VENV)/bin/python
STAMP := $(VENV)/.codeling-installed

.PHONY: demo test lint constraints setup sysdeps clean

$(STAMP): pyproject.toml constraints.txt scripts/setup.sh
	VENV=$(VENV) UNPINNED=$(UNPINNED) bash scripts/setup.sh
	touch $(STAMP)

ifeq ($(UNPINNED),1)
.PHONY: $(STAMP)
endif

setup: $(STAMP)

# bubblewrap isolates sandboxed programs; installed when we may (root with apt), skipped otherwise.
sysdeps:
	@command -v bwrap >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null) || \
	  echo "make: bubblewrap not installed; sandbox tests that need it will be skipped"; }

demo: $(STAMP)
	$(VENV)/bin/codeling demo

test: $(STAMP) sysdeps
	$(PY) -m pytest tests

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

# Record the versions installed now (run it after `make test` passed, e.g. with UNPINNED=1).
constraints: $(STAMP)
	$(PY) scripts/constraints.py > constraints.txt

clean:
	rm -rf $(VENV) runs .pytest_cache
