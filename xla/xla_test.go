package xla

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
)

// clearEnv unsets, for the test, every variable detection reads.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, v := range []string{EnvBackend, EnvGoMLXBackend, EnvONNXRuntime, EnvPJRTPath,
		"XLA_FLAGS", "GOPJRT_CUDA_CHECKS", "CUDA_HOME", "CUDA_PATH"} {
		t.Setenv(v, "")
	}
}

// touch creates an empty file (and its directories) under root.
func touch(t *testing.T, root string, parts ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{root}, parts...)...)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// fixture is a detector over a temporary tree:
//
//	tmp/home     the user's home (go-xla's ~/.local/lib/go-xla)
//	tmp/sys      /usr/local/lib
//	tmp/sys-cuda /usr/local/cuda
//	tmp/proj     a pelab checkout (.tools/onnxruntime)
//	tmp/site     python's site-packages (jax_plugins)
func fixture(t *testing.T, gpu bool, backends ...string) (*detector, string) {
	t.Helper()
	clearEnv(t)
	tmp := t.TempDir()
	return &detector{
		getenv:       os.Getenv,
		home:         filepath.Join(tmp, "home"),
		systemLib:    filepath.Join(tmp, "sys"),
		systemCUDA:   filepath.Join(tmp, "sys-cuda"),
		projectRoot:  filepath.Join(tmp, "proj"),
		backends:     backends,
		hasGPU:       func() bool { return gpu },
		sitePackages: func() []string { return []string{filepath.Join(tmp, "site")} },
	}, tmp
}

