// Package xla chooses pelab's compute backend once, at start-up, and says why.
//
// Everything else in pelab takes a [compute.Backend] and never picks one;
// [Choose] is the one place that does. It returns the started backend, the
// GoMLX configuration string it was started with ("go", "onnx:cpu",
// "xla:/path/to/pjrt_plugin.so"), the plugin or library file behind it and a
// one-line account of the choice.
//
// # Order
//
//  1. An explicit request: the argument to Choose (a --backend flag), else
//     $PELAB_BACKEND, else $GOMLX_BACKEND. It must start: if it cannot, Choose
//     returns an error that says what was looked for, where, and how to install
//     it. There is no silent fallback from an explicit request.
//  2. XLA, when a PJRT plugin is installed: a CUDA plugin where an NVIDIA GPU is
//     present (go-xla's install directories, $PJRT_PLUGIN_LIBRARY_PATH, or a JAX
//     installation's jax_plugins/xla_cuda*/xla_cuda_plugin.so found through
//     python's site-packages), then a CPU plugin ($PJRT_PLUGIN_LIBRARY_PATH or
//     go-xla's install directories).
//  3. ONNX Runtime, when the binary was built with -tags onnx and its library is
//     found: $ONNXRUNTIME_SHARED_LIBRARY_PATH, the project's
//     .tools/onnxruntime/<version>/libonnxruntime.so.1 (written by
//     scripts/setup.sh), or ~/.local/lib/onnxruntime/libonnxruntime.so.
//  4. The pure Go backend ("go"), which always works.
//
// An automatically chosen backend whose library does not load is skipped, and
// the account says so; the order goes on with the next kind.
//
// # Design choices
//
// Detection only looks at files and environment variables (and, where an
// NVIDIA GPU is present, asks python3 for its site-packages); it loads
// nothing, so it is cheap and testable. The one process-wide side effects are those the
// backends require: go-xla's automatic download of PJRT plugins is switched off
// (it would reach GitHub or PyPI), and the environment variables the chosen
// backend reads are set (ONNXRUNTIME_SHARED_LIBRARY_PATH for ONNX Runtime;
// GOPJRT_CUDA_CHECKS=0 and XLA_FLAGS=--xla_gpu_cuda_data_dir=... for a JAX CUDA
// plugin, unless already set). [Choice.Env] lists what was set.
//
// The pure Go backend nests worker pools (an op's own parallel loops inside
// ops that run in parallel) and can deadlock in a transformer training step:
// always with go:parallelism=2, which Choose refuses, and, seen once in CI on
// two cores, with the default too. So a bare "go" is started as
// "go:ops_sequential" (ops one after another, each op still parallel inside;
// measured no slower: 3.51 s against 3.74 s per step of the paper's LST model
// at batch 64 on two cores); Config still reads "go".
package xla

import (
	"errors"
	"fmt"
	"github.com/pelab/pelab/internal/cmem"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/gomlx/compute"
	// Register the go and xla backends, and onnx when built with -tags onnx.
	_ "github.com/gomlx/gomlx/backends/default"
)

// Environment variables read by Choose.
const (
	// EnvBackend names pelab's own backend request; it wins over GOMLX_BACKEND.
	EnvBackend = "PELAB_BACKEND"
	// EnvGoMLXBackend is GoMLX's backend variable, honoured as a request too.
	EnvGoMLXBackend = compute.ConfigEnvVar
	// EnvONNXRuntime points at ONNX Runtime's shared library.
	EnvONNXRuntime = "ONNXRUNTIME_SHARED_LIBRARY_PATH"
	// EnvPJRTPath lists directories (":"-separated) that hold PJRT plugins.
	EnvPJRTPath = "PJRT_PLUGIN_LIBRARY_PATH"
	// EnvNoAutoInstall switches off go-xla's and compute-onnx's downloads.
	EnvNoAutoInstall = "GOMLX_NO_AUTO_INSTALL"
)

// Backend kinds, as they appear before the ":" of a configuration string.
const (
	KindGo   = "go"
	KindONNX = "onnx"
	KindXLA  = "xla"
)

// ONNXRuntimeVersion is the ONNX Runtime release scripts/setup.sh installs.
const ONNXRuntimeVersion = "1.30.0"

