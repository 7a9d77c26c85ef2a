# pelab in a container: Go, Jupyter (classic notebook) with the GoNB kernel,
# ONNX Runtime, and the project, serving notebooks/ on port 8888.
#
#   docker build -t pelab .
#   docker run --rm -p 8888:8888 pelab            # open the URL with the token it prints
#   docker run --rm pelab make test               # the test suite, as CI runs it
#
# CUDA: build with --build-arg CUDA=1 to install go-xla's CUDA PJRT plugin and
# NVIDIA's libraries (from PyPI, through go-xla's installer) into
# /usr/local/lib/go-xla, then run with the NVIDIA container toolkit:
#
#   docker build --build-arg CUDA=1 -t pelab:cuda .
#   docker run --rm --gpus all -p 8888:8888 pelab:cuda
#
# xla.Choose then picks XLA on the GPU by itself. Building needs internet
# (Debian, the Go module proxy, npm; PyPI and GitHub for CUDA=1).
# This file was written on a machine without a Docker engine and has not been
# built; see environment.md.

# The base image, pinned to the Go release pelab was measured with. Its
# digest could not be learned here (no route to Docker Hub from this
# machine); pin it where Docker Hub is reachable with
#   docker buildx imagetools inspect golang:1.26.8-bookworm
# and build with --build-arg GO_IMAGE=golang:1.26.8-bookworm@sha256:<digest>.
ARG GO_IMAGE=golang:1.26.8-bookworm
FROM ${GO_IMAGE}

ARG CUDA=0
# The CUDA PJRT plugin's version (PyPI's jax-cuda13-plugin; measured on an
# H100 with 0.11.2, see environment.md). go-xla's installer checks each
# downloaded wheel's SHA-256 against PyPI's.
ARG CUDA_PLUGIN_VERSION=0.11.2
ENV DEBIAN_FRONTEND=noninteractive \
    PELAB_SKIP_APT=1

# Jupyter from Debian 12 (the same packages scripts/setup.sh installs), npm
# for fetching ONNX Runtime, and gcc for cgo (the golang image has it; listed
# so that another GO_IMAGE works too).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      jupyter-core jupyter-client jupyter-nbconvert python3-nbclient python3-nbformat jupyter-notebook \
      npm git ca-certificates gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /pelab

# Modules first, so source edits do not re-download them.
COPY go.mod go.sum ./
RUN go mod download

COPY . .

# Go tools (gonb, goimports, gopls), the GoNB kernel spec, ONNX Runtime in
# .tools/, bin/pelab built with -tags onnx, and a warm build cache.
RUN scripts/setup.sh \
 && make build \
 && go build -tags onnx ./... \
 && bin/pelab env

# Optional CUDA PJRT plugin (no GPU is visible during the build, hence -cuda).
RUN if [ "$CUDA" = 1 ]; then go run ./xla/cmd/pjrt-install -dir /usr/local/lib -cuda -cuda-version "$CUDA_PLUGIN_VERSION"; fi

EXPOSE 8888
CMD ["jupyter", "notebook", "--notebook-dir=/pelab/notebooks", "--ip=0.0.0.0", "--port=8888", "--no-browser", "--allow-root"]
