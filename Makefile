# Two commands from a fresh clone:  make demo   and   make test.
# Each does all set-up it needs: Debian packages, the .venv, the build, the demo data.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .stamps
BUILD := build/wheel

# C++ build dependencies from Debian (OpenCV, JSON, YAML, XML, tests, a virtual display), and
# GStreamer's base plugins (videotestsrc, videoconvert, appsink: the tests' stand-in camera), and
# strace (tests check what one child process opened, e.g. that it never started Python).
APT_PACKAGES := build-essential cmake ninja-build pkg-config libopencv-dev libyaml-cpp-dev \
  libsimdjson-dev libpugixml-dev libgtest-dev qtbase5-dev xvfb xdotool gstreamer1.0-plugins-base chromium \
  libgstreamer1.0-dev \
  strace
# What the build itself needs inside the venv (--no-build-isolation: CMake must see this torch).
BUILD_DEPS := torch==2.14.1 torchvision==0.29.1 numpy==2.4.6 pyyaml==6.0.3 pillow==13.0.0 \
  pybind11==3.1.0 scikit-build-core==1.1.2
SOURCES := $(shell find cpp python_modules cmake tests/cpp -type f -not -name "*.pyc" 2>/dev/null) \
  CMakeLists.txt pyproject.toml

# Sanitizer builds (tests/fuzz/CMakeLists.txt), each in its own folder, none needing the venv.
FUZZ_TARGETS := coco_instances coco_results coco_masks lvis voc_xml cvat_xml yolo_text openimages_csv labelme_json \
  openimages_labels openimages_hierarchy \
  yaml_config image_header mot cvat_video mot_results journal saved_detections
FUZZ_SECONDS ?= 20
FUZZ_APT_PACKAGES := clang-16 libfuzzer-16-dev libclang-rt-16-dev
FUZZ_BUILD := build/fuzz
REPLAY_BUILD := build/fuzz-replay
ASAN_BUILD := build/asan

.PHONY: demo test install deps venv data lint clean bench fuzz fuzz-replay asan

demo: install data
	$(VENV)/bin/detection-studio evaluate configs/demo.yaml

# pytest on TEST_WORKERS processes, a test file per worker at a time (a file's module fixtures
# are built once): most tests wait on a child process or one Python thread, so two workers
# keep both cores busy.
TEST_WORKERS ?= 2
test: install data lint
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile --durations=25 tests
	ctest --test-dir $(BUILD) --output-on-failure
	$(MAKE) --no-print-directory fuzz-replay

# Every fuzz corpus file and past crash (tests/fuzz/crashes) once, under ASan+UBSan (GCC).
fuzz-replay: $(STAMPS)/deps
	cmake -S tests/fuzz -B $(REPLAY_BUILD) -G Ninja -DDS_FUZZ_ENGINE=replay >/dev/null
	cmake --build $(REPLAY_BUILD)
	ctest --test-dir $(REPLAY_BUILD) --output-on-failure

# The C++ unit tests (core) and the fuzz replays under ASan+UBSan.
asan: $(STAMPS)/deps
	cmake -S tests/fuzz -B $(ASAN_BUILD) -G Ninja -DDS_FUZZ_ENGINE=replay -DDS_SANITIZE_UNIT_TESTS=ON >/dev/null
	cmake --build $(ASAN_BUILD)
	ctest --test-dir $(ASAN_BUILD) --output-on-failure

# Coverage-guided fuzzing with libFuzzer (clang 16), FUZZ_SECONDS per target. New inputs go to
# build/fuzz/corpus/<target>; a crash is written to build/fuzz/crashes/<target>/ and fails the
# run: fix it, then commit the input under tests/fuzz/crashes/<target>/ (make test replays it).
fuzz: $(STAMPS)/deps $(STAMPS)/fuzz-deps
	CXX=clang++-16 cmake -S tests/fuzz -B $(FUZZ_BUILD) -G Ninja -DDS_FUZZ_ENGINE=libfuzzer >/dev/null
	cmake --build $(FUZZ_BUILD)
	@failed=; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/crashes/$$t; \
	  echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
	  $(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/crashes/$$t/ $(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t \
	    $$([ -d tests/fuzz/crashes/$$t ] && echo tests/fuzz/crashes/$$t) \
	    2> $(FUZZ_BUILD)/$$t.log || failed="$$failed $$t"; \
	  grep -E "stat::number_of_executed_units|^SUMMARY" $(FUZZ_BUILD)/$$t.log || true; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: crashes in:$$failed (see $(FUZZ_BUILD)/<target>.log)"; exit 1; fi

$(STAMPS)/fuzz-deps:
	@missing=$$(for p in $(FUZZ_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "Missing Debian packages. Run:"; echo "  sudo apt-get install -y $$missing"; exit 1; \
	  fi; \
	fi
	@mkdir -p $(STAMPS) && touch $@

# COCO evaluation speed against the peers (installed here only: they are not test dependencies).
bench: install
	$(PY) -m pip install -q --disable-pip-version-check hotcoco==1.3.0 faster-coco-eval==1.8.0 ultrafast-pycocotools==0.1.14
	$(PY) bench/bench_coco_eval.py
	$(PY) bench/bench_coco_eval.py --iou-type segm
	$(PY) bench/bench_coco_eval.py --iou-type keypoints
	$(PY) bench/bench_coco_eval.py --iou-type boundary --slow-rounds 3
	$(PY) bench/bench_lvis.py
	$(PY) -m pip install -q --disable-pip-version-check trackeval==1.3.0 motrics==0.3.0
	$(PY) bench/bench_tracking.py
	$(PY) bench/bench_openimages.py

lint: install
	$(VENV)/bin/ruff check python_modules tests datasets bench

deps: $(STAMPS)/deps
# Re-checked when this file changes (a package added here reaches machines set up before).
$(STAMPS)/deps: Makefile
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
	$(PY) -m pip install -q --disable-pip-version-check --no-build-isolation '.[test,models,cluster]'
	# facenet-pytorch (mtcnn_detect) pins torch 2.2 and numpy < 2; its MTCNN runs on ours.
	$(PY) -m pip install -q --disable-pip-version-check --no-deps facenet-pytorch==2.6.0
	# lvis-api, the LVIS metric's oracle (tests/test_lvis.py): it declares opencv-python and
	# matplotlib (for its drawing), which would clash with opencv-python-headless; its evaluation
	# needs only numpy and pycocotools.
	$(PY) -m pip install -q --disable-pip-version-check --no-deps lvis==0.5.3
	@touch $@

data: datasets/shapes/annotations/instances_val.json datasets/faces/annotations/instances.json \
  datasets/clip/clip.mp4
# a short video of moving shapes with ground-truth tracks (README "Video, cameras and streams")
datasets/clip/clip.mp4: datasets/make_clip.py datasets/make_shapes.py | $(STAMPS)/install
	$(PY) datasets/make_clip.py --output datasets/clip
datasets/faces/annotations/instances.json: datasets/make_faces.py | $(STAMPS)/install
	$(PY) datasets/make_faces.py --output datasets/faces
datasets/shapes/annotations/instances_val.json: datasets/make_shapes.py | $(STAMPS)/venv
	$(PY) datasets/make_shapes.py --output datasets/shapes --splits val

clean:
	rm -rf build $(STAMPS) runs
