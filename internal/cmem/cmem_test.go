//go:build linux && cgo

package cmem

import (
	"os"
	"strings"
	"testing"
)

// TestSettingsApply checks that glibc accepts each setting this package
// makes (mallopt returns 0 for a value it refuses, and the setting would be
// silently absent).
func TestSettingsApply(t *testing.T) {
	if b, err := os.ReadFile("/proc/self/maps"); err != nil || !strings.Contains(string(b), "libc.so") {
		t.Skip("not linked against glibc (no libc.so in /proc/self/maps)")
	}
	if !LimitArenas(2) {
		t.Error("mallopt(M_ARENA_MAX, 2) refused")
	}
	if !KeepFreed(1<<30, 64<<20, 32<<20) {
		t.Error("mallopt(M_TRIM_THRESHOLD / M_TOP_PAD / M_MMAP_THRESHOLD) refused")
	}
	Trim()
}
