// Package cmem tunes the C allocator (glibc malloc) that ONNX Runtime and
// XLA allocate from, so that long runs stay in flat resident memory: fewer
// arenas (LimitArenas) and returning freed memory after a model group is
// closed (Trim). Both are no-ops without cgo or off Linux. See
// docs/memory.md for the measurements behind them.
package cmem
