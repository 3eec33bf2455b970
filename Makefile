# The two set-up commands of the README. Each creates .venv when missing, installs the CPU
# build of torch first (a bare `torch` requirement would pull a multi-GB CUDA build), then
# literate against it, then the Debian packages; a quick no-op when all is there.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.literate-installed
TORCH  := torch==2.13.0

.PHONY: demo test mutate planted lint format system-deps data-deps clean

demo: $(STAMP) system-deps
	$(BIN)/literate demo

test: $(STAMP) system-deps
	$(BIN)/python -m pytest

# Mutation testing of the pure modules, one at a time (docs/testing.md): writes
# benchmarks/results/mutation.json. MODULES=src/literate/io.py runs some of them.
mutate: $(STAMP) system-deps
	$(BIN)/python scripts/mutate.py $(MODULES)

# The bugs of issue 27, each planted in a copy of src/ and caught by its module's tests.
planted: $(STAMP) system-deps
	$(BIN)/python scripts/planted_bugs.py

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --disable-pip-version-check $(TORCH)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

system-deps:
	@bash scripts/install-system-deps.sh

# Real documents for `literate data real-pages` (Debian documentation packages, groff).
data-deps: system-deps
	@bash scripts/install-system-deps.sh data

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mutation
