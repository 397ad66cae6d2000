# The two commands: `make run` (demo site, embedded) and `make test` (the suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed-requirements

.PHONY: run test lint venv messages migrate demo clean faults load load-deps

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

venv: $(STAMP)

# Compiled translation catalogues (.mo) are built here, never committed.
messages: venv
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=var -v 0

migrate: messages
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py run_job plan_reminders

# Web server, Celery worker and beat together (honcho, see Procfile), on SQLite and
# the file-system broker under var/ unless DATABASE_URL / REDIS_URL say otherwise.
run: demo
	@echo
	@echo "Open http://127.0.0.1:$(PORT)/admin/ and log in with one of the demo logins above."
	@echo "Reminders leave through the demo gateways into var/outbox/ (and Contacts › Outbound messages)."
	@echo "Supervisors, the reviewer and the admin also type a two-factor code: demo secret above, or"
	@echo "  $(BIN)/python manage.py demo_totp   (prints their current codes)"
	@echo
	PORT=$(PORT) DEBUG=$${DEBUG:-true} $(BIN)/honcho start -f Procfile

# The suite in TEST_WORKERS parallel processes (pytest-xdist); TEST_WORKERS=0: one process.
TEST_WORKERS ?= 2
test: messages
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

# The load test (bench/README.md "Load"): a fresh PostgreSQL database LOAD_DATABASE (bench*)
# with a book of LOAD_CASES cases, gunicorn + Celery worker + beat on Redis, LOAD_USERS simulated
# staff and API clients for LOAD_SECONDS with audit sealing on, then as long with it off.
LOAD_USERS    ?= 50
LOAD_SECONDS  ?= 300
LOAD_CASES    ?= 20000
LOAD_DATABASE ?= bench_load
LOAD_STAMP    := $(VENV)/.installed-requirements-load

$(LOAD_STAMP): requirements-load.txt $(STAMP)
	$(BIN)/pip install --quiet -r requirements-load.txt
	touch $(LOAD_STAMP)

# gunicorn and locust alone (CI installs them before the PostgreSQL pass, whose
# tests/bench/test_load.py runs the harness briefly).
load-deps: $(LOAD_STAMP)

load: messages $(LOAD_STAMP)
	$(BIN)/python -m bench.load.run --users $(LOAD_USERS) --seconds $(LOAD_SECONDS) --cases $(LOAD_CASES) \
	  --database $(LOAD_DATABASE)

# ruff (pyproject.toml) and the import-layering check: apps depend on each other one way.
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python tools/check_layers.py
	$(BIN)/python tools/check_module_sizes.py

# The fault scripts (bench/README.md "Faults"): worker SIGKILLed, Redis stopped, PostgreSQL
# restarted, each on private servers of its own; FAULTS="kill" (or redis, pg) runs one.
faults: messages
	$(BIN)/python -m bench.faults $(FAULTS)

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
