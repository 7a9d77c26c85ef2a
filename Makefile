# pelab: two commands do everything.
#
#   make run    set up, then the main job: the three experiments' quick
#               protocols on the default backend into out/, the notebooks in
#               quick mode, and a report
#   make test   set up, then go vet and every test, on the pure Go backend and
#               again on ONNX Runtime, and the tutorial notebook in headless
#               Chromium
#
# Other targets: setup, build (bin/pelab), notebook (Jupyter on notebooks/),
# browser-check (every notebook run in headless Chromium through `make
# notebook`; screenshots in out/browser/), browser-setup (Chromium),
# xla-install (downloads XLA PJRT plugins; needs internet; never run by the
# other targets), gpu-bench (builds the GPU binaries and prints the command
# for a GPU machine), bench-compare (pelab bench against PyTorch here),
# report DIR=… (aggregate a results directory), render-notebooks (the
# notebooks run in full mode into docs/notebooks, for readers; NOTEBOOKS=…
# for some), sweep-demo, fuzz (every fuzz
# test for FUZZTIME each; make test runs 10000 inputs each), soak (resident memory
# over long runs of each experiment's quick model), clean.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO ?= go
GOBIN_DIR := $(or $(shell $(GO) env GOBIN),$(shell $(GO) env GOPATH)/bin)
export PATH := $(GOBIN_DIR):$(PATH)

