package xla

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	goxla "github.com/gomlx/go-xla/compute/xla"
)

// detector holds everything detection looks at, so tests can point it at
// temporary directories. newDetector fills it from the running process.
type detector struct {
	getenv      func(string) string
	home        string   // user's home directory ("" if unknown)
	systemLib   string   // system library directory, "/usr/local/lib"
	systemCUDA  string   // system CUDA installation, "/usr/local/cuda"
	projectRoot string   // pelab checkout holding .tools/ ("" if not found)
	backends    []string // backends compiled in (compute.List)
	// hasGPU reports whether an NVIDIA GPU is present.
	hasGPU func() bool
	// sitePackages lists python's site-packages directories (searched for
	// JAX's CUDA plugin); called only when a GPU is present.
	sitePackages func() []string
	// failed maps a backend kind to why its automatic choice did not start;
	// the automatic order then skips that kind.
	failed map[string]string
}

func newDetector() *detector {
	home, _ := os.UserHomeDir()
	root := ""
	if wd, err := os.Getwd(); err == nil {
		root = projectRootFrom(wd)
	}
	if root == "" {
		if exe, err := os.Executable(); err == nil {
			root = projectRootFrom(filepath.Dir(exe))
		}
	}
	return &detector{
		getenv:       os.Getenv,
		home:         home,
		systemLib:    "/usr/local/lib",
		systemCUDA:   "/usr/local/cuda",
		projectRoot:  root,
		backends:     Compiled(),
		hasGPU:       hasNVIDIAGPU,
		sitePackages: pythonSitePackages,
	}
}

func (d *detector) compiled(kind string) bool {
	return slices.Contains(d.backends, kind)
}

// disableAutoInstall stops go-xla from downloading PJRT plugins when a
// backend is created (it reads GOMLX_NO_AUTO_INSTALL only at init).
func disableAutoInstall() {
	goxla.EnableAutoInstall(false)
}

// hasNVIDIAGPU mirrors go-xla's test: NVIDIA device files exist.
func hasNVIDIAGPU() bool {
	m, _ := filepath.Glob("/dev/nvidia[0-9]*")
	return len(m) > 0
}

// pythonSitePackages asks python3 (the one on PATH, then Debian's) for its
// site-packages directories, user site included.
func pythonSitePackages() []string {
	const script = "import site,sys\n" +
		"d=site.getsitepackages() if hasattr(site,'getsitepackages') else []\n" +
		"d.append(site.getusersitepackages())\n" +
		"print('\\n'.join(d))"
	var dirs []string
	seen := map[string]bool{}
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		path, err := exec.LookPath(py)
		if err != nil || seen[path] {
			continue
		}
		seen[path] = true
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		out, err := exec.CommandContext(ctx, path, "-c", script).Output()
		cancel()
		if err != nil {
			continue
		}
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if l = strings.TrimSpace(l); l != "" && !slices.Contains(dirs, l) {
				dirs = append(dirs, l)
			}
		}
	}
	return dirs
}

// plugin is a PJRT plugin file found on disk.
type plugin struct {
	path string
	cuda bool
	jax  bool // from a JAX installation (needs CUDA data dir set up)
}

// pjrtDirs lists where PJRT plugins are searched, in order: each entry of
// $PJRT_PLUGIN_LIBRARY_PATH, then go-xla's install directories.
func (d *detector) pjrtDirs() []string {
	var dirs []string
	for p := range strings.SplitSeq(d.getenv(EnvPJRTPath), ":") {
		if p != "" {
			dirs = append(dirs, p)
		}
	}
	if d.home != "" {
		dirs = append(dirs, filepath.Join(d.home, ".local", "lib", "go-xla"))
	}
	if d.systemLib != "" {
		dirs = append(dirs, filepath.Join(d.systemLib, "go-xla"))
	}
	return dirs
}

