// Package testbackend gives tests one shared compute backend, chosen the way
// pelab chooses everywhere (xla.Choose: $PELAB_BACKEND, $GOMLX_BACKEND, else
// automatic), so `make test` can run the same tests on the pure Go backend
// and on ONNX Runtime.
package testbackend

import (
	"sync"
	"testing"

	"github.com/gomlx/compute"
	"github.com/pelab/pelab/xla"
)

var (
	once   sync.Once
	choice *xla.Choice
	err    error
)

// Get returns the backend for this test binary, failing the test when it
// cannot start. It logs the choice once per test.
func Get(t testing.TB) compute.Backend {
	t.Helper()
	once.Do(func() { choice, err = xla.Choose("") })
	if err != nil {
		t.Fatalf("backend: %v", err)
	}
	t.Logf("backend: %s", choice)
	return choice.Backend
}

// Name is the chosen backend's configuration string ("go", "onnx:cpu", …).
func Name(t testing.TB) string {
	Get(t)
	return choice.Config
}
