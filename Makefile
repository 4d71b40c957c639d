# torchgrade: `make test` and `make grade` set everything up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
JOBS ?= 2

.PHONY: install data test test-public lint format grade samples build bench clean

$(INSTALLED): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(INSTALLED)

install: $(INSTALLED)

data: install
	$(PY) -m autograder.kit.datagen

# Every test: public tests on the solutions, the engine's tests (hidden suites on solutions,
# stubs and every mutant, sandbox, hostile corpus, reports, otter, notebooks, release).
test: data
	TORCHGRADE_IMPL=solutions $(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The main job: grade the bundled sample submissions (solutions, stubs, mutants, broken ones).
samples: data
	$(PY) -m autograder.authoring.samples build/samples

# Exit status 1 means "some submissions ended in an error": the samples include broken ones.
grade: samples
	$(VENV)/bin/torchgrade grade build/samples --out build/grades --jobs $(JOBS) || test $$? -eq 1

build: data
	$(VENV)/bin/torchgrade build --out dist

bench: data
	$(PY) benchmarks/grade_throughput.py

clean:
	rm -rf build dist data/generated .pytest_cache .ruff_cache
