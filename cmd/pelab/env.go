package main

import (
	"debug/buildinfo"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/pelab/pelab/xla"
)

func init() {
	register(command{
		name:  "env",
		short: "show the compute backend chosen and why, its devices, and tool versions",
		run:   runEnv,
	})
}

// runEnv implements `pelab env [--backend=CONFIG]`.
func runEnv(args []string, stdout io.Writer) error {
	fs := newFlagSet("env", stdout)
	backend := fs.String("backend", "", "backend to start: go, onnx[:cpu], xla[:cpu|cuda|/path/plugin.so]\n(default: $PELAB_BACKEND, $GOMLX_BACKEND, else automatic)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c, err := xla.Choose(*backend)
	if err != nil {
		return err
	}
	defer c.Backend.Finalize()

	row := func(k, v string) { fmt.Fprintf(stdout, "%-16s %s\n", k+":", v) }
	row("backend", c.Config+" ("+c.Source+")")
	row("why", c.Reason)
	row("description", c.Backend.Description())
	for i, d := range c.Devices() {
		row(fmt.Sprintf("device %d", i), d)
	}
	if c.Library != "" {
		row("library", c.Library)
	}
	for _, e := range c.Env {
		row("env set", e)
	}
	row("in-graph While", yesNo(xla.SupportsWhile(c.Backend)))
	row("compiled in", strings.Join(xla.Compiled(), ", "))

	row("go", runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH)
	if bi, ok := debug.ReadBuildInfo(); ok {
		row("pelab", pelabVersion(bi))
		for _, m := range []struct{ label, path string }{
			{"gomlx", "github.com/gomlx/gomlx"},
			{"compute", "github.com/gomlx/compute"},
			{"go-xla", "github.com/gomlx/go-xla"},
			{"compute-onnx", "github.com/gomlx/compute-onnx"},
		} {
			row(m.label, depVersion(bi, m.path))
		}
	}
	row("gonb", gonbVersion())
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// pelabVersion is the main module's version plus its VCS revision when known.
func pelabVersion(bi *debug.BuildInfo) string {
	v := bi.Main.Version
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v += " " + s.Value
		case "vcs.modified":
			if s.Value == "true" {
				v += " (modified)"
			}
		}
	}
	return v
}

// depVersion reports a dependency's version as linked into this binary.
func depVersion(bi *debug.BuildInfo, path string) string {
	for _, d := range bi.Deps {
		if d.Path == path {
			if d.Replace != nil {
				return d.Version + " => " + d.Replace.Path + " " + d.Replace.Version
			}
			return d.Version
		}
	}
	return "not linked in"
}

// gonbVersion reads the build info of the gonb binary on PATH (GoNB is a
// separate program, a tool line in go.mod, not linked into pelab).
func gonbVersion() string {
	p, err := exec.LookPath("gonb")
	if err != nil {
		return "not on PATH (run `make setup`)"
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	bi, err := buildinfo.ReadFile(p)
	if err != nil {
		return fmt.Sprintf("%s (version unknown: %v)", p, err)
	}
	return bi.Main.Version + " (" + p + ")"
}
