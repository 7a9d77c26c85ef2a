#!/usr/bin/env bash
# setup.sh prepares a Debian machine with Go for pelab: Jupyter (Debian
# packages), the Go tools GoNB needs (gonb, goimports, gopls), the GoNB kernel
# spec, and ONNX Runtime's shared library in .tools/onnxruntime/. It first
# checks for a C compiler: pelab needs cgo (go-xla's PJRT bindings and
# internal/cmem), also when built with -tags noxla, and gcc is installed from
# Debian when none is found.
#
# It is idempotent: every step first checks whether its result is already in
# place and does nothing when it is, so a second run takes about a second and
# changes no file. It never downloads an XLA/PJRT plugin (see `make
# xla-install` for that).
#
# Environment:
#   PELAB_SKIP_APT=1   do not check or install Debian packages
#   PELAB_SKIP_ONNX=1  do not fetch ONNX Runtime (the pure Go backend is used)
#   PELAB_SKIP_PLOTLY=1  do not fetch plotly.js (the notebooks' interactive
#                      views then say that it is missing)
#   PELAB_BROWSER=1    also install Chromium (Debian package chromium) for the
#                      browser check (`make browser-setup`, scripts/browser-check.sh)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Versions: keep in step with environment.md.
readonly GOPLS_VERSION=v0.23.0
readonly ORT_VERSION=1.30.0
readonly ORT_DIR=".tools/onnxruntime/${ORT_VERSION}"
readonly ORT_LIB="${ORT_DIR}/libonnxruntime.so.1"
# SHA-256 of the npm archive onnxruntime-node-1.30.0.tgz (it matches the
# registry's dist.integrity sha512-twhs1C2C…) and of the library in it.
readonly ORT_TGZ_SHA256=6e3390d6b783e7be946fad629292799da28d0b42f84856e50d2c1b0383291e75
readonly ORT_LIB_SHA256=ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23
# plotly.js for the interactive views (pelib/plots/interactive, which pins
# the same version and checksum): SHA-256 of the npm archive
# plotly.js-dist-min-4.1.2.tgz (it matches the registry's dist.integrity
# sha512-VSmS9KVN…) and of plotly.min.js in it.
readonly PLOTLY_VERSION=4.1.2
readonly PLOTLY_DIR=".tools/plotly/${PLOTLY_VERSION}"
readonly PLOTLY_JS="${PLOTLY_DIR}/plotly.min.js"
readonly PLOTLY_TGZ_SHA256=4d4a67f627e33fa3b5296134210d5ba51e5312d7d287436fcc29eb533018e1b8
readonly PLOTLY_JS_SHA256=2f645d1bade8182fce161b7f10f89402f8b315805250ff4a94672a28d23c390a
readonly APT_PACKAGES=(jupyter-core jupyter-client jupyter-nbconvert python3-nbclient python3-nbformat jupyter-notebook)
# The browser check drives Chromium over the DevTools protocol (chromedp, in
# go.mod), so it needs no chromium-driver.
readonly BROWSER_APT_PACKAGES=(chromium)

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null || die "go is not on PATH; install Go 1.26 from https://go.dev/dl/"

# sudo_cmd runs its arguments as root (directly when already root).
sudo_cmd() {
	if [[ "$(id -u)" == 0 ]]; then
		"$@"
	else
		command -v sudo >/dev/null || die "need root for: $*; run as root or install sudo"
		sudo "$@"
	fi
}