func TestPlanAutomatic(t *testing.T) {
	all := []string{KindGo, KindONNX, KindXLA}
	tests := []struct {
		name     string
		gpu      bool
		backends []string
		setup    func(t *testing.T, tmp string) // files and env vars
		config   string                         // want; "$tmp" is replaced by the temp dir
		library  string
		env      []string
		reason   string // substring
	}{{
		name: "nothing installed", backends: all,
		config: "go", reason: "no ONNX Runtime library",
	}, {
		name: "ONNX Runtime in the project", backends: all,
		setup: func(t *testing.T, tmp string) {
			touch(t, tmp, "proj/.tools/onnxruntime/1.30.0/libonnxruntime.so.1")
		},
		config: "onnx:cpu", library: "$tmp/proj/.tools/onnxruntime/1.30.0/libonnxruntime.so.1",
		env:    []string{EnvONNXRuntime + "=$tmp/proj/.tools/onnxruntime/1.30.0/libonnxruntime.so.1"},
		reason: "ONNX Runtime library",
	}, {
		name: "ONNX Runtime from the environment wins over the project", backends: all,
		setup: func(t *testing.T, tmp string) {
			touch(t, tmp, "proj/.tools/onnxruntime/1.30.0/libonnxruntime.so.1")
			t.Setenv(EnvONNXRuntime, touch(t, tmp, "ort/libonnxruntime.so"))
		},
		config: "onnx:cpu", library: "$tmp/ort/libonnxruntime.so",
		env: []string{EnvONNXRuntime + "=$tmp/ort/libonnxruntime.so"},
	}, {
		name: "ONNX Runtime in compute-onnx's home directory", backends: all,
		setup: func(t *testing.T, tmp string) {
			touch(t, tmp, "home/.local/lib/onnxruntime/libonnxruntime.so")
		},
		config: "onnx:cpu", library: "$tmp/home/.local/lib/onnxruntime/libonnxruntime.so",
		env: []string{EnvONNXRuntime + "=$tmp/home/.local/lib/onnxruntime/libonnxruntime.so"},
	}, {
		name: "ONNX Runtime present but not compiled in", backends: []string{KindGo, KindXLA},
		setup: func(t *testing.T, tmp string) {
			touch(t, tmp, "proj/.tools/onnxruntime/1.30.0/libonnxruntime.so.1")
		},
		config: "go", reason: "built without -tags onnx",
	}, {
		name: "missing library named by the environment", backends: all,
		setup: func(t *testing.T, tmp string) {
			t.Setenv(EnvONNXRuntime, filepath.Join(tmp, "nowhere.so"))
		},
		config: "go", reason: "(missing)",
	}, {
		name: "CPU PJRT plugin in go-xla's home directory", backends: all,
		setup: func(t *testing.T, tmp string) {
			touch(t, tmp, "home/.local/lib/go-xla/pjrt_c_api_cpu_v0.114.0_plugin.so")
			touch(t, tmp, "proj/.tools/onnxruntime/1.30.0/libonnxruntime.so.1")
		},
		config:  "xla:$tmp/home/.local/lib/go-xla/pjrt_c_api_cpu_v0.114.0_plugin.so",
		library: "$tmp/home/.local/lib/go-xla/pjrt_c_api_cpu_v0.114.0_plugin.so",
		reason:  "no NVIDIA GPU; PJRT plugin",
	}, {
		name: "CPU PJRT plugin in the system directory", backends: all,
		setup: func(t *testing.T, tmp string) {
			touch(t, tmp, "sys/go-xla/pjrt_c_api_cpu_plugin.so")
		},
		config: "xla:$tmp/sys/go-xla/pjrt_c_api_cpu_plugin.so", library: "$tmp/sys/go-xla/pjrt_c_api_cpu_plugin.so",
	}, {
		name: "PJRT_PLUGIN_LIBRARY_PATH comes first", backends: all,
		setup: func(t *testing.T, tmp string) {
			touch(t, tmp, "sys/go-xla/pjrt_c_api_cpu_plugin.so")
			touch(t, tmp, "pjrt/pjrt_c_api_cpu_plugin.so")
			t.Setenv(EnvPJRTPath, filepath.Join(tmp, "empty")+":"+filepath.Join(tmp, "pjrt"))
		},
		config: "xla:$tmp/pjrt/pjrt_c_api_cpu_plugin.so", library: "$tmp/pjrt/pjrt_c_api_cpu_plugin.so",
	}, {
		name: "XLA plugin ignored without XLA compiled in", backends: []string{KindGo},
		setup: func(t *testing.T, tmp string) {
			touch(t, tmp, "sys/go-xla/pjrt_c_api_cpu_plugin.so")
		},
		config: "go", reason: "XLA not compiled in",
	}, {
		name: "CUDA plugin from go-xla with a GPU", gpu: true, backends: all,
		setup: func(t *testing.T, tmp string) {
			touch(t, tmp, "home/.local/lib/go-xla/pjrt_c_api_cpu_plugin.so")
			touch(t, tmp, "home/.local/lib/go-xla/nvidia/pjrt_c_api_cuda_plugin.so")
		},
		config:  "xla:$tmp/home/.local/lib/go-xla/nvidia/pjrt_c_api_cuda_plugin.so",
		library: "$tmp/home/.local/lib/go-xla/nvidia/pjrt_c_api_cuda_plugin.so",
		reason:  "CUDA PJRT plugin",
	}, {
		name: "CUDA plugin skipped without a GPU", backends: all,
		setup: func(t *testing.T, tmp string) {
			touch(t, tmp, "home/.local/lib/go-xla/nvidia/pjrt_c_api_cuda_plugin.so")
		},
		config: "go", reason: "no NVIDIA GPU",
	}, {
		name: "CUDA plugin in PJRT_PLUGIN_LIBRARY_PATH", gpu: true, backends: all,
		setup: func(t *testing.T, tmp string) {
			touch(t, tmp, "pjrt/pjrt_c_api_cuda_plugin.so")
			t.Setenv(EnvPJRTPath, filepath.Join(tmp, "pjrt"))
		},
		config: "xla:$tmp/pjrt/pjrt_c_api_cuda_plugin.so", library: "$tmp/pjrt/pjrt_c_api_cuda_plugin.so",
	}, {
		name: "JAX's CUDA plugin with the CUDA data dir", gpu: true, backends: all,
		setup: func(t *testing.T, tmp string) {
			touch(t, tmp, "site/jax_plugins/xla_cuda13/xla_cuda_plugin.so")
			touch(t, tmp, "cuda/nvvm/libdevice/libdevice.10.bc")
			t.Setenv("CUDA_HOME", filepath.Join(tmp, "cuda"))
			t.Setenv("XLA_FLAGS", "--xla_dump_to=/tmp/x")
		},
		config:  "xla:$tmp/site/jax_plugins/xla_cuda13/xla_cuda_plugin.so",
		library: "$tmp/site/jax_plugins/xla_cuda13/xla_cuda_plugin.so",
		env:     []string{"GOPJRT_CUDA_CHECKS=0", "XLA_FLAGS=--xla_dump_to=/tmp/x --xla_gpu_cuda_data_dir=$tmp/cuda"},
		reason:  "JAX's CUDA PJRT plugin",
	}, {
		name: "JAX's CUDA plugin with the system CUDA", gpu: true, backends: all,
		setup: func(t *testing.T, tmp string) {
			touch(t, tmp, "site/jax_plugins/xla_cuda13/xla_cuda_plugin.so")
			touch(t, tmp, "sys-cuda/nvvm/libdevice/libdevice.10.bc")
			touch(t, tmp, "site/nvidia/cu13/nvvm/libdevice/libdevice.10.bc")
		},
		config: "xla:$tmp/site/jax_plugins/xla_cuda13/xla_cuda_plugin.so",
		env:    []string{"GOPJRT_CUDA_CHECKS=0", "XLA_FLAGS=--xla_gpu_cuda_data_dir=$tmp/sys-cuda"},
	}, {
		name: "JAX's CUDA plugin with its own nvidia packages", gpu: true, backends: all,
		setup: func(t *testing.T, tmp string) {
			touch(t, tmp, "site/jax_plugins/xla_cuda13/xla_cuda_plugin.so")
			touch(t, tmp, "site/nvidia/cu13/nvvm/libdevice/libdevice.10.bc")
		},
		config: "xla:$tmp/site/jax_plugins/xla_cuda13/xla_cuda_plugin.so",
		env:    []string{"GOPJRT_CUDA_CHECKS=0", "XLA_FLAGS=--xla_gpu_cuda_data_dir=$tmp/site/nvidia/cu13"},
	}, {
		name: "JAX's CUDA plugin keeps a data dir already set", gpu: true, backends: all,
		setup: func(t *testing.T, tmp string) {
			touch(t, tmp, "site/jax_plugins/xla_cuda12/xla_cuda_plugin.so")
			touch(t, tmp, "site/nvidia/cu13/nvvm/libdevice/libdevice.10.bc")
			t.Setenv("XLA_FLAGS", "--xla_gpu_cuda_data_dir=/opt/cuda")
			t.Setenv("GOPJRT_CUDA_CHECKS", "1")
		},
		config: "xla:$tmp/site/jax_plugins/xla_cuda12/xla_cuda_plugin.so",
		env:    nil,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, tmp := fixture(t, tc.gpu, tc.backends...)
			if tc.setup != nil {
				tc.setup(t, tmp)
			}
			c, err := d.plan("")
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			sub := func(s string) string { return strings.ReplaceAll(s, "$tmp", tmp) }
			if c.Config != sub(tc.config) {
				t.Errorf("config = %q, want %q (reason: %s)", c.Config, sub(tc.config), c.Reason)
			}
			if tc.library != "" && c.Library != sub(tc.library) {
				t.Errorf("library = %q, want %q", c.Library, sub(tc.library))
			}
			var env []string
			for _, e := range tc.env {
				env = append(env, sub(e))
			}
			if (tc.env != nil || strings.HasPrefix(tc.name, "JAX")) && !slices.Equal(c.Env, env) {
				t.Errorf("env = %q, want %q", c.Env, env)
			}
			if !strings.Contains(c.Reason, tc.reason) {
				t.Errorf("reason = %q, want it to contain %q", c.Reason, tc.reason)
			}
			if c.Source != "automatic" || c.Explicit() {
				t.Errorf("source = %q, want automatic", c.Source)
			}
		})
	}
}