// Choice is a started backend and the account of how it was chosen.
type Choice struct {
	// Backend is ready to use; the caller owns it (Finalize when done).
	Backend compute.Backend
	// Kind is KindGo, KindONNX or KindXLA.
	Kind string
	// Config is the GoMLX configuration string the backend was started with,
	// e.g. "go", "onnx:cpu" or "xla:/abs/path/pjrt_c_api_cpu_plugin.so".
	Config string
	// Library is the PJRT plugin or ONNX Runtime library loaded; "" for go.
	Library string
	// Source says where the request came from: "argument", "$PELAB_BACKEND",
	// "$GOMLX_BACKEND", or "automatic".
	Source string
	// Reason is a one-line account of the choice.
	Reason string
	// Env lists the environment variables Choose set for the backend, as
	// "NAME=value", sorted.
	Env []string
}

// Explicit reports whether the backend was requested rather than detected.
func (c *Choice) Explicit() bool { return c.Source != sourceAuto }

// String returns the configuration and the reason on one line.
func (c *Choice) String() string { return c.Config + " — " + c.Reason }

// Devices returns the backend's description of each of its devices.
func (c *Choice) Devices() []string {
	n := c.Backend.NumDevices()
	out := make([]string, n)
	for i := range n {
		out[i] = c.Backend.DeviceDescription(compute.DeviceNum(i))
	}
	return out
}

// SupportsWhile reports whether b can run an in-graph While loop, so that a
// training engine can run K steps per call on the device. The backend must
// support closures (Capabilities.Functions) and either list the While op or
// be XLA: go-xla v0.4.1 implements While without listing it (a While loop
// ran on its CUDA plugin), the pure Go backend lists and runs it, and ONNX
// Runtime has no closures. TestSupportsWhile runs a While loop on each
// backend available to check this.
func SupportsWhile(b compute.Backend) bool {
	c := b.Capabilities()
	return c.Functions && (c.Operations[compute.OpTypeWhile] || b.Name() == KindXLA)
}

// Choose returns a started backend. explicit is the value of a --backend flag
// ("" when not given); see the package documentation for the order in which
// the choice is made and for what an explicit request must satisfy.
func Choose(explicit string) (*Choice, error) {
	d := newDetector()
	return d.start(explicit)
}

// Compiled lists the backends compiled into this binary, sorted: "go", "xla"
// (unless built with -tags noxla), "onnx" (with -tags onnx) and their aliases.
func Compiled() []string {
	l := compute.List()
	sort.Strings(l)
	return l
}

// FindONNXRuntime returns the ONNX Runtime library that Choose would use, or
// "" and the list of places looked at. It does not check that the binary was
// built with -tags onnx.
func FindONNXRuntime() (path string, looked []string) {
	return newDetector().findONNX()
}

// start turns a plan into a running backend.
func (d *detector) start(explicit string) (*Choice, error) {
	c, err := d.plan(explicit)
	if err != nil {
		return nil, err
	}
	disableAutoInstall()
	threadNote := ""
	if c.Kind == KindONNX {
		threadNote = c.onnxThreads()
	}
	for _, kv := range c.Env {
		k, v, _ := strings.Cut(kv, "=")
		if err := os.Setenv(k, v); err != nil {
			return nil, fmt.Errorf("xla: setting %s for backend %q: %w", k, c.Config, err)
		}
	}
	b, err := newBackend(startConfig(c.Config))
	if err != nil && !c.Explicit() && c.Kind != KindGo {
		// An automatic choice whose library will not load: go on down the
		// order without that kind, saying so.
		if d.failed == nil {
			d.failed = map[string]string{}
		}
		d.failed[c.Kind] = fmt.Sprintf("%s did not start (%v)", c.Config, err)
		return d.start(explicit)
	}
	if err != nil {
		return nil, fmt.Errorf("xla: backend %q (%s) did not start: %w%s", c.Config, c.Reason, err, installHint(c.Kind))
	}
	c.Backend = b
	if c.Kind != KindGo {
		c.Reason += limitArenas()
	}
	if c.Kind == KindONNX {
		c.Reason += threadNote
		if os.Getenv(EnvONNXEinsum) == "1" {
			c.Reason += "; products left to ONNX Einsum ($" + EnvONNXEinsum + "=1)"
		} else {
			c.Backend = MatMulForm(b)
			c.Reason += "; products as MatMul (MatMulForm)"
		}
	}
	return c, nil
}

