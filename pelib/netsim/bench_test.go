package netsim

import (
	"fmt"
	"runtime"
	"testing"
)

// BenchmarkSimulate times runs of the default dynamics (Record 128,
// Subsample 5, BurnIn 250: 890 steps) on 2D and 3D grids of 64, 256 and
// 512 nodes, 256 runs per iteration on GOMAXPROCS workers (set it with
// -cpu). runs/s is the throughput, ns/node-step the cost of one node for
// one step on one worker.
func BenchmarkSimulate(b *testing.B) {
	for _, tc := range []struct {
		name   string
		layout Layout
	}{
		{"2D-64", Grid2D(8, 8)},
		{"2D-256", Grid2D(16, 16)},
		{"2D-512", Grid2D(32, 16)},
		{"3D-64", Grid3D(4, 4, 4)},
		{"3D-256", Grid3D(8, 8, 4)},
		{"3D-512", Grid3D(8, 8, 8)},
	} {
		for _, integ := range []Integrator{EulerMaruyama, Heun} {
			b.Run(fmt.Sprintf("%s/%v", tc.name, integ), func(b *testing.B) {
				c := DefaultConfig()
				c.Layout = tc.layout
				c.Dynamics.Integrator = integ
				n, err := New(c)
				if err != nil {
					b.Fatal(err)
				}
				const perOp = 256
				seeds := make([]uint64, perOp)
				runs := 0
				for b.Loop() {
					for i := range seeds {
						seeds[i] = uint64(runs + i)
					}
					if err := n.forEachRun(seeds, 0, func(int, []float64) error { return nil }); err != nil {
						b.Fatal(err)
					}
					runs += perOp
				}
				sec := b.Elapsed().Seconds()
				steps := float64(runs) * float64(n.Nodes()) * float64(c.Dynamics.BurnIn+c.Dynamics.Record*c.Dynamics.Subsample)
				b.ReportMetric(float64(runs)/sec, "runs/s")
				b.ReportMetric(sec*1e9*float64(min(runtime.GOMAXPROCS(0), perOp/batch))/steps, "ns/node-step")
			})
		}
	}
}
