# The two quickstart commands are `make demo` and `make test`; both install what they need first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
OFFLINE := tools/offline
# torch and torchaudio are pinned as a pair (see README "Installing"): other pairs fail to import torchaudio.
TORCH_PINS := torch==2.14.1 torchaudio==2.11.0

.PHONY: demo test test-unit lint install install-test system-deps bench bench-scale clean

$(BIN)/.stamp-install: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q $(TORCH_PINS)
	$(BIN)/pip install -q -e .
	touch $@

$(BIN)/.stamp-test: $(BIN)/.stamp-install pyproject.toml
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(BIN)/.stamp-install
install-test: $(BIN)/.stamp-test system-deps

# sox / espeak-ng / ffmpeg are test references and HF's audio decoder backend; iproute2 gives `ip` for the
# loopback-only namespace. Installed only when missing and when we can (root).
system-deps:
	@missing=""; for t in sox:sox espeak-ng:espeak-ng ffmpeg:ffmpeg ip:iproute2; do \
	  command -v $${t%%:*} >/dev/null 2>&1 || missing="$$missing $${t#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "please install:$$missing (some tests skip without them)"; fi; fi

demo: install
	rm -rf out/demo
	$(OFFLINE) $(BIN)/audioflan-ray build
	$(BIN)/audioflan-ray validate out/demo | tail -n 1
	$(BIN)/audioflan-ray stats out/demo --plot out/demo/stats.png

test: install-test
	$(OFFLINE) $(BIN)/python -m pytest -q -ra tests

test-unit: install-test
	$(BIN)/python -m pytest -q -ra tests/unit

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install-test
	$(BIN)/pip install -q -r bench/requirements.txt
	$(OFFLINE) $(BIN)/python bench/throughput.py
	$(OFFLINE) $(BIN)/python bench/s3_listing.py

# Where time and memory go as corpora grow (long: whole builds of 10k and 100k recordings, plan + commit of 1M).
bench-scale: install-test
	$(BIN)/pip install -q -r bench/requirements.txt
	$(OFFLINE) $(BIN)/python bench/scale.py

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