// MallocArenas is the number of glibc malloc arenas a process that starts
// ONNX Runtime or XLA is limited to, unless $MALLOC_ARENA_MAX says otherwise.
//
// Why: glibc gives each thread that allocates concurrently an arena of its
// own (up to 8 per core). ONNX Runtime's thread pools allocate and free a
// model's activations from many threads, and a sweep closes one group's
// sessions and opens the next's, so freed memory stays scattered over many
// arenas and the resident set of a long run kept rising — 240 → 500 MiB over
// 16 groups of a small model, although nothing leaked — while with two
// arenas the same run stayed within 290–305 MiB (docs/memory.md).
const MallocArenas = 2

// MallocTrimThreshold, MallocTopPad and MallocMmapThreshold are the glibc
// malloc settings (M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD) a process
// that starts ONNX Runtime or XLA runs with, unless $MALLOC_TRIM_THRESHOLD_,
// $MALLOC_TOP_PAD_ or $GLIBC_TUNABLES say otherwise.
//
// Why: a training step allocates and frees its activations (tens to
// hundreds of MiB); with glibc's defaults freed memory at the top of the
// heap, and large blocks, went back to the system during a step and the
// next step took them back page fault by page fault — dear in a virtual
// machine. Keeping it, the kernel's share of a steady-state step of the
// paper's LST model fell from 1–2 % to 0–1 % of perf samples, with the same
// flat resident memory over long runs: train.Run.Close still returns
// everything (malloc_trim) when a group ends (docs/memory.md).
const (
	MallocTrimThreshold = 1 << 30
	MallocTopPad        = 64 << 20
	MallocMmapThreshold = 32 << 20
)

// limitArenas applies MallocArenas and the three settings above and returns
// a note for Choice.Reason.
func limitArenas() string {
	note := ""
	if v := os.Getenv("MALLOC_ARENA_MAX"); v != "" {
		note = "; malloc arenas from $MALLOC_ARENA_MAX=" + v
	} else if cmem.LimitArenas(MallocArenas) {
		note = fmt.Sprintf("; %d malloc arenas (flat memory over long runs)", MallocArenas)
	}
	for _, v := range []string{"MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES"} {
		if os.Getenv(v) != "" {
			return note + "; malloc trimming from $" + v
		}
	}
	if cmem.KeepFreed(MallocTrimThreshold, MallocTopPad, MallocMmapThreshold) {
		note += "; freed memory kept between steps"
	}
	return note
}

// EnvONNXThreads is the environment variable ONNX Runtime reads for the
// number of threads of a session's intra-op thread pool (the threads one
// operator's work is split over) when the session's options leave it at 0,
// as the ONNX backend's do.
const EnvONNXThreads = "ORT_INTRA_OP_NUM_THREADS"

// onnxThreads sets $ORT_INTRA_OP_NUM_THREADS to the number of CPUs this
// process may run on (runtime.NumCPU) unless it is set already, adds it to
// c.Env, and returns a note for c.Reason.
//
// Why: left to itself, ONNX Runtime sizes the pool from the physical cores
// it detects and pins its threads to them; on this project's 2-CPU virtual
// machines that gave one busy CPU, not two — a training step of the paper's
// LST model used 1.0 CPU-seconds per second of wall time and took 150–160 ms,
// against 96–110 ms with the count set to 2 (three interleaved pairs,
// docs/performance.md). Node.js's binding, which sets the count explicitly,
// ran the same saved step program at the faster speed.
func (c *Choice) onnxThreads() string {
	if v := os.Getenv(EnvONNXThreads); v != "" {
		return fmt.Sprintf("; intra-op threads from $%s=%s", EnvONNXThreads, v)
	}
	n := runtime.NumCPU()
	c.Env = append(c.Env, fmt.Sprintf("%s=%d", EnvONNXThreads, n))
	slices.Sort(c.Env)
	return fmt.Sprintf("; %d intra-op threads (one per CPU, $%s)", n, EnvONNXThreads)
}

// EnvONNXEinsum, set to 1, turns MatMulForm off on ONNX Runtime (for
// benchmarks that compare the two lowerings).
const EnvONNXEinsum = "PELAB_ONNX_EINSUM"

// newBackend wraps compute.NewWithConfig, which panics on an unknown name.
func newBackend(config string) (b compute.Backend, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return compute.NewWithConfig(config)
}

const sourceAuto = "automatic"