func TestPlanExplicit(t *testing.T) {
	all := []string{KindGo, KindONNX, KindXLA}
	tests := []struct {
		name     string
		arg      string
		env      map[string]string
		backends []string
		gpu      bool
		files    []string
		config   string // want; "" when an error is wanted
		source   string
		errHas   []string // substrings of the error
	}{
		{name: "argument", arg: "go", backends: all, config: "go", source: "argument"},
		{name: "argument wins over the environment", arg: "go", env: map[string]string{EnvBackend: "onnx"}, backends: all, config: "go", source: "argument"},
		{name: "PELAB_BACKEND wins over GOMLX_BACKEND", env: map[string]string{EnvBackend: "go", EnvGoMLXBackend: "xla:cpu"}, backends: all, config: "go", source: "$PELAB_BACKEND"},
		{name: "GOMLX_BACKEND", env: map[string]string{EnvGoMLXBackend: "go"}, backends: all, config: "go", source: "$GOMLX_BACKEND"},
		{name: "go with options", arg: "go:ops_sequential", backends: all, config: "go:ops_sequential", source: "argument"},
		{name: "go parallelism=2 refused", arg: "go:parallelism=2", backends: all, errHas: []string{"deadlock"}},
		{name: "onnx present", arg: "onnx", backends: all, files: []string{"proj/.tools/onnxruntime/1.30.0/libonnxruntime.so.1"}, config: "onnx:cpu", source: "argument"},
		{name: "onnxruntime alias with options", arg: "onnxruntime:log=1", backends: all, files: []string{"proj/.tools/onnxruntime/1.30.0/libonnxruntime.so.1"}, config: "onnx:cpu,log=1", source: "argument"},
		{name: "onnx absent", arg: "onnx:cpu", backends: all,
			errHas: []string{`backend "onnx:cpu" requested by argument`, "ONNX Runtime library not found", "$ONNXRUNTIME_SHARED_LIBRARY_PATH (unset)", ".tools/onnxruntime", "make setup"}},
		{name: "onnx not compiled in", env: map[string]string{EnvBackend: "onnx"}, backends: []string{KindGo, KindXLA},
			files: []string{"proj/.tools/onnxruntime/1.30.0/libonnxruntime.so.1"}, errHas: []string{"requested by $PELAB_BACKEND", "-tags onnx"}},
		{name: "onnx cuda refused", arg: "onnx:cuda", backends: all, files: []string{"proj/.tools/onnxruntime/1.30.0/libonnxruntime.so.1"}, errHas: []string{"CUDA provider"}},
		{name: "xla cpu absent", arg: "xla:cpu", backends: all,
			errHas: []string{"no PJRT cpu plugin", "go-xla", "make xla-install", "PJRT_PLUGIN_LIBRARY_PATH", "jax_plugins"}},
		{name: "xla absent", arg: "xla", backends: all, errHas: []string{"no NVIDIA GPU", "no PJRT cpu plugin", "make xla-install"}},
		{name: "xla cuda without GPU", arg: "xla:cuda", backends: all, files: []string{"home/.local/lib/go-xla/nvidia/pjrt_c_api_cuda_plugin.so"}, errHas: []string{"no NVIDIA GPU"}},
		{name: "xla cuda with GPU, options kept", arg: "xla:cuda,preallocate=false", gpu: true, backends: all,
			files:  []string{"home/.local/lib/go-xla/nvidia/pjrt_c_api_cuda_plugin.so"},
			config: "xla:$tmp/home/.local/lib/go-xla/nvidia/pjrt_c_api_cuda_plugin.so,preallocate=false", source: "argument"},
		{name: "xla cpu present", arg: "xla:cpu", backends: all, files: []string{"sys/go-xla/pjrt_c_api_cpu_v0.114.0_plugin.so"},
			config: "xla:$tmp/sys/go-xla/pjrt_c_api_cpu_v0.114.0_plugin.so", source: "argument"},
		{name: "xla plugin path", arg: "xla:$tmp/p/my_plugin.so", backends: all, files: []string{"p/my_plugin.so"}, config: "xla:$tmp/p/my_plugin.so", source: "argument"},
		{name: "xla plugin path missing", arg: "xla:/nonexistent/pjrt_c_api_cpu_plugin.so", backends: all, errHas: []string{"does not exist", "make xla-install"}},
		{name: "xla not compiled in", arg: "xla:cpu", backends: []string{KindGo}, errHas: []string{"noxla"}},
		{name: "unknown backend", arg: "tpu", backends: all, errHas: []string{`unknown backend "tpu"`, "want go, onnx"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, tmp := fixture(t, tc.gpu, tc.backends...)
			sub := func(s string) string { return strings.ReplaceAll(s, "$tmp", tmp) }
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			for _, f := range tc.files {
				touch(t, tmp, f)
			}
			c, err := d.plan(sub(tc.arg))
			if tc.config == "" {
				if err == nil {
					t.Fatalf("plan(%q) = %q, want an error", tc.arg, c.Config)
				}
				for _, s := range tc.errHas {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("plan(%q): %v", tc.arg, err)
			}
			if c.Config != sub(tc.config) || c.Source != tc.source || !c.Explicit() {
				t.Errorf("plan(%q) = config %q source %q, want %q %q", tc.arg, c.Config, c.Source, sub(tc.config), tc.source)
			}
			if !strings.HasPrefix(c.Reason, "requested by "+tc.source) {
				t.Errorf("reason %q does not start with %q", c.Reason, "requested by "+tc.source)
			}
		})
	}
}

// isolate makes the real Choose see no installed plugin or library: an empty
// home, no checkout above the working directory, no GPU plugin paths.
func isolate(t *testing.T) string {
	t.Helper()
	clearEnv(t)
	tmp := t.TempDir()
	t.Setenv("HOME", tmp)
	t.Setenv(EnvPJRTPath, filepath.Join(tmp, "no-plugins"))
	t.Chdir(tmp)
	return tmp
}

// addOne runs x+1 on b, checking that a chosen backend really computes.
func addOne(t *testing.T, b compute.Backend) {
	t.Helper()
	got, err := graph.CallOnce(b, func(x *graph.Node) *graph.Node {
		return graph.AddScalar(x, 1)
	}, []float32{1, 2})
	if err != nil {
		t.Fatalf("x+1 on %s: %v", b.Name(), err)
	}
	if v := got.Value().([]float32); !slices.Equal(v, []float32{2, 3}) {
		t.Fatalf("x+1 on %s = %v, want [2 3]", b.Name(), v)
	}
}

func TestChooseAutomaticGo(t *testing.T) {
	isolate(t)
	if hasNVIDIAGPU() {
		t.Skip("skipping: an NVIDIA GPU is present, so a JAX CUDA plugin may make the automatic choice xla")
	}
	if p := "/usr/local/lib/go-xla"; isFile(filepath.Join(p, "pjrt_c_api_cpu_plugin.so")) {
		t.Skipf("skipping: a system-wide PJRT plugin in %s makes the automatic choice xla", p)
	}
	c, err := Choose("")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Backend.Finalize()
	if c.Config != "go" || c.Kind != KindGo {
		t.Fatalf("Choose() without the ONNX library = %s (backend %s), want go", c, c.Backend.Name())
	}
	if len(c.Devices()) == 0 {
		t.Error("no devices")
	}
	addOne(t, c.Backend)
}

func TestChooseAutomaticONNX(t *testing.T) {
	lib, looked := FindONNXRuntime()
	if lib == "" {
		t.Skipf("skipping: ONNX Runtime library absent (run `make setup`); looked at %s", strings.Join(looked, ", "))
	}
	if !slices.Contains(Compiled(), KindONNX) {
		t.Skip("skipping: test binary built without -tags onnx")
	}
	isolate(t)
	t.Setenv(EnvONNXRuntime, lib)
	c, err := Choose("")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Backend.Finalize()
	if c.Config != "onnx:cpu" || c.Library != lib {
		t.Fatalf("Choose() with %s = %s, want onnx:cpu", lib, c)
	}
	if got := os.Getenv(EnvONNXRuntime); got != lib {
		t.Errorf("$%s = %q after Choose, want %q", EnvONNXRuntime, got, lib)
	}
	addOne(t, c.Backend)
}

func TestChooseExplicitAbsent(t *testing.T) {
	tmp := isolate(t)
	for _, req := range []string{"onnx", "xla:cpu", "xla:" + filepath.Join(tmp, "missing.so")} {
		t.Run(req, func(t *testing.T) {
			t.Setenv(EnvBackend, req)
			c, err := Choose("")
			if err == nil {
				c.Backend.Finalize()
				t.Fatalf("Choose with $%s=%q gave %s, want an error", EnvBackend, req, c)
			}
			msg := err.Error()
			for _, s := range []string{req, "requested by $PELAB_BACKEND"} {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q does not name %q", msg, s)
				}
			}
			if !strings.Contains(msg, "make setup") && !strings.Contains(msg, "-tags onnx") && !strings.Contains(msg, "make xla-install") {
				t.Errorf("error %q says nothing of how to install", msg)
			}
			t.Log(msg)
		})
	}
}

