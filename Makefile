# chart-img-kit: every target installs what it needs, so each works from a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PY := $(BIN)/python
export PATH := $(BIN):$(CURDIR)/node_modules/.bin:$(PATH)
export REDOCLY_TELEMETRY := off
export REDOCLY_SUPPRESS_UPDATE_NOTICE := true

VENV_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
GEN_OUT ?= generated/chart_img_api
COINALYZE_GEN_OUT ?= generated/coinalyze_api
BINANCE_FUTURES_GEN_OUT ?= generated/binance_futures_api
BINANCE_COIN_FUTURES_GEN_OUT ?= generated/binance_coin_futures_api
OKX_GEN_OUT ?= generated/okx_api
COINGECKO_GEN_OUT ?= generated/coingecko_api
SPECS := openapi.yaml upstream/coinalyze.yaml upstream/binance-futures.yaml \
	upstream/binance-coin-futures.yaml upstream/okx.yaml upstream/coingecko.yaml
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help setup generate lint lint-spec test demo serve

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(VENV_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV_STAMP) $(NODE_STAMP) ## Create .venv and node_modules with every tool

# $(call generate-client,SPEC,CONFIG,OUT): one typed client from one OpenAPI document, with a copy
# of the document inside the package as openapi.yaml.
define generate-client
	openapi-python-client generate --path $(1) --config $(2) \
		--output-path $(3) --meta none --overwrite --fail-on-warning
	rm -rf $(3)/.ruff_cache
	touch $(3)/py.typed
	cp $(1) $(3)/openapi.yaml
endef

.PHONY: generate-chart-img-api generate-coinalyze-api generate-binance-futures-api \
	generate-binance-coin-futures-api generate-okx-api generate-coingecko-api
generate: generate-chart-img-api generate-coinalyze-api generate-binance-futures-api \
	generate-binance-coin-futures-api generate-okx-api generate-coingecko-api ## Regenerate the typed clients in generated/ from openapi.yaml and upstream/

generate-chart-img-api: $(VENV_STAMP) ## Regenerate chart_img_api from openapi.yaml (into GEN_OUT)
	$(call generate-client,openapi.yaml,openapi-python-client.yaml,$(GEN_OUT))

generate-coinalyze-api: $(VENV_STAMP) ## Regenerate coinalyze_api from upstream/coinalyze.yaml (into COINALYZE_GEN_OUT)
	$(call generate-client,upstream/coinalyze.yaml,upstream/coinalyze.generator.yaml,$(COINALYZE_GEN_OUT))

generate-binance-futures-api: $(VENV_STAMP) ## Regenerate binance_futures_api from upstream/binance-futures.yaml (into BINANCE_FUTURES_GEN_OUT)
	$(call generate-client,upstream/binance-futures.yaml,upstream/binance-futures.generator.yaml,$(BINANCE_FUTURES_GEN_OUT))

generate-binance-coin-futures-api: $(VENV_STAMP) ## Regenerate binance_coin_futures_api from upstream/binance-coin-futures.yaml (into BINANCE_COIN_FUTURES_GEN_OUT)
	$(call generate-client,upstream/binance-coin-futures.yaml,upstream/binance-coin-futures.generator.yaml,$(BINANCE_COIN_FUTURES_GEN_OUT))

generate-okx-api: $(VENV_STAMP) ## Regenerate okx_api from upstream/okx.yaml (into OKX_GEN_OUT)
	$(call generate-client,upstream/okx.yaml,upstream/okx.generator.yaml,$(OKX_GEN_OUT))

generate-coingecko-api: $(VENV_STAMP) ## Regenerate coingecko_api from upstream/coingecko.yaml (into COINGECKO_GEN_OUT)
	$(call generate-client,upstream/coingecko.yaml,upstream/coingecko.generator.yaml,$(COINGECKO_GEN_OUT))

.PHONY: field-docs
field-docs: $(VENV_STAMP) ## Rewrite the chart fields' docs in overlays/chart_img/_params.py from openapi.yaml
	$(PY) -c "from chart_img._params import write_field_docs; write_field_docs()"
	ruff format overlays/chart_img/_params.py

lint: $(VENV_STAMP) ## ruff and mypy --strict on our code and the generated clients
	ruff check overlays server tests docs/hooks
	ruff format --check overlays server tests docs/hooks
	mypy overlays/chart_img server/chart_img_server tests docs/hooks
	mypy -p chart_img_api
	mypy -p coinalyze_api
	mypy -p binance_futures_api
	mypy -p binance_coin_futures_api
	mypy -p okx_api
	mypy -p coingecko_api

lint-spec: $(VENV_STAMP) $(NODE_STAMP) ## Judge openapi.yaml and upstream/*.yaml with openapi-spec-validator, Spectral and Redocly
	openapi-spec-validator $(SPECS)
	spectral lint --fail-severity=warn $(SPECS)
	redocly lint --format=stylish $(SPECS)

