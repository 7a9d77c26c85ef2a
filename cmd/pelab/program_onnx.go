//go:build onnx

package main

import (
	"fmt"
	"io"

	"github.com/gomlx/compute"
	onnxbackend "github.com/gomlx/compute-onnx"
	"github.com/pelab/pelab/internal/atomicfile"
)

// programSaver returns a function that writes a compiled program of b as an
// ONNX model to path. b must be ONNX Runtime (possibly wrapped by
// xla.MatMulForm); it is told to keep the models it compiles from now on.
func programSaver(b compute.Backend, path string) (func(compute.Executable) error, error) {
	type unwrapper interface{ Unwrap() compute.Backend }
	inner := b
	if u, ok := b.(unwrapper); ok {
		inner = u.Unwrap()
	}
	ob, ok := inner.(*onnxbackend.Backend)
	if !ok {
		return nil, fmt.Errorf("backend %s is not ONNX Runtime: only an ONNX program can be saved (use -backend onnx)", b.Name())
	}
	ob.SetKeepModelProto(true)
	return func(e compute.Executable) error {
		if u, ok := e.(interface{ Unwrap() compute.Executable }); ok {
			e = u.Unwrap()
		}
		err := atomicfile.WriteFunc(path, func(w io.Writer) error {
			return onnxbackend.SaveModel(ob, e, w, nil, nil)
		})
		if err != nil {
			return fmt.Errorf("saving the step program to %s: %w", path, err)
		}
		return nil
	}, nil
}
