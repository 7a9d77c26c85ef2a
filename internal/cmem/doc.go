// Package cmem tunes the C allocator (glibc malloc) that ONNX Runtime and
// XLA allocate from, so that long runs stay in flat resident memory and
// steps do not pay for memory the allocator gave away a moment before:
// fewer arenas (LimitArenas), freed memory kept for the next step instead of
// trimmed after every free (KeepFreed), and freed memory returned after a
// model group is closed (Trim). All are no-ops without cgo or off Linux. See
// docs/memory.md and docs/performance.md for the measurements behind them.
package cmem
