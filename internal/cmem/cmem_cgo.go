//go:build linux && cgo

package cmem

/*
#include <malloc.h>
*/
import "C"

// LimitArenas caps the number of glibc malloc arenas at n (mallopt
// M_ARENA_MAX) and reports whether it was applied.
func LimitArenas(n int) bool { return C.mallopt(C.M_ARENA_MAX, C.int(n)) == 1 }

// Trim returns the free memory of every malloc arena to the system
// (malloc_trim(0)) and reports whether any was released.
func Trim() bool { return C.malloc_trim(0) == 1 }
