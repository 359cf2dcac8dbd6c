# Two commands from a fresh clone:  make demo   and   make test.
# Each does all set-up it needs: Debian packages, the .venv, the build, the demo data.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .stamps
BUILD := build/wheel

# C++ build dependencies from Debian (OpenCV, JSON, YAML, XML, tests, a virtual display).
APT_PACKAGES := build-essential cmake ninja-build pkg-config libopencv-dev libyaml-cpp-dev \
  libsimdjson-dev libpugixml-dev libgtest-dev xvfb xdotool
# What the build itself needs inside the venv (--no-build-isolation: CMake must see this torch).
BUILD_DEPS := torch==2.14.1 torchvision==0.29.1 numpy==2.4.6 pyyaml==6.0.3 pillow==13.0.0 \
  pybind11==3.1.0 scikit-build-core==1.1.2
SOURCES := $(shell find cpp python_modules cmake tests/cpp -type f -not -name "*.pyc" 2>/dev/null) \
  CMakeLists.txt pyproject.toml

.PHONY: demo test install deps venv data lint clean bench

demo: install data
	$(VENV)/bin/detection-studio evaluate configs/demo.yaml

test: install data lint
	$(PY) -m pytest -q tests
	ctest --test-dir $(BUILD) --output-on-failure

# COCO evaluation speed against the peers (installed here only: they are not test dependencies).
bench: install
	$(PY) -m pip install -q --disable-pip-version-check hotcoco==1.3.0 faster-coco-eval==1.8.0
	$(PY) bench/bench_coco_eval.py

lint: install
	$(VENV)/bin/ruff check python_modules tests datasets bench

deps: $(STAMPS)/deps
$(STAMPS)/deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:" $$missing; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "Missing Debian packages. Run:"; \
	    echo "  sudo apt-get install -y $$missing"; \
	    exit 1; \
	  fi; \
	fi
	@mkdir -p $(STAMPS) && touch $@

venv: $(STAMPS)/venv
$(STAMPS)/venv: | $(STAMPS)/deps
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check $(BUILD_DEPS)
	@mkdir -p $(STAMPS) && touch $@

install: $(STAMPS)/install
$(STAMPS)/install: $(STAMPS)/venv $(SOURCES)
	$(PY) -m pip install -q --disable-pip-version-check --no-build-isolation '.[test,models]'
	@touch $@

data: datasets/shapes/annotations/instances_val.json
datasets/shapes/annotations/instances_val.json: datasets/make_shapes.py | $(STAMPS)/venv
	$(PY) datasets/make_shapes.py --output datasets/shapes --splits val

clean:
	rm -rf build $(STAMPS) runs