// globFirst returns the first existing regular file matching any pattern in
// any directory, directories in order, patterns in order, names sorted
// (plain names before versioned ones).
func globFirst(dirs, patterns []string) string {
	for _, dir := range dirs {
		for _, pat := range patterns {
			m, _ := filepath.Glob(filepath.Join(dir, pat))
			sort.Strings(m)
			for _, f := range m {
				if isFile(f) {
					return f
				}
			}
		}
	}
	return ""
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// findPJRT looks for a PJRT plugin. name is "" (any: CUDA where a GPU is
// present, then CPU), "cpu", "cuda" (or another name), or an absolute path.
// It returns the plugin found, or none, and a note saying what was found
// or what was looked for and where.
func (d *detector) findPJRT(name string) (plugin, string) {
	if filepath.IsAbs(name) {
		if !isFile(name) {
			return plugin{}, "PJRT plugin " + name + " does not exist"
		}
		cuda := strings.Contains(strings.ToLower(name), "cuda")
		return plugin{path: name, cuda: cuda, jax: strings.Contains(name, "jax_plugins")}, "PJRT plugin " + name
	}
	dirs := d.pjrtDirs()
	var notes []string
	lname := strings.ToLower(name)
	wantCUDA := name == "" || strings.HasPrefix(lname, "cuda")
	if wantCUDA {
		if !d.hasGPU() {
			if name != "" {
				return plugin{}, "no NVIDIA GPU (no /dev/nvidia*) for PJRT plugin " + name
			}
			notes = append(notes, "no NVIDIA GPU")
		} else {
			base := "cuda"
			if name != "" {
				base = lname
			}
			var cudaDirs []string
			for _, dir := range dirs {
				cudaDirs = append(cudaDirs, filepath.Join(dir, "nvidia"), dir)
			}
			pats := []string{"pjrt_c_api_" + base + "_plugin.so", "pjrt_c_api_" + base + "*_plugin.so"}
			if p := globFirst(cudaDirs, pats); p != "" {
				return plugin{path: p, cuda: true}, "CUDA PJRT plugin " + p
			}
			sites := d.sitePackages()
			if p := globFirst(sites, []string{filepath.Join("jax_plugins", "xla_"+base+"*", "xla_cuda_plugin.so")}); p != "" {
				return plugin{path: p, cuda: true, jax: true}, "JAX's CUDA PJRT plugin " + p
			}
			notes = append(notes, "no CUDA PJRT plugin in "+strings.Join(dirs, ", ")+
				" or in jax_plugins/xla_cuda*/ of python's site-packages ("+orNone(sites)+")")
		}
		if name != "" {
			return plugin{}, strings.Join(notes, "; ")
		}
	}
	base := lname
	if base == "" {
		base = "cpu"
	}
	pats := []string{"pjrt_c_api_" + base + "_plugin.so", "pjrt_c_api_" + base + "_v*_plugin.so"}
	if p := globFirst(dirs, pats); p != "" {
		return plugin{path: p}, strings.Join(append(notes, "PJRT plugin "+p), "; ")
	}
	notes = append(notes, "no PJRT "+base+" plugin (pjrt_c_api_"+base+"*_plugin.so) in "+strings.Join(dirs, ", "))
	return plugin{}, strings.Join(notes, "; ")
}

func orNone(l []string) string {
	if len(l) == 0 {
		return "none found"
	}
	return strings.Join(l, ", ")
}

// findCUDADataDir returns a CUDA directory holding nvvm/libdevice for XLA's
// --xla_gpu_cuda_data_dir: $CUDA_HOME, $CUDA_PATH, /usr/local/cuda, or the
// nvidia/ packages next to a JAX plugin's site-packages.
func (d *detector) findCUDADataDir(p plugin) string {
	var cands []string
	for _, v := range []string{"CUDA_HOME", "CUDA_PATH"} {
		if s := d.getenv(v); s != "" {
			cands = append(cands, s)
		}
	}
	if d.systemCUDA != "" {
		cands = append(cands, d.systemCUDA)
	}
	// <site-packages>/jax_plugins/xla_cudaNN/xla_cuda_plugin.so → <site-packages>/nvidia/...
	site := filepath.Dir(filepath.Dir(filepath.Dir(p.path)))
	cands = append(cands,
		filepath.Join(site, "nvidia", "cu13"),
		filepath.Join(site, "nvidia", "cuda_nvcc"))
	for _, c := range cands {
		if st, err := os.Stat(filepath.Join(c, "nvvm", "libdevice")); err == nil && st.IsDir() {
			return c
		}
	}
	return ""
}

// findONNX returns ONNX Runtime's library, or "" and where it looked:
// $ONNXRUNTIME_SHARED_LIBRARY_PATH, the project's .tools/onnxruntime/, and
// compute-onnx's own install directory.
func (d *detector) findONNX() (string, []string) {
	var looked []string
	if p := d.getenv(EnvONNXRuntime); p != "" {
		if isFile(p) {
			return p, nil
		}
		looked = append(looked, "$"+EnvONNXRuntime+"="+p+" (missing)")
	} else {
		looked = append(looked, "$"+EnvONNXRuntime+" (unset)")
	}
	if d.projectRoot != "" {
		pat := filepath.Join(d.projectRoot, ".tools", "onnxruntime", "*", "libonnxruntime.so.1")
		m, _ := filepath.Glob(pat)
		sort.Sort(sort.Reverse(sort.StringSlice(m))) // newest version first
		for _, f := range m {
			if isFile(f) {
				return f, nil
			}
		}
		looked = append(looked, pat)
	} else {
		looked = append(looked, "<pelab checkout>/.tools/onnxruntime/ (no checkout above the working directory or the binary)")
	}
	if d.home != "" {
		p := filepath.Join(d.home, ".local", "lib", "onnxruntime", "libonnxruntime.so")
		if isFile(p) {
			return p, nil
		}
		looked = append(looked, p)
	}
	return "", looked
}
