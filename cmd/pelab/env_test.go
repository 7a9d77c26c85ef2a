package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func TestEnvCommand(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		code    int
		stdout  []string // substrings of stdout
		stderr  []string // substrings of stderr
		isolate bool     // hide every installed backend library
	}{{
		name: "pure Go requested",
		args: []string{"env", "--backend=go"},
		stdout: []string{"backend:         go (argument)", "why:             requested by argument: pure Go backend",
			"device 0:", "in-graph While:  yes", "gomlx:           v0.28.2", "compute:         v0.1.2", "go-xla:          v0.4.1"},
	}, {
		name:    "automatic without any library is pure Go",
		args:    []string{"env"},
		isolate: true,
		stdout:  []string{"backend:         go (automatic)", "no ONNX Runtime library"},
	}, {
		name:    "absent ONNX Runtime requested",
		args:    []string{"env", "--backend", "onnx"},
		isolate: true,
		code:    1,
		stderr:  []string{"pelab env:", `backend "onnx" requested by argument`},
	}, {
		name:    "absent XLA plugin requested",
		args:    []string{"env", "--backend=xla:cpu"},
		isolate: true,
		code:    1,
		stderr:  []string{"no PJRT cpu plugin", "make xla-install"},
	}, {
		name:   "stray argument",
		args:   []string{"env", "extra"},
		code:   2,
		stderr: []string{`unexpected argument "extra"`},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, v := range []string{"PELAB_BACKEND", "GOMLX_BACKEND", "ONNXRUNTIME_SHARED_LIBRARY_PATH"} {
				t.Setenv(v, "")
			}
			if tc.isolate {
				tmp := t.TempDir()
				t.Setenv("HOME", tmp)
				t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", filepath.Join(tmp, "none"))
				t.Chdir(tmp)
			}
			var out, errOut bytes.Buffer
			if code := runMain(tc.args, &out, &errOut); code != tc.code {
				t.Fatalf("pelab %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(tc.args, " "), code, tc.code, &out, &errOut)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(out.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, &out)
				}
			}
			for _, s := range tc.stderr {
				if !strings.Contains(errOut.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, &errOut)
				}
			}
		})
	}
}