// whileSum builds sum(1..10) with an in-graph While loop.
func whileSum(b compute.Backend) (sum int32, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	got, err := graph.CallOnce(b, func(g *graph.Graph) *graph.Node {
		i32 := shapes.Scalar[int32]()
		cond := graph.NewClosure(g, func(g *graph.Graph) []*graph.Node {
			i := graph.Parameter(g, "i", i32)
			graph.Parameter(g, "sum", i32)
			return []*graph.Node{graph.LessThan(i, graph.Const(g, int32(11)))}
		})
		body := graph.NewClosure(g, func(g *graph.Graph) []*graph.Node {
			i := graph.Parameter(g, "i", i32)
			s := graph.Parameter(g, "sum", i32)
			return []*graph.Node{graph.AddScalar(i, 1), graph.Add(s, i)}
		})
		return graph.While(cond, body, graph.Const(g, int32(1)), graph.Const(g, int32(0)))[1]
	})
	if err != nil {
		return 0, err
	}
	return got.Value().(int32), nil
}

// startBackend starts the backend cfg for the test, finalised when it ends.
func startBackend(t *testing.T, cfg string) compute.Backend {
	t.Helper()
	c, err := Choose(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Backend.Finalize)
	return c.Backend
}

// availableConfigs lists the backends that can start here: go, onnx:cpu
// (library present, built with -tags onnx), xla (a PJRT plugin found).
func availableConfigs() []string {
	configs := []string{"go"}
	if lib, _ := FindONNXRuntime(); lib != "" && slices.Contains(Compiled(), KindONNX) {
		configs = append(configs, "onnx:cpu")
	}
	if p, _ := newDetector().findPJRT(""); p.path != "" && slices.Contains(Compiled(), KindXLA) {
		configs = append(configs, "xla:"+p.path)
	}
	return configs
}

