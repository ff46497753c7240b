# kneechain: two entry points for a fresh machine.
#   make demo   set up .venv, run the main journey on embedded defaults, then serve the web
#               app on demo records (a clinician, two clients) until Ctrl-C
#   make test   set up .venv and run the whole test suite (fast, then slow)
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# BlazePose lite/heavy models from the pinned npm package @mediapipe/pose (hash-checked), fetched
# at set-up only; see kneechain/vision/backends/model_files.py. A failure is reported, not fatal:
# the litert-lite/-heavy backends then say which command provides the files.
POSE_MODELS := .cache/models/mediapipe-pose-0.5.1675469404/.fetched
# The browser's copy of the same package for live coaching (kneechain/web/coach_assets.py).
COACH_ASSETS := .cache/models/mediapipe-pose-0.5.1675469404/web/.fetched

.PHONY: demo test test-fast test-slow lint venv bench bench-runtime clean system-deps-test pose-models

venv: $(STAMP) $(POSE_MODELS) $(COACH_ASSETS)

pose-models: $(POSE_MODELS)

$(POSE_MODELS): $(STAMP) kneechain/vision/backends/model_files.py
	command -v npm >/dev/null 2>&1 || scripts/system-deps.sh models
	$(BIN)/python -m kneechain.vision.backends.model_files && touch $(POSE_MODELS) || true

$(COACH_ASSETS): $(STAMP) kneechain/web/coach_assets.py
	command -v npm >/dev/null 2>&1 || scripts/system-deps.sh models
	$(BIN)/python -m kneechain.web.coach_assets && touch $(COACH_ASSETS) || true

$(STAMP): pyproject.toml scripts/vendor-htmx.sh
	scripts/system-deps.sh runtime
	command -v npm >/dev/null 2>&1 || scripts/system-deps.sh models
	scripts/vendor-htmx.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kneechain demo
	$(BIN)/kneechain serve --demo

LINT_PATHS := $(wildcard kneechain tests bench)

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

system-deps-test:
	scripts/system-deps.sh test

# Storage tests also run against a throw-away PostgreSQL server on loopback (skipped, with the
# reason printed, where none can be started).
PG := scripts/pg_test_server.sh run --

# The default suite must collect tests: pytest's exit code 5 ("no tests collected") is a failure there.
test-fast: $(STAMP) $(POSE_MODELS) $(COACH_ASSETS) system-deps-test
	$(PG) $(BIN)/python -m pytest -m "not slow" -q

# The slow suite may legitimately be empty on a given checkout; exit code 5 is accepted only here.
test-slow: $(STAMP) $(POSE_MODELS) $(COACH_ASSETS) system-deps-test
	$(PG) $(BIN)/python -m pytest -m slow -q; rc=$$?; if [ $$rc -eq 5 ]; then echo "no slow tests collected"; exit 0; fi; exit $$rc

test: lint test-fast test-slow

bench: $(STAMP) $(POSE_MODELS)
	$(BIN)/python bench/pose_throughput.py

# our LiteRT pose runtime against the MediaPipe graph: time per frame and accuracy
bench-runtime: $(STAMP) $(POSE_MODELS)
	$(BIN)/python bench/pose_runtime.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis
