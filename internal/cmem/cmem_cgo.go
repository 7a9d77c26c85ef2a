//go:build linux && cgo

package cmem

/*
#include <malloc.h>
*/
import "C"

// LimitArenas caps the number of glibc malloc arenas at n (mallopt
// M_ARENA_MAX) and reports whether it was applied.
func LimitArenas(n int) bool { return C.mallopt(C.M_ARENA_MAX, C.int(n)) == 1 }

// KeepFreed stops glibc from handing freed memory at the top of a heap back
// to the system after every free (mallopt M_TRIM_THRESHOLD = trim) and has
// each heap extension reserve pad bytes more (M_TOP_PAD), and reports
// whether both were applied. Setting either also fixes glibc's mmap
// threshold at its current value instead of letting it rise.
func KeepFreed(trim, pad, mmap int) bool {
	return C.mallopt(C.M_TRIM_THRESHOLD, C.int(trim)) == 1 && C.mallopt(C.M_TOP_PAD, C.int(pad)) == 1 &&
		C.mallopt(C.M_MMAP_THRESHOLD, C.int(mmap)) == 1
}

// Trim returns the free memory of every malloc arena to the system
// (malloc_trim(0)) and reports whether any was released.
func Trim() bool { return C.malloc_trim(0) == 1 }