# ONNX Runtime's library as scripts/setup.sh installs it. Tested at recipe
# time (after setup has run), so a fresh clone gets -tags onnx on its first
# `make test` or `make run`.
ONNX_LIB_GLOB := .tools/onnxruntime/*/libonnxruntime.so.1
have_onnx = compgen -G '$(ONNX_LIB_GLOB)' >/dev/null

# Packages whose tests run again on ONNX Runtime (built with -tags onnx,
# PELAB_BACKEND=onnx). Extend with the packages that run models.
ONNX_TEST_PKGS ?= ./xla/ ./cmd/pelab/ ./pelib/model/ ./pelib/train/ ./pelib/lst/ ./pelib/netsim/ ./pelib/fmri/
# Packages tested without the test cache: the notebook tests run programs
# whose inputs (the .ipynb files, the packages a notebook imports) go test
# does not track.
UNCACHED_TEST_PKGS ?= ./notebooks/
GO_TEST_FLAGS ?= -timeout 20m
# The notebook tests execute all five notebooks (each trains its live models
# and runs the analyses, PE interventions included): 5–6 min on a quiet
# 2-core machine, more under load, so their own limit is wider.
NOTEBOOK_TEST_FLAGS ?= -timeout 40m

# The notebooks `make run` executes, and where their executed copies go.
RUN_NOTEBOOKS ?= $(sort $(wildcard notebooks/*.ipynb))
OUT ?= out

# Flags for `make notebook`; Jupyter refuses to run as root without
# --allow-root. The Dockerfile starts the server itself, on 0.0.0.0.
NOTEBOOK_FLAGS ?= --no-browser $(if $(filter 0,$(shell id -u)),--allow-root)
# The folder `make notebook` serves, and the PATH Jupyter and its kernels run
# with (the browser check passes one without gopls, as scripts/nbexec.sh does).
NOTEBOOK_DIR ?= notebooks
NOTEBOOK_PATH ?= $(PATH)

# The notebooks `make browser-check` opens in headless Chromium; `make test`
# checks the tutorial only.
BROWSER_NOTEBOOKS ?= $(RUN_NOTEBOOKS)
BROWSER_TEST_NOTEBOOKS ?= notebooks/00_tutorial.ipynb

.PHONY: help setup build run test render-notebooks test-go test-onnx soak notebook browser-setup browser-check xla-install gpu-bench bench-compare report sweep-demo clean

help:
	@sed -n '3,20p' Makefile | sed 's/^# \{0,1\}//'

setup:
	scripts/setup.sh

build: setup
	@mkdir -p bin
	@if $(have_onnx); then tags=onnx; else tags=; fi; \
	echo "go build -tags=$$tags -o bin/pelab ./cmd/pelab"; \
	$(GO) build -tags="$$tags" -o bin/pelab ./cmd/pelab

# The main job: each experiment's quick protocol (results stores under
# $(OUT)/<experiment>-quick, resumable: a second `make run` skips what is
# done), then the notebooks in quick mode.
run: build
	@mkdir -p $(OUT)
	bin/pelab env | tee $(OUT)/env.txt
	bin/pelab lst -protocol quick -out $(OUT)/lst-quick
	bin/pelab netsim -protocol quick -out $(OUT)/netsim-quick
	bin/pelab fmri -protocol quick -out $(OUT)/fmri-quick
	for d in $(OUT)/lst-quick $(OUT)/netsim-quick $(OUT)/fmri-quick; do bin/pelab report $$d; done
	PELAB_QUICK=1 PELAB_NOTEBOOK_OUT=$(OUT)/notebooks scripts/nbexec.sh $(OUT)/notebooks $(RUN_NOTEBOOKS)
	@echo "make run: results and report.md/report.html in $(OUT)/*-quick, executed notebooks in $(OUT)/notebooks/"

# Aggregate one results directory: make report DIR=out/lst-quick
report: build
	bin/pelab report $(DIR)

# 3 shards, one killed with -9 and resumed, give the same report as one run.
sweep-demo: build
	deploy/demo-shards.sh bin/pelab deploy/specs/lst-demo.toml $(OUT)/sweep-demo

test: setup browser-setup
	$(GO) vet ./...
	if $(have_onnx); then $(GO) vet -tags onnx $(ONNX_TEST_PKGS); fi
	$(MAKE) --no-print-directory test-go test-onnx
	$(MAKE) --no-print-directory browser-check BROWSER_NOTEBOOKS="$(BROWSER_TEST_NOTEBOOKS)"
	$(MAKE) --no-print-directory fuzz FUZZTIME=10000x

# Every package on the pure Go backend.
test-go:
	cached="$$($(GO) list ./... | grep -v -F -x -f <($(GO) list $(UNCACHED_TEST_PKGS)))"; \
	PELAB_BACKEND=go $(GO) test $(GO_TEST_FLAGS) $$cached; \
	PELAB_BACKEND=go $(GO) test $(GO_TEST_FLAGS) $(NOTEBOOK_TEST_FLAGS) -count=1 $(UNCACHED_TEST_PKGS)

# The model packages again on ONNX Runtime; skipped, saying so, without it.
# go test runs packages side by side (one per CPU), so each test process's
# ONNX Runtime gets one intra-op thread instead of one per CPU (xla.Choose's
# default), which would put twice as many busy threads as CPUs.
test-onnx:
	if $(have_onnx); then \
		PELAB_BACKEND=onnx ORT_INTRA_OP_NUM_THREADS=$${ORT_INTRA_OP_NUM_THREADS:-1} $(GO) test $(GO_TEST_FLAGS) -tags onnx $(ONNX_TEST_PKGS); \
	else \
		echo "make test: ONNX Runtime library absent ($(ONNX_LIB_GLOB)): ONNX pass skipped"; \
	fi

# Every fuzz test (func FuzzXxx) in the module, one after another, each for
# FUZZTIME: go test fuzzes one target per run. A failing input is written to
# the package's testdata/fuzz/FuzzXxx/, which go test then runs every time
# (as it runs every seed corpus); commit it with the fix. Minimizing each new
# input is capped at FUZZMINIMIZETIME (go's default, 60s, stalls short runs).
# make test gives a count (FUZZTIME=10000x), not a duration: with a duration,
# go's fuzz coordinator races its own deadline on a loaded machine and can
# fail a target with a bare "context deadline exceeded" and no failing input
# (golang/go#51484, #75804; it failed CI once on FuzzRead). A count has no
# deadline to race; 10000 inputs take 0.4–6 s a target here (64 s for all thirteen).
FUZZTIME ?= 1m
FUZZMINIMIZETIME ?= 5s
.PHONY: fuzz
fuzz:
	for d in $$($(GO) list -f '{{.Dir}}' ./...); do \
		compgen -G "$$d/*_test.go" >/dev/null || continue; \
		for f in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$$d"/*_test.go); do \
			echo "== $$f ($$d)"; \
			$(GO) test "$$d" -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME); \
		done; \
	done

# Resident memory over 3 groups × 600 steps of each experiment's quick model
# (docs/memory.md).
soak: build
	bin/pelab bench -soak 600 -soak-groups 3 -model all

notebook: setup
	env PATH="$(NOTEBOOK_PATH)" jupyter notebook --notebook-dir=$(NOTEBOOK_DIR) $(NOTEBOOK_FLAGS)

# Chromium from Debian, for the browser check (setup.sh with PELAB_BROWSER=1).
browser-setup:
	PELAB_BROWSER=1 scripts/setup.sh

# Every notebook opened in headless Chromium through `make notebook`, all
# cells run, failing on any error or missing image; screenshots, executed
# copies and summary.txt in $(OUT)/browser/ (scripts/browser-check.sh).
browser-check:
	OUT=$(OUT) scripts/browser-check.sh $(BROWSER_NOTEBOOKS)

# The rendered notebooks a reader sees without running (docs/notebooks):
# each of NOTEBOOKS executed in its default (full) mode with fresh results,
# interactive views as stills, plotly.js dropped, the hash of its inputs
# recorded (scripts/render-notebooks.sh; TestRenderedNotebooksFresh fails
# when a rendered copy is older than its notebook or the results it reads).
NOTEBOOKS ?= $(RUN_NOTEBOOKS)
render-notebooks: setup browser-setup
	OUT=$(OUT) scripts/render-notebooks.sh $(NOTEBOOKS)

xla-install:
	$(GO) run ./xla/cmd/pjrt-install

gpu-bench:
	scripts/gpu-bench.sh

bench-compare: build
	scripts/bench-compare.sh $(OUT)/bench

clean:
	rm -rf bin $(OUT)
