//go:build !onnx

package main

import (
	"errors"

	"github.com/gomlx/compute"
)

// programSaver needs the ONNX Runtime backend, absent from this binary.
func programSaver(compute.Backend, string) (func(compute.Executable) error, error) {
	return nil, errors.New("this binary was built without -tags onnx: only an ONNX Runtime program can be saved")
}