// plan decides the configuration without starting anything.
func (d *detector) plan(explicit string) (*Choice, error) {
	req, source := explicit, "argument"
	if req == "" {
		for _, name := range []string{EnvBackend, EnvGoMLXBackend} {
			if v := strings.TrimSpace(d.getenv(name)); v != "" {
				req, source = v, "$"+name
				break
			}
		}
	}
	if req == "" {
		return d.auto(), nil
	}
	c, err := d.explicit(req)
	if err != nil {
		return nil, fmt.Errorf("xla: backend %q requested by %s: %w", req, source, err)
	}
	c.Source = source
	c.Reason = fmt.Sprintf("requested by %s: %s", source, c.Reason)
	return c, nil
}

// auto runs the automatic order: XLA plugin, ONNX Runtime, pure Go.
func (d *detector) auto() *Choice {
	var notes []string
	if msg, ok := d.failed[KindXLA]; ok {
		notes = append(notes, msg)
	} else if d.compiled(KindXLA) {
		p, note := d.findPJRT("")
		if p.path != "" {
			return d.xlaChoice(p, "", sourceAuto, note)
		}
		notes = append(notes, note)
	} else {
		notes = append(notes, "XLA not compiled in (-tags noxla)")
	}
	lib, looked := d.findONNX()
	switch {
	case d.failed[KindONNX] != "":
		notes = append(notes, d.failed[KindONNX])
	case lib != "" && d.compiled(KindONNX):
		return &Choice{
			Kind: KindONNX, Config: "onnx:cpu", Library: lib, Source: sourceAuto,
			Reason: strings.Join(append(notes, "ONNX Runtime library "+lib), "; "),
			Env:    []string{EnvONNXRuntime + "=" + lib},
		}
	case lib != "":
		notes = append(notes, "ONNX Runtime library "+lib+" found but this binary was built without -tags onnx")
	default:
		notes = append(notes, "no ONNX Runtime library (looked at "+strings.Join(looked, ", ")+")")
	}
	return &Choice{
		Kind: KindGo, Config: KindGo, Source: sourceAuto,
		Reason: strings.Join(append(notes, "pure Go backend"), "; "),
	}
}

// CheckRequest checks a backend request as -backend or $PELAB_BACKEND
// give it ("go", "onnx[:cpu]", "xla[:cpu|cuda|/path/plugin.so]", each
// with options after a comma) without looking for libraries or starting
// anything, so that a command can refuse a misspelt backend before it
// reads its data: the name must be a backend pelab knows (whether or not
// it is compiled in), and the options none that pelab refuses (go with
// parallelism=2, ONNX Runtime's CUDA provider). "" (automatic) is valid.
// Choose does the same checks first.
func CheckRequest(req string) error {
	if strings.TrimSpace(req) == "" {
		return nil
	}
	name, conf, _ := strings.Cut(req, ":")
	switch strings.ToLower(strings.TrimSpace(name)) {
	case KindGo:
		if hasOption(conf, "parallelism", "2") {
			return errors.New("go:parallelism=2 deadlocks in a transformer training step (nested worker pools); leave parallelism unset")
		}
	case KindONNX, "onnxruntime":
		provider, _, _ := strings.Cut(conf, ",")
		if strings.EqualFold(provider, "cuda") || strings.EqualFold(provider, "gpu") {
			return errors.New("ONNX Runtime's CUDA provider is not set up by pelab; use onnx:cpu, or xla with a CUDA PJRT plugin")
		}
	case KindXLA, "stablehlo", "shlo", "hlo", "pjrt":
	default:
		return fmt.Errorf("unknown backend %q: want go, onnx[:cpu] or xla[:cpu|cuda|/path/to/plugin.so] (compiled in: %s)",
			strings.ToLower(strings.TrimSpace(name)), strings.Join(Compiled(), ", "))
	}
	return nil
}

