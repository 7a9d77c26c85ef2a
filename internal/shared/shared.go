// Package shared locates the project's shared folder (docs and data that live
// beside the checkout, never inside it) for tests and commands.
//
// The folder is $PELAB_SHARED when set, else ../shared beside the module
// root (the directory holding go.mod), found by walking up from the current
// directory.
package shared

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// EnvVar names the environment variable that overrides the shared folder.
const EnvVar = "PELAB_SHARED"

// ModuleRoot returns the directory holding go.mod, searching upwards from the
// current working directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("shared: no go.mod found above the current directory")
		}
		dir = parent
	}
}

// Dir returns the shared folder, or an error saying where it was looked for.
func Dir() (string, error) {
	if d := os.Getenv(EnvVar); d != "" {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return "", fmt.Errorf("shared: $%s=%q is not a directory", EnvVar, d)
		}
		return d, nil
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	d := filepath.Join(root, "..", "shared")
	if st, err := os.Stat(d); err != nil || !st.IsDir() {
		return "", fmt.Errorf("shared: %s not found (set $%s to the shared folder)", d, EnvVar)
	}
	return filepath.Clean(d), nil
}

// Data returns the path of parts under the shared data folder (shared/data/...),
// or an error naming the path that is missing.
func Data(parts ...string) (string, error) {
	d, err := Dir()
	if err != nil {
		return "", err
	}
	p := filepath.Join(append([]string{d, "data"}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("shared: %s is absent", p)
	}
	return p, nil
}

// TestData is Data for tests: it skips the test, saying what is absent,
// where the shared data is not there.
func TestData(t testing.TB, parts ...string) string {
	t.Helper()
	p, err := Data(parts...)
	if err != nil {
		t.Skipf("skipping: shared data not available: %v", err)
	}
	return p
}
