# The two commands a newcomer needs: `make demo` and `make test`. Both do their own set-up.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.codeling-installed

.PHONY: demo test setup sysdeps clean

$(STAMP): pyproject.toml scripts/setup.sh
	bash scripts/setup.sh
	touch $(STAMP)

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

clean:
	rm -rf $(VENV) runs .pytest_cache