// explicit validates a requested configuration and resolves what it needs.
func (d *detector) explicit(req string) (*Choice, error) {
	if err := CheckRequest(req); err != nil {
		return nil, err
	}
	name, conf, _ := strings.Cut(req, ":")
	name = strings.ToLower(strings.TrimSpace(name))
	switch name {
	case KindGo:
		return &Choice{Kind: KindGo, Config: req, Reason: "pure Go backend"}, nil

	case KindONNX, "onnxruntime":
		if !d.compiled(KindONNX) {
			return nil, errors.New("this binary was built without the ONNX Runtime backend: build with `-tags onnx` (`make build` does so once `make setup` has fetched the library)")
		}
		provider, _, _ := strings.Cut(conf, ",")
		if !strings.EqualFold(provider, "cpu") {
			// compute-onnx picks CUDA when it sees a GPU; pelab installs the CPU library only.
			conf = strings.TrimSuffix("cpu,"+conf, ",")
		}
		lib, looked := d.findONNX()
		if lib == "" {
			return nil, fmt.Errorf("ONNX Runtime library not found (looked at %s)%s", strings.Join(looked, ", "), installHint(KindONNX))
		}
		return &Choice{
			Kind: KindONNX, Config: "onnx:" + conf, Library: lib,
			Reason: "ONNX Runtime library " + lib,
			Env:    []string{EnvONNXRuntime + "=" + lib},
		}, nil

	case KindXLA, "stablehlo", "shlo", "hlo", "pjrt":
		if !d.compiled(KindXLA) {
			return nil, errors.New("this binary was built with -tags noxla, without the XLA backend: rebuild without -tags noxla (cgo and a C compiler are needed either way: pelab always links go-xla's PJRT bindings)")
		}
		pluginName, opts, _ := strings.Cut(conf, ",")
		p, note := d.findPJRT(pluginName)
		if p.path == "" {
			return nil, fmt.Errorf("%s%s", note, installHint(KindXLA))
		}
		return d.xlaChoice(p, opts, "", note), nil
	}
	return nil, fmt.Errorf("unknown backend %q", name) // unreachable: CheckRequest refuses it
}

// xlaChoice builds the Choice for a found PJRT plugin.
func (d *detector) xlaChoice(p plugin, opts, source, note string) *Choice {
	config := "xla:" + p.path
	if opts != "" {
		config += "," + opts
	}
	c := &Choice{Kind: KindXLA, Config: config, Library: p.path, Source: source, Reason: note}
	if p.jax {
		if d.getenv("GOPJRT_CUDA_CHECKS") == "" {
			// go-xla looks for CUDA libraries beside its own install layout and warns for JAX's.
			c.Env = append(c.Env, "GOPJRT_CUDA_CHECKS=0")
		}
		flags := d.getenv("XLA_FLAGS")
		if !strings.Contains(flags, "--xla_gpu_cuda_data_dir") {
			if dir := d.findCUDADataDir(p); dir != "" {
				v := "--xla_gpu_cuda_data_dir=" + dir
				if flags != "" {
					v = flags + " " + v
				}
				c.Env = append(c.Env, "XLA_FLAGS="+v)
			} else {
				c.Reason += " (no CUDA data dir with nvvm/libdevice found: set XLA_FLAGS=--xla_gpu_cuda_data_dir=<cuda>)"
			}
		}
	}
	slices.Sort(c.Env)
	return c
}

// hasOption reports whether a comma-separated option list sets key=value.
func hasOption(conf, key, value string) bool {
	for part := range strings.SplitSeq(conf, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		if k == key && strings.TrimSpace(v) == value {
			return true
		}
	}
	return false
}

// installHint says how to install what a backend kind needs.
func installHint(kind string) string {
	switch kind {
	case KindONNX:
		return "; install it with `make setup` (npm pack onnxruntime-node@" + ONNXRuntimeVersion +
			" into .tools/onnxruntime/) or point $" + EnvONNXRuntime + " at libonnxruntime.so"
	case KindXLA:
		return "; install a plugin with `make xla-install` (go-xla's installer: CPU plugin from GitHub, CUDA from PyPI; needs internet)," +
			" set $" + EnvPJRTPath + " to a directory holding pjrt_c_api_<name>_plugin.so," +
			" or name the plugin file: --backend=xla:/path/to/plugin.so (a JAX installation's jax_plugins/xla_cuda13/xla_cuda_plugin.so works)"
	}
	return ""
}

// projectRootFrom walks up from dir to the directory whose go.mod declares
// pelab's module; "" if none.
func projectRootFrom(dir string) string {
	for dir != "" {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
			for line := range strings.SplitSeq(string(b), "\n") {
				if f := strings.Fields(line); len(f) == 2 && f[0] == "module" && f[1] == modulePath {
					return dir
				}
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	return ""
}

const modulePath = "github.com/pelab/pelab"

// startConfig is the configuration a backend is started with: a bare "go"
// runs its ops sequentially (see the package documentation).
func startConfig(config string) string {
	if config == KindGo {
		return KindGo + ":ops_sequential"
	}
	return config
}
