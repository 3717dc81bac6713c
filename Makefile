# Guichet: one Makefile for every habit. `make run` and `make test` set up everything they need.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
PROFILE ?= $(or $(GUICHET_MODEL_PROFILE),default)
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export RAGAS_DO_NOT_TRACK := true

.PHONY: run test install install-dev models lint format typecheck bench eval fuzz clean load-test

## run: install, fetch the models, ingest the demo corpus and serve on http://$(HOST):$(PORT)
##      For the authority's own website instead of the demo corpus, run once
##      `.venv/bin/guichet crawl https://www.example.fr --sitemap https://www.example.fr/sitemap.xml`
##      (robots.txt respected; see docs/crawling.md), and set GUICHET_CRAWL_SOURCES with
##      GUICHET_CRAWL_INTERVAL_HOURS for the service to keep it fresh.
run: install
	$(BIN)/guichet models pull --profile $(PROFILE)
	GUICHET_MODEL_PROFILE=$(PROFILE) $(BIN)/guichet ingest corpus
	GUICHET_MODEL_PROFILE=$(PROFILE) $(BIN)/guichet serve --host $(HOST) --port $(PORT)

## test: install (with dev tools, PostgreSQL and Chromium), fetch both model profiles, lint, type-check and run every test
test: install-dev
	deploy/install-test-packages.sh
	$(BIN)/guichet models pull --profile small
	$(BIN)/guichet models pull --profile default
	$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install:
	deploy/install.sh $(VENV)

install-dev:
	deploy/install.sh $(VENV) dev

models: install
	$(BIN)/guichet models pull --profile $(PROFILE)

## fuzz: a longer Schemathesis campaign on every route (>= 2,000 requests); prints its summary
fuzz: install-dev
	$(BIN)/python -m tests.security.fuzzing --examples 90

## lint: formatting, lint rules, types and the layers' import contracts
lint: install-dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: embedding chunks/s (chosen number format and float32), retrieval hit rate, answer
##        timings with prompt lookup on and off, energy per answer, and the load-test table
##        BENCH_CORPUS=DIR indexes a folder of sheets instead of all 530 (about an hour on 2 cores);
##        questions whose sheet is not in it are skipped and counted
BENCH_LIMIT ?= 8
LOAD_SECONDS ?= 60
BENCH_CORPUS ?=
bench: install-dev models
	$(BIN)/python -m benchmarks.embedding --profile $(PROFILE)
	$(BIN)/python -m benchmarks.retrieval --profile $(PROFILE) $(if $(BENCH_CORPUS),--corpus $(BENCH_CORPUS))
	$(BIN)/python -m benchmarks.answering --profile $(PROFILE) --limit $(BENCH_LIMIT) --prompt-lookup both
	$(BIN)/python -m benchmarks.energy --profile $(PROFILE)
	$(BIN)/python -m benchmarks.load --profile small --seconds $(LOAD_SECONDS)
	$(BIN)/python -m eval.redaction_benchmark

## load-test: 1, 5, 10, 20 residents against `guichet serve` on loopback (Locust, headless)
load-test: install-dev models
	$(BIN)/python -m benchmarks.load --profile $(PROFILE) --seconds $(LOAD_SECONDS)

## eval: answer-quality report of the golden set on the demo corpus (ragas with the local judge)
eval: install models
	$(BIN)/guichet eval --dataset eval/datasets/demo-golden.jsonl --corpus corpus --out eval-report/demo

## image: the CPU container image with buildah (BASE_IMAGE, MODEL_PROFILE=default|small|none, LLAMA_CPU_LEVEL=x86-64-v3|native, IMAGE)
image:
	IMAGE=$${IMAGE:-localhost/guichet:cpu} MODEL_PROFILE=$(PROFILE) deploy/image-test.sh --build-only

## image-test: debootstrap base, build the CPU image (small models), start it and get a chat answer (long: kept out of `make test`)
image-test:
	deploy/image-test.sh

## deploy-check: compose, Kubernetes (kubectl kustomize + schemas) and systemd files validated, no image, no cluster
deploy-check: install-dev
	$(BIN)/python -m pytest tests/deploy -m "not integration" $(PYTEST_ARGS)

.PHONY: image image-test deploy-check

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache test-output bench-output eval-report
