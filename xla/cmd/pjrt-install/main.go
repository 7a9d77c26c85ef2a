// Command pjrt-install downloads and installs go-xla's PJRT plugins, the
// XLA backend's compiled code, for users with internet access: the CPU plugin
// (from GitHub release assets) and, where an NVIDIA GPU is present or -cuda is
// given, the CUDA plugin with NVIDIA's libraries (from JAX's packages on
// PyPI).
//
// It calls go-xla's installer at the version pinned in go.mod; nothing else in
// pelab downloads plugins (xla.Choose switches go-xla's auto-install off).
// `make xla-install` runs it; the Dockerfile runs it with -cuda when built
// with --build-arg CUDA=1 (no GPU is visible while an image builds).
//
// Usage:
//
//	go run ./xla/cmd/pjrt-install [-dir ~/.local/lib] [-cuda] [-cuda-version 0.11.2] [-v]
//
// -cuda-version pins the CUDA plugin (PyPI's jax-cuda13-plugin) and the
// NVIDIA libraries it requires; "latest" asks PyPI for the newest.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gomlx/go-xla/installer"
)

// DefaultCUDAPluginVersion is the jax-cuda13-plugin version installed by
// -cuda: the one measured on an H100 (environment.md).
const DefaultCUDAPluginVersion = "0.11.2"

func main() {
	def, err := installer.DefaultHomeLibPath()
	if err != nil {
		def = ""
	}
	dir := flag.String("dir", def, "library directory; plugins go into its go-xla/ subdirectory, where xla.Choose looks (~/.local/lib or /usr/local/lib)")
	cuda := flag.Bool("cuda", false, "also install the CUDA plugin (cuda13) and NVIDIA's libraries when no GPU is visible now")
	cudaVersion := flag.String("cuda-version", DefaultCUDAPluginVersion, `version of the CUDA plugin (PyPI's jax-cuda13-plugin), or "latest"`)
	verbose := flag.Bool("v", false, "verbose installer output")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "pjrt-install: no home directory: give -dir")
		os.Exit(2)
	}
	level := installer.Normal
	if *verbose {
		level = installer.Verbose
	}
	goxla := filepath.Join(*dir, "go-xla")
	if err := installer.AutoInstall(*dir, true, level); err != nil {
		fmt.Fprintf(os.Stderr, "pjrt-install: installing PJRT plugins into %s: %v\n", goxla, err)
		os.Exit(1)
	}
	if *cuda {
		if _, err := os.Stat(filepath.Join(goxla, "nvidia", installer.NVIDIAPJRTPluginFileName)); err != nil {
			if err := installer.CudaInstall("cuda13", *cudaVersion, goxla, true, level); err != nil {
				fmt.Fprintf(os.Stderr, "pjrt-install: installing the CUDA plugin into %s: %v\n", goxla, err)
				os.Exit(1)
			}
		}
	}
	fmt.Printf("pjrt-install: PJRT plugins are in %s\n", goxla)
}
