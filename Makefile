# The two Quick start commands are `make run` and `make test`; both install what they need.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml client/python/pyproject.toml | cksum | cut -d' ' -f1)
# The TypeScript compiler and test dependencies of the generated client's suite (tests/ts).
NODE_STAMP := tests/ts/node_modules/.package-lock.json

.PHONY: run test fuzz lint typecheck bench install clean enhance screenshots

$(STAMP): pyproject.toml client/python/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]" -e client/python
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

$(NODE_STAMP): tests/ts/package-lock.json
	@if command -v npm >/dev/null; then npm ci --prefix tests/ts --no-audit --no-fund; \
	else echo "npm not found: the TypeScript client tests will be skipped (CI fails them)"; fi

install: $(STAMP) $(NODE_STAMP)

## Serve the demo app on http://127.0.0.1:8000 (SQLite file, in-memory stores).
run: $(STAMP)
	$(BIN)/authstage run

## The whole suite: lint, types, generated-file drift, then every test.
test: $(STAMP) $(NODE_STAMP)
	bash scripts/test

## Rebuild the browser script (authstage/static/enhance.js) from authstage/browser/*.ts; the
## file is checked in, so `make run` needs no Node.js, and tests/ts fails when it is stale.
enhance: $(NODE_STAMP)
	bash scripts/build-enhance

## Retake the README's screenshots (docs/screenshots/) with the browser tour (needs chromium).
screenshots: $(STAMP)
	bash scripts/screenshots

## The fuzz suite (tests/fuzz) with many more cases than `make test` runs.
fuzz: $(STAMP)
	FUZZ_PROFILE=long $(BIN)/pytest tests/fuzz -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

## Every benchmark side by side on this machine (about 30 minutes; needs wrk, PostgreSQL,
## Node.js for the Next.js peer), then docs/benchmarks.md and its plots from bench/results/.
bench: $(STAMP)
	$(BIN)/pip install --quiet -e ".[bench]"
	$(BIN)/python -m bench.run --no-docs
	$(BIN)/python -m bench.growth
	$(BIN)/python -m bench.serverchoice
	$(BIN)/python -m bench.startup --json
	$(BIN)/python -m bench.report

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
