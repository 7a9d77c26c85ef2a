//go:build onnx

package train

import (
	"math/rand/v2"
	"os"
	"testing"

	onnxb "github.com/gomlx/compute-onnx"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/compute"
	"github.com/pelab/pelab/internal/testbackend"
	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/pe"
)

func TestZZDumpONNX(t *testing.T) {
	out := os.Getenv("DUMP_ONNX")
	if out == "" {
		t.Skip()
	}
	b := testbackend.Get(t)
	ib := b
	if u, ok := b.(interface{ Unwrap() compute.Backend }); ok {
		ib = u.Unwrap()
	}
	ib.(*onnxb.Backend).SetKeepModelProto(true)
	spec, _ := pe.Parse("learn:0.2")
	cfg := Config{Model: model.PaperLST(spec), Optimizer: Optimizer{Kind: "adam", LR: 1e-3}, BatchSize: 128}
	mc, _ := cfg.Model.Normalize()
	M := 4
	N := 512
	r0 := rand.New(rand.NewPCG(1, 1))
	d := &Data{Name: "bench", N: N, S: mc.Tokens, F: mc.Features, X: make([]float32, N*mc.Tokens*mc.Features)}
	d.Labels = make([]int32, N)
	for i := range d.Labels {
		d.Labels[i] = int32(r0.IntN(mc.Outputs))
	}
	members := make([]MemberState, M)
	for m := range members {
		members[m] = MemberState{Member: model.Member{Seed: int64(m + 1), PE: mc.PE}}
	}
	cfg.Epochs = 10
	r, err := New(b, cfg, members, d)
	if err != nil {
		t.Fatal(err)
	}
	B := r.cfg.BatchSize
	idx := make([]int32, r.M*B)
	r.stepInputs(0, idx, nil)
	X, Y := r.train.tensors(r.cfg.Objective)
	args, err := r.stateArgs(nil)
	if err != nil {
		t.Fatal(err)
	}
	args = append(args, X, Y, tensors.FromFlatDataAndDimensions(idx, r.M, B))
	lr, bc1, bc2 := r.stepScalars(0)
	args = append(args, r.scalar(lr), r.scalar(bc1), r.scalar(bc2), tensors.FromFlatDataAndDimensions(r.aliveVector(), r.M))
	_, g, err := r.stepExec.CallWithGraphOnDevice(0, args...)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Create(out)
	defer f.Close()
	if err := onnxb.SaveModel(ib, g.Executable().(interface{ Unwrap() compute.Executable }).Unwrap(), f, nil, nil); err != nil {
		t.Fatal(err)
	}
}
