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

.PHONY: demo test test-quick lint constraints setup sysdeps clean

$(STAMP): pyproject.toml constraints.txt scripts/setup.sh
	VENV=$(VENV) UNPINNED=$(UNPINNED) bash scripts/setup.sh
	touch $(STAMP)

ifeq ($(UNPINNED),1)
.PHONY: $(STAMP)
endif

setup: $(STAMP)

# Debian packages the tests use: bubblewrap isolates sandboxed programs, chromium is the browser the
# web app's tests drive. Installed when we may (root with apt-get); otherwise the tests that need one
# skip, and this says so with the command that enables them.
SYSPKGS := bwrap:bubblewrap chromium:chromium
sysdeps:
	@missing=""; for pair in $(SYSPKGS); do command -v $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "make: not installed:$$missing; the tests that need them will be skipped (as root: apt-get install$$missing)"; \
	  fi; \
	fi

demo: $(STAMP)
	$(VENV)/bin/codeling demo

test: $(STAMP) sysdeps
	$(PY) -m pytest tests

# The quick loop while working: every test but the few marked slow (pyproject.toml lists the marker).
test-quick: $(STAMP)
	$(PY) -m pytest tests -m "not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

# Record the versions installed now (run it after `make test` passed, e.g. with UNPINNED=1).
constraints: $(STAMP)
	$(PY) scripts/constraints.py > constraints.txt

clean:
	rm -rf $(VENV) runs .pytest_cache