test: setup lint browser wrk fonts redis moto nginx ## Lint, then run the whole test suite (the visual suite too)
	$(PY) -m pytest --cov --cov-report=term

serve: $(VENV_STAMP) ## Run the reference server on $(HOST):$(PORT)
	$(PY) -m chart_img_server --host $(HOST) --port $(PORT)

# The demo needs only the package and its `server` extra (not the dev tools `make test` adds).
DEMO_STAMP := $(VENV)/.installed-server

$(DEMO_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[server]'
	touch $@

.PHONY: demo
demo: $(DEMO_STAMP) ## Start the reference server and capture the doc's example charts into out/
	$(BIN)/chart-img demo --out-dir out

# The wheel and sdist, checked as PyPI would check them: `pip install dist/*.whl` (see README).
DIST_DIR ?= dist

.PHONY: dist
dist: $(VENV_STAMP) ## Build the wheel and sdist into dist/ (DIST_DIR=) and check them with twine
	rm -rf $(DIST_DIR)
	$(PY) -m build --outdir $(DIST_DIR) .
	twine check --strict $(DIST_DIR)/*

# The docs site. swagger-ui-dist depends on scarf, whose install script would report usage.
export SCARF_ANALYTICS := false
DOCS_HOST ?= 127.0.0.1
DOCS_PORT ?= 8001

.PHONY: docs docs-serve browser
docs: $(VENV_STAMP) $(NODE_STAMP) ## Build the docs site into site/ (mkdocs build --strict)
	ruff check docs/hooks
	ruff format --check docs/hooks
	mypy docs/hooks
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict

docs-serve: $(VENV_STAMP) $(NODE_STAMP) ## Serve the docs on $(DOCS_HOST):$(DOCS_PORT), rebuilt on change
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs serve --dev-addr $(DOCS_HOST):$(DOCS_PORT)

browser: ## Install Debian's chromium for the docs' browser tests, when missing
	command -v chromium >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium)

.PHONY: fuzz
fuzz: $(VENV_STAMP) ## Schemathesis over HTTP (schemathesis.toml): URL=… KEY=… for any server, else a reference one
	@echo "fuzzing $(if $(URL),$(URL),a reference server started for the run)"
	@$(PY) tests/conformance/fuzz.py $(if $(URL),--url '$(URL)' --key '$(KEY)') -- $(FUZZ_OPTIONS)

.PHONY: fonts visual-update
# The chart falls back to these for characters its DejaVu Sans lacks (docs/guides/charts.md):
# Noto Sans CJK (Chinese, Japanese, Korean; 57 MB download) and Noto Color Emoji (10 MB).
FONT_PACKAGES := fonts-noto-cjk fonts-noto-color-emoji
fonts: ## Install Debian's CJK and emoji fonts the charts fall back to, when missing
	dpkg -s $(FONT_PACKAGES) >/dev/null 2>&1 || (apt-get update && apt-get install -y --no-install-recommends $(FONT_PACKAGES))

visual-update: $(VENV_STAMP) fonts ## Redraw the visual regression references in tests/visual/references (CASES="a b" for some)
	$(PY) -m tests.visual.update $(CASES)

.PHONY: bench wrk
bench: $(VENV_STAMP) $(NODE_STAMP) wrk redis moto ## Benchmarks against same-run baselines: table on stdout, reports/bench/latest.{json,md}
	$(PY) -m tests.bench $(BENCH_OPTIONS)

wrk: ## Install Debian's wrk load generator for the benchmarks, when missing
	command -v wrk >/dev/null || (apt-get update && apt-get install -y --no-install-recommends wrk)

.PHONY: redis
redis: ## Install Debian's redis-server for the several-process tests and benchmarks, when missing
	command -v redis-server >/dev/null || (apt-get update && apt-get install -y --no-install-recommends redis-server)

.PHONY: nginx
nginx: ## Install Debian's nginx for the reverse-proxy test (deploy/nginx.conf), when missing
	command -v nginx >/dev/null || test -x /usr/sbin/nginx || (apt-get update && apt-get install -y --no-install-recommends nginx-light)

# moto's S3 server for the S3 storage tests, in a venv of its own: moto needs botocore, which needs
# python-dateutil<3, and the project pins python-dateutil 4.
MOTO_STAMP := $(VENV)/moto/.installed
.PHONY: moto
moto: $(MOTO_STAMP) ## Install moto's S3-protocol server into .venv/moto for the S3 storage tests

$(MOTO_STAMP): tests/server/moto-requirements.txt
	$(PYTHON) -m venv $(VENV)/moto
	$(VENV)/moto/bin/python -m pip install --quiet -r $<
	touch $@
