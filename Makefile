# swreg — two commands: `make run` (the whole service locally, with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DDB_TOOLS := tools/dynamodb-local
WEB := web

.PHONY: install system-packages run test test-fast deploy-rehearsal wiring lint clean

install: $(VENV)/.installed $(DDB_TOOLS)/node_modules/.installed $(WEB)/node_modules/.installed

# Java for DynamoDB Local, Chromium and CJK fonts for the browser tests: apt-get when missing (as root).
system-packages:
	tools/system-packages.sh

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(DDB_TOOLS)/node_modules/.installed: $(DDB_TOOLS)/package.json $(DDB_TOOLS)/package-lock.json
	cd $(DDB_TOOLS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(WEB)/node_modules/.installed: $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: install
	$(PY) -m devstack.run

test: install system-packages
	$(PY) -m pytest

# The prod deploy (infra stack, swreg deploy package, chalice deploy, swreg deploy finish, redeploy, checks,
# chalice delete) against moto on loopback; `make test` runs it too (tests/deploy/test_deploy_rehearsal.py).
deploy-rehearsal: install
	$(PY) -m devstack.rehearsal

# After adding or changing a route or a job: app.py wires from this generated table (a test checks it).
wiring: install
	$(PY) -m chalicelib.handlers.declared

test-fast: install system-packages
	$(PY) -m pytest -m "not packaging"

clean:
	rm -rf .local
