//go:build !linux || !cgo

package cmem

// LimitArenas does nothing where glibc's mallopt cannot be called.
func LimitArenas(int) bool { return false }

// KeepFreed does nothing where glibc's mallopt cannot be called.
func KeepFreed(int, int, int) bool { return false }

// Trim does nothing where glibc's malloc_trim cannot be called.
func Trim() bool { return false }
