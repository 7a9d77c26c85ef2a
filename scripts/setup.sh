#!/usr/bin/env bash
# setup.sh prepares a Debian machine with Go for pelab: Jupyter (Debian
# packages), the Go tools GoNB needs (gonb, goimports, gopls), the GoNB kernel
# spec, and ONNX Runtime's shared library in .tools/onnxruntime/.
#
# It is idempotent: every step first checks whether its result is already in
# place and does nothing when it is, so a second run takes about a second and
# changes no file. It never downloads an XLA/PJRT plugin (see `make
# xla-install` for that).
#
# Environment:
#   PELAB_SKIP_APT=1   do not check or install Debian packages
#   PELAB_SKIP_ONNX=1  do not fetch ONNX Runtime (the pure Go backend is used)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Versions: keep in step with environment.md.
readonly GOPLS_VERSION=v0.23.0
readonly ORT_VERSION=1.30.0
readonly ORT_DIR=".tools/onnxruntime/${ORT_VERSION}"
readonly ORT_LIB="${ORT_DIR}/libonnxruntime.so.1"
readonly APT_PACKAGES=(jupyter-core jupyter-client jupyter-nbconvert python3-nbclient python3-nbformat jupyter-notebook)

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null || die "go is not on PATH; install Go 1.26 from https://go.dev/dl/"

gobin="$(go env GOBIN)"
[[ -n "$gobin" ]] || gobin="$(go env GOPATH)/bin"
export PATH="$gobin:$PATH"

# 1. Debian packages for Jupyter (nbconvert/nbclient run notebooks headlessly;
#    jupyter-notebook is the classic UI used by `make notebook`).
if [[ "${PELAB_SKIP_APT:-}" != 1 ]]; then
	missing=()
	for p in "${APT_PACKAGES[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
			missing+=("$p")
		fi
	done
	if ((${#missing[@]} > 0)); then
		command -v apt-get >/dev/null || die "missing Debian packages ${missing[*]} and no apt-get: install Jupyter (nbconvert, nbclient, notebook) by other means, then rerun with PELAB_SKIP_APT=1"
		sudo=()
		if [[ "$(id -u)" != 0 ]]; then
			command -v sudo >/dev/null || die "missing Debian packages ${missing[*]}: run as root or install sudo"
			sudo=(sudo)
		fi
		say "installing Debian packages: ${missing[*]}"
		"${sudo[@]}" apt-get update -qq
		DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
fi

# 2. Go tools. `go install tool` builds the tool lines of go.mod (gonb,
#    goimports) at their pinned versions; with a warm build cache it only
#    checks that the installed binaries are current (but touches them), so it
#    runs only when a binary's module version differs from go.mod's. gopls
#    lives in its own module (v0.24 needs Go 1.27), so it is installed on its
#    own.
read -r gonb_v tools_v < <(go list -m -f '{{.Version}}' github.com/janpfeifer/gonb golang.org/x/tools | paste -sd' ')
if ! go version -m "$gobin/gonb" 2>/dev/null | grep -qP "^\tmod\tgithub.com/janpfeifer/gonb\t\Q${gonb_v}\E\t" ||
	! go version -m "$gobin/goimports" 2>/dev/null | grep -qP "^\tmod\tgolang.org/x/tools\t\Q${tools_v}\E\t"; then
	say "installing gonb ${gonb_v} and goimports ${tools_v} (go install tool)"
	go install tool
fi
if ! gopls version 2>/dev/null | grep -q "${GOPLS_VERSION}"; then
	say "installing gopls ${GOPLS_VERSION}"
	go install "golang.org/x/tools/gopls@${GOPLS_VERSION}"
fi

# 3. The GoNB kernel spec, pointing at the gonb just installed. gonb --install
#    rewrites kernel.json each time, so run it only when the spec is absent or
#    points elsewhere.
jupyter_data="${JUPYTER_DATA_DIR:-$HOME/.local/share/jupyter}"
kernel_json="$jupyter_data/kernels/gonb/kernel.json"
if ! grep -qF "\"$gobin/gonb\"" "$kernel_json" 2>/dev/null; then
	say "installing the GoNB kernel spec into $kernel_json"
	gonb --install >/dev/null 2>&1 || gonb --install
fi

# 4. ONNX Runtime's shared library, taken from the npm package
#    onnxruntime-node (npm pack runs no install scripts), into the git-ignored
#    .tools/. Only linux/amd64 has it there.
if [[ "${PELAB_SKIP_ONNX:-}" != 1 && ! -f "$ORT_LIB" ]]; then
	if [[ "$(uname -s)/$(uname -m)" != Linux/x86_64 ]]; then
		say "ONNX Runtime is fetched only on Linux x86_64; the pure Go backend will be used"
	elif ! command -v npm >/dev/null; then
		say "npm not found: skipping ONNX Runtime (install npm, or set ONNXRUNTIME_SHARED_LIBRARY_PATH); the pure Go backend will be used"
	else
		say "fetching ONNX Runtime ${ORT_VERSION} (npm pack onnxruntime-node@${ORT_VERSION})"
		mkdir -p "$ORT_DIR"
		tmp="$(mktemp -d "$ORT_DIR/.fetch.XXXXXX")"
		trap 'rm -rf "$tmp"' EXIT
		(cd "$tmp" && npm pack --silent "onnxruntime-node@${ORT_VERSION}" >/dev/null)
		tar -xzf "$tmp/onnxruntime-node-${ORT_VERSION}.tgz" -C "$tmp" package/bin/napi-v6/linux/x64/libonnxruntime.so.1
		mv -f "$tmp/package/bin/napi-v6/linux/x64/libonnxruntime.so.1" "$ORT_LIB" # same directory tree: atomic
		rm -rf "$tmp"
		trap - EXIT
		say "ONNX Runtime library: $ORT_LIB"
	fi
fi
