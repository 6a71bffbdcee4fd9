# NETCO Commons — the commands a newcomer needs. `make demo` and `make test` install what they need.
PYTHON ?= python3.11
VENV ?= .venv
BIN = $(VENV)/bin
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/netco_test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# pytest-xdist workers; worker N uses Redis database (the one in TEST_REDIS_URL) + N.
TEST_WORKERS ?= 2
HOST ?= 127.0.0.1:8000

.PHONY: demo install install-dev messages test lint services lock audit mutation bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The app, with its translation catalogues compiled (Babel: no system gettext needed).
install: $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@out=$$($(BIN)/pybabel compile --domain django --directory locale --statistics 2>&1) || { echo "$$out"; exit 1; }; echo "$$out" | tail -n 1

# The browser tests' tools: Playwright (pip) drives Debian's Chromium (/usr/bin/chromium, never
# `playwright install`); axe-core comes from the npm registry, pinned in package-lock.json.
install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	npm ci --no-audit --no-fund --loglevel=error
	@out=$$($(BIN)/pybabel compile --domain django --directory locale --statistics 2>&1) || { echo "$$out"; exit 1; }; echo "$$out" | tail -n 1

# Try it out: SQLite, Celery eager, console e-mail. No server needed.
demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver $(HOST)

# The whole suite, on PostgreSQL and Redis (override TEST_DATABASE_URL / TEST_REDIS_URL), in
# TEST_WORKERS parallel processes, each with its own test database and Redis database.
test: install-dev
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/pytest --create-db -n $(TEST_WORKERS)

# Mutation testing of the pure calculation modules ([tool.mutmut] in pyproject.toml): mutmut
# changes them one small edit at a time in a copy of the tree (mutants/) and runs their tests on
# each; then tests/mutation_score.py prints the score and fails on a surviving mutant that
# tests/mutation_survivors.toml does not explain. Not part of `make test`: it takes a while.
MUTATION_WORKERS ?= 2
mutation: install-dev
	rm -rf mutants
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) HYPOTHESIS_PROFILE=mutation \
	  $(BIN)/mutmut run --max-children $(MUTATION_WORKERS)
	$(BIN)/python tests/mutation_score.py

# The load benchmark (README, Benchmark): over the data set of bench/generate, in its database
# (BENCH_DATABASE_URL), with wrk (apt-get install wrk). Writes bench/results/<date>.json and the
# README's table. Not part of `make test`: it takes about an hour (BENCH_OPTIONS to shorten it).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/netco_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/9
BENCH_OPTIONS ?=
bench: install
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) bench/run $(BENCH_OPTIONS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

# Re-extract the catalogues after changing user-facing strings (needs GNU gettext).
messages: install-dev
	for lang in en es ca fr de it nl sl hr nb ro hu el; do \
	  $(BIN)/python manage.py makemessages --locale $$lang --ignore '.venv/*' --ignore 'tests/*' --ignore 'node_modules/*' --ignore 'test-artifacts/*' --ignore 'mutants/*' --no-obsolete; \
	done

# The runtime dependencies as a fresh install resolves them, pinned in requirements.lock.
lock: $(BIN)/python
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv && .lock-venv/bin/pip install --quiet .
	{ sed -n '1,2p' requirements.lock; .lock-venv/bin/pip freeze --exclude-editable | grep -v '^netco'; } > requirements.lock.new
	mv requirements.lock.new requirements.lock && rm -rf .lock-venv

# Known vulnerabilities in the pinned dependencies (pip-audit, PyPI's advisory database). A
# dependency that could not be checked (the database unreachable) fails the target too.
audit: install-dev
	@$(BIN)/pip-audit --requirement requirements.lock --no-deps --disable-pip --strict \
	  --progress-spinner off \
	  || { echo "audit NOT passed: a vulnerability was found, or the advisory database could not be reached"; exit 1; }
