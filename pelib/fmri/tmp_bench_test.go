package fmri

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/pelab/pelab/internal/testbackend"
	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/train"
)

func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestTmpBench(t *testing.T) {
	b := testbackend.Get(t)
	for _, c := range []struct{ D, L, M, B int; spec string }{{24, 4, 1, 16, "learn"}, {24, 4, 2, 16, "learn"}, {24, 2, 2, 16, "learn"}, {48, 4, 2, 16, "learn"}, {24, 4, 1, 16, "shaw,maxdist=359"}} {
		T := 16
		N := 64
		x := make([]float32, N*360*T)
		r := rand.New(rand.NewPCG(1, 2))
		for i := range x { x[i] = float32(r.NormFloat64()) }
		d := &train.Data{Name: "train", X: x, N: N, S: 360, F: T}
		spec, _ := pe.Parse(c.spec)
		p := Protocol{T: T, Width: c.D, Blocks: c.L, Heads: 1}
		mc := p.ModelConfig()
		mc.PE = spec
		mc.Layout = pe.Line(360)
		cfg := train.Config{Model: mc, Optimizer: train.Optimizer{LR: 1e-3}, Objective: train.Masked, MaskRatio: 0.5, BatchSize: c.B, Epochs: 1}
		var mem []train.MemberState
		for m := range c.M { mem = append(mem, train.MemberState{Member: model.Member{Seed: int64(m), PE: spec}}) }
		run, err := train.New(b, cfg, mem, d)
		if err != nil { t.Fatal(err) }
		if err := run.Steps(1); err != nil { t.Fatal(err) }
		c0, w0 := cpu(), time.Now()
		if err := run.Steps(3); err != nil { t.Fatal(err) }
		fmt.Printf("D %d L %d M %d B %d %s: %.0f ms wall/step, %.0f ms cpu/step\n", c.D, c.L, c.M, c.B, c.spec, float64(time.Since(w0).Milliseconds())/3, float64((cpu()-c0).Milliseconds())/3)
	}
}