// TestSupportsWhile checks the capability claim against a real While loop
// on every backend that starts here.
func TestSupportsWhile(t *testing.T) {
	for _, cfg := range availableConfigs() {
		t.Run(cfg, func(t *testing.T) {
			b := startBackend(t, cfg)
			sum, err := whileSum(b)
			claims := SupportsWhile(b)
			t.Logf("%s: SupportsWhile=%v, sum(1..10) by While = %d, err = %v", cfg, claims, sum, err)
			if claims && (err != nil || sum != 55) {
				t.Errorf("%s claims While but sum(1..10) = %d, err = %v", cfg, sum, err)
			}
			if !claims && err == nil {
				t.Errorf("%s does not claim While, but a While loop ran (sum %d)", cfg, sum)
			}
		})
	}
}

// TestStartBrokenPlugin: an automatic choice whose plugin will not load goes
// on down the order and says so; the same plugin requested explicitly is an
// error.
func TestStartBrokenPlugin(t *testing.T) {
	if !slices.Contains(Compiled(), KindXLA) {
		t.Skip("skipping: built with -tags noxla")
	}
	d, tmp := fixture(t, false, Compiled()...)
	bad := touch(t, tmp, "home/.local/lib/go-xla/pjrt_c_api_cpu_plugin.so") // empty: dlopen fails
	c, err := d.start("")
	if err != nil {
		t.Fatalf("automatic start with a broken plugin: %v", err)
	}
	defer c.Backend.Finalize()
	if c.Kind != KindGo || !strings.Contains(c.Reason, "xla:"+bad+" did not start") {
		t.Errorf("automatic start with a broken plugin = %s, want go saying xla did not start", c)
	}

	d, _ = fixture(t, false, Compiled()...)
	d.home = filepath.Join(tmp, "home")
	if c, err := d.start("xla:cpu"); err == nil {
		c.Backend.Finalize()
		t.Fatalf("explicit xla:cpu with a broken plugin started %s, want an error", c)
	} else if !strings.Contains(err.Error(), "did not start") || !strings.Contains(err.Error(), bad) {
		t.Errorf("error %q does not say that %s did not start", err, bad)
	}
}

// TestONNXThreads checks that an ONNX Runtime choice sets the intra-op
// thread count to one per CPU unless the environment already names one.
func TestONNXThreads(t *testing.T) {
	t.Setenv(EnvONNXThreads, "")
	c := &Choice{Kind: KindONNX, Env: []string{EnvONNXRuntime + "=/x/libonnxruntime.so.1"}}
	note := c.onnxThreads()
	want := fmt.Sprintf("%s=%d", EnvONNXThreads, runtime.NumCPU())
	if !slices.Contains(c.Env, want) || !slices.IsSorted(c.Env) {
		t.Errorf("env = %q, want it to hold %q, sorted", c.Env, want)
	}
	if !strings.Contains(note, "intra-op threads") {
		t.Errorf("note %q does not say the thread count", note)
	}
	t.Setenv(EnvONNXThreads, "3")
	c = &Choice{Kind: KindONNX}
	if note := c.onnxThreads(); len(c.Env) != 0 || !strings.Contains(note, "=3") {
		t.Errorf("with $%s=3: env %q, note %q; want the variable left alone and named", EnvONNXThreads, c.Env, note)
	}
}