# apt_install installs Debian packages, or explains what to do without apt.
apt_install() {
	command -v apt-get >/dev/null || die "missing Debian packages $* and no apt-get: install them by other means, then rerun with PELAB_SKIP_APT=1"
	say "installing Debian packages: $*"
	sudo_cmd apt-get update -qq
	sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# cc_works reports whether Go's C compiler ($(go env CC), gcc by default)
# compiles and links a C program against libc's headers, as cgo needs.
cc_works() {
	local cc
	cc="$(go env CC)"
	[[ -n "$cc" ]] || cc=gcc
	command -v "${cc%% *}" >/dev/null || return 1
	printf '#include <stdlib.h>\nint main(void) { return EXIT_SUCCESS; }\n' |
		$cc -x c - -o /dev/null 2>/dev/null
}

# 0. A C compiler. pelab is built with cgo (CGO_ENABLED=1): go-xla's PJRT
#    bindings and internal/cmem are C, and pelab imports go-xla directly, so
#    -tags noxla does not make a cgo-free build either.
if ! cc_works; then
	[[ "${PELAB_SKIP_APT:-}" != 1 ]] || die "no working C compiler ($(go env CC)): pelab needs cgo; install gcc and libc6-dev"
	apt_install gcc libc6-dev
	cc_works || die "gcc was installed but does not compile a C program; check $(go env CC)"
fi
[[ "$(go env CGO_ENABLED)" == 1 ]] || die "cgo is off (CGO_ENABLED=0 in the environment or go env -w): pelab needs it; unset it"

gobin="$(go env GOBIN)"
[[ -n "$gobin" ]] || gobin="$(go env GOPATH)/bin"
export PATH="$gobin:$PATH"

# 1. Debian packages for Jupyter (nbconvert/nbclient run notebooks headlessly;
#    jupyter-notebook is the classic UI used by `make notebook`), and
#    Chromium with PELAB_BROWSER=1.
if [[ "${PELAB_SKIP_APT:-}" != 1 ]]; then
	missing=()
	wanted=("${APT_PACKAGES[@]}")
	[[ "${PELAB_BROWSER:-}" != 1 ]] || wanted+=("${BROWSER_APT_PACKAGES[@]}")
	for p in "${wanted[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
			missing+=("$p")
		fi
	done
	if ((${#missing[@]} > 0)); then
		apt_install "${missing[@]}"
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
#    .tools/. Only linux/amd64 has it there. The archive and the library are
#    checked against their pinned SHA-256; a library already in place with
#    another checksum is fetched again.
sha256_is() { [[ "$(sha256sum "$1" | cut -d' ' -f1)" == "$2" ]]; }
# npm_extract PACKAGE VERSION TGZ_SHA256 MEMBER MEMBER_SHA256 DEST [MEMBER2 DEST2]
#   npm pack PACKAGE@VERSION (no install scripts run) into a temporary folder
#   beside DEST, check the archive's SHA-256 and MEMBER's (a path inside the
#   package), then move MEMBER to DEST (same file system: atomic) and MEMBER2,
#   unchecked (a licence), to DEST2. Any mismatch stops setup.
npm_extract() {
	local pkg=$1 ver=$2 tgz_sha=$3 member=$4 member_sha=$5 dest=$6 member2=${7:-} dest2=${8:-} tgz
	mkdir -p "$(dirname "$dest")"
	fetch_tmp="$(mktemp -d "$(dirname "$dest")/.fetch.XXXXXX")"
	trap 'rm -rf "$fetch_tmp"' EXIT
	(cd "$fetch_tmp" && npm pack --silent "${pkg}@${ver}" >/dev/null)
	tgz="$fetch_tmp/${pkg}-${ver}.tgz"
	sha256_is "$tgz" "$tgz_sha" ||
		die "$(basename "$tgz") has SHA-256 $(sha256sum "$tgz" | cut -d' ' -f1), not the pinned ${tgz_sha}"
	tar -xzf "$tgz" -C "$fetch_tmp" "package/$member" ${member2:+"package/$member2"}
	sha256_is "$fetch_tmp/package/$member" "$member_sha" ||
		die "$member in $(basename "$tgz") does not have the pinned SHA-256 ${member_sha}"
	if [[ -n "$member2" ]]; then mv -f "$fetch_tmp/package/$member2" "$dest2"; fi
	mv -f "$fetch_tmp/package/$member" "$dest"
	rm -rf "$fetch_tmp"
	trap - EXIT
}
if [[ "${PELAB_SKIP_ONNX:-}" != 1 && -f "$ORT_LIB" ]] && ! sha256_is "$ORT_LIB" "$ORT_LIB_SHA256"; then
	say "$ORT_LIB does not have the pinned SHA-256 ${ORT_LIB_SHA256}: fetching it again"
	rm -f "$ORT_LIB"
fi
if [[ "${PELAB_SKIP_ONNX:-}" != 1 && ! -f "$ORT_LIB" ]]; then
	if [[ "$(uname -s)/$(uname -m)" != Linux/x86_64 ]]; then
		say "ONNX Runtime is fetched only on Linux x86_64; the pure Go backend will be used"
	elif ! command -v npm >/dev/null; then
		say "npm not found: skipping ONNX Runtime (install npm, or set ONNXRUNTIME_SHARED_LIBRARY_PATH); the pure Go backend will be used"
	else
		say "fetching ONNX Runtime ${ORT_VERSION} (npm pack onnxruntime-node@${ORT_VERSION})"
		npm_extract onnxruntime-node "$ORT_VERSION" "$ORT_TGZ_SHA256" \
			bin/napi-v6/linux/x64/libonnxruntime.so.1 "$ORT_LIB_SHA256" "$ORT_LIB"
		say "ONNX Runtime library: $ORT_LIB (SHA-256 checked)"
	fi
fi

# 5. plotly.js, the one JavaScript bundle of the notebooks' interactive views
#    (pelib/plots/interactive inlines it into the notebook, so the views work
#    offline), from the npm package plotly.js-dist-min (npm pack runs no
#    install scripts) into the git-ignored .tools/plotly/<version>/. The
#    archive and plotly.min.js are checked against their pinned SHA-256; a
#    file already in place with another checksum is fetched again.
if [[ "${PELAB_SKIP_PLOTLY:-}" != 1 && -f "$PLOTLY_JS" ]] && ! sha256_is "$PLOTLY_JS" "$PLOTLY_JS_SHA256"; then
	say "$PLOTLY_JS does not have the pinned SHA-256 ${PLOTLY_JS_SHA256}: fetching it again"
	rm -f "$PLOTLY_JS"
fi
if [[ "${PELAB_SKIP_PLOTLY:-}" != 1 && ! -f "$PLOTLY_JS" ]]; then
	if ! command -v npm >/dev/null; then
		say "npm not found: skipping plotly.js (install npm, or set PELAB_PLOTLY_JS to a plotly.min.js); the interactive notebook views will say it is missing"
	else
		say "fetching plotly.js ${PLOTLY_VERSION} (npm pack plotly.js-dist-min@${PLOTLY_VERSION})"
		npm_extract plotly.js-dist-min "$PLOTLY_VERSION" "$PLOTLY_TGZ_SHA256" \
			plotly.min.js "$PLOTLY_JS_SHA256" "$PLOTLY_JS" LICENSE "$PLOTLY_DIR/LICENSE"
		say "plotly.js: $PLOTLY_JS (SHA-256 checked)"
	fi
fi
