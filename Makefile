# Kontaktpflege — `make run` serves the app with demo data, `make test` runs the whole suite.
PYTHON ?= python3.11
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
KP := $(VENV)/bin/kontaktpflege
PG_URL ?= postgres://postgres@127.0.0.1:5432/kontaktpflege
export DJANGO_SETTINGS_MODULE := config.settings

.PHONY: setup run test test-sqlite test-postgres bench loadtest lint messages clean

$(UV):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv>=0.5,<1"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	UV_PYTHON=$(PYTHON) $(UV) sync --frozen --compile-bytecode --quiet
	@touch $@

static/vendor/.done: package-lock.json scripts/fetch_static.py
	$(PY) scripts/fetch_static.py
	@touch $@

setup: $(VENV)/.synced static/vendor/.done
	@mkdir -p var
	$(PY) scripts/i18n.py compile

run: setup
	$(PY) manage.py migrate --noinput -v 0
	$(KP) demo --if-empty --scale S
	$(KP) serve --host 127.0.0.1 --port 8000

test: setup
	@$(MAKE) --no-print-directory test-sqlite
	@if $(PY) scripts/pg_available.py "$(PG_URL)"; then \
		$(MAKE) --no-print-directory test-postgres || exit 1; \
		echo "make test: ran the suite on SQLite and on PostgreSQL"; \
	elif [ -n "$(REQUIRE_PG)" ]; then \
		echo "make test: PostgreSQL is required but not reachable at $(PG_URL)"; exit 1; \
	else \
		echo "make test: ran the suite on SQLite only (no PostgreSQL reachable at $(PG_URL))"; \
	fi

test-sqlite: setup
	@echo "== test suite on SQLite =="
	$(PY) -m pytest -n 2 -q $(PYTEST_ARGS)

test-postgres: setup
	@echo "== test suite on PostgreSQL =="
	KP_DATABASE_URL=$(PG_URL) $(PY) -m pytest -n 2 -q -m "not browser" $(PYTEST_ARGS)

bench: setup
	$(PY) manage.py migrate --noinput -v 0
	$(KP) bench $(if $(SCALE),--scale $(SCALE),) $(BENCH_ARGS)

# locust against 4 web processes on PostgreSQL (PG_URL, or KP_DATABASE_URL when set).
loadtest: setup
	KP_DATABASE_URL=$${KP_DATABASE_URL:-$(PG_URL)} $(KP) loadtest $(LOADTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy kontaktpflege config
	$(PY) manage.py makemigrations --check --dry-run

messages: setup
	$(PY) scripts/i18n.py missing

clean:
	rm -rf $(VENV) $(TOOLS) static/vendor var
