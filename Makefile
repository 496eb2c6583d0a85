# Two commands matter: `make run` and `make test`. Everything else is a step of theirs.
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-dev run test bench browser postgres lint clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

# Runtime dependencies only, exactly as locked; --inexact keeps test tools if present.
install: $(UV)
	$(UV) sync --locked --no-dev --inexact --python $(PYTHON)

install-dev: $(UV)
	$(UV) sync --locked --inexact --python $(PYTHON)

run: install
	$(VENV)/bin/layerlab serve --host $(HOST) --port $(PORT)

# Debian's Chromium for the browser tests; Playwright never downloads a browser here.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Debian's PostgreSQL server binaries: the tests start a throwaway server of their own with them
# (the `databases` marker), and never use a system cluster.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { \
		echo "Installing Debian's postgresql for the database tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

test: install-dev browser postgres
	$(PY) -m pytest

# `make bench` runs every benchmark; `make bench recovery` (any section names) only those.
BENCH_SECTIONS := $(filter-out bench,$(MAKECMDGOALS))
bench: install-dev
	$(PY) -m bench $(BENCH_SECTIONS)

ifeq (bench,$(firstword $(MAKECMDGOALS)))
ifneq ($(BENCH_SECTIONS),)
.PHONY: $(BENCH_SECTIONS)
$(BENCH_SECTIONS):
	@:
endif
endif

lint: install-dev
	$(VENV)/bin/ruff check app tests bench

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache
