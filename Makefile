# pelab: two commands do everything.
#
#   make run    set up, then run the main job (for now: the tutorial notebook,
#               quick mode, executed into out/)
#   make test   set up, then go vet and every test, on the pure Go backend and
#               again on ONNX Runtime
#
# Other targets: setup, build (bin/pelab), notebook (Jupyter on notebooks/),
# xla-install (downloads XLA PJRT plugins; needs internet; never run by the
# other targets), clean.

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
ONNX_TEST_PKGS ?= ./xla/ ./cmd/pelab/
# Packages tested without the test cache: the notebook tests run programs
# whose inputs (the .ipynb files, the packages a notebook imports) go test
# does not track.
UNCACHED_TEST_PKGS ?= ./notebooks/
GO_TEST_FLAGS ?= -timeout 20m

# The notebooks `make run` executes, and where their executed copies go.
RUN_NOTEBOOKS ?= notebooks/00_tutorial.ipynb
OUT ?= out

# Flags for `make notebook`; Jupyter refuses to run as root without
# --allow-root. The Dockerfile starts the server itself, on 0.0.0.0.
NOTEBOOK_FLAGS ?= --no-browser $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: help setup build run test test-go test-onnx notebook xla-install clean

help:
	@sed -n '3,11p' Makefile | sed 's/^# \{0,1\}//'

setup:
	scripts/setup.sh

build: setup
	@mkdir -p bin
	@if $(have_onnx); then tags=onnx; else tags=; fi; \
	echo "go build -tags=$$tags -o bin/pelab ./cmd/pelab"; \
	$(GO) build -tags="$$tags" -o bin/pelab ./cmd/pelab

run: build
	@mkdir -p $(OUT)
	bin/pelab env | tee $(OUT)/env.txt
	PELAB_QUICK=1 scripts/nbexec.sh $(OUT) $(RUN_NOTEBOOKS)
	@echo "make run: executed notebooks are in $(OUT)/"

test: setup
	$(GO) vet ./...
	if $(have_onnx); then $(GO) vet -tags onnx $(ONNX_TEST_PKGS); fi
	$(MAKE) --no-print-directory test-go test-onnx

# Every package on the pure Go backend.
test-go:
	cached="$$($(GO) list ./... | grep -v -F -x -f <($(GO) list $(UNCACHED_TEST_PKGS)))"; \
	PELAB_BACKEND=go $(GO) test $(GO_TEST_FLAGS) $$cached; \
	PELAB_BACKEND=go $(GO) test $(GO_TEST_FLAGS) -count=1 $(UNCACHED_TEST_PKGS)

# The model packages again on ONNX Runtime; skipped, saying so, without it.
test-onnx:
	if $(have_onnx); then \
		PELAB_BACKEND=onnx $(GO) test $(GO_TEST_FLAGS) -tags onnx $(ONNX_TEST_PKGS); \
	else \
		echo "make test: ONNX Runtime library absent ($(ONNX_LIB_GLOB)): ONNX pass skipped"; \
	fi

notebook: setup
	jupyter notebook --notebook-dir=notebooks $(NOTEBOOK_FLAGS)

xla-install:
	$(GO) run ./xla/cmd/pjrt-install

clean:
	rm -rf bin $(OUT)
