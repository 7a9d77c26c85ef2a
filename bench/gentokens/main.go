// Command gentokens writes a synthetic `pelab tokens` input of N tokens:
// DIR/coords.csv (N points of a 3-D grid, ⌈∛N⌉ per side, named t0…) and
// DIR/signals/rec-NN.npy (R recordings, N × T each). Token s's series is
//
//	x_s(t) = Σ_k sin(ω_k·p_s + 0.3·k·t + φ_k) + 0.5·ε_s(t),  ε ~ N(0, 1),
//
// with K = 4 random plane waves ω_k, so that nearby tokens correlate (the
// data's FC falls with distance). It is the input of the scaling table in
// docs/inputs.md ("How big pelab tokens can go"):
//
//	go run ./bench/gentokens -n 1000 -out /tmp/tok1000
//	bin/pelab tokens -coords /tmp/tok1000/coords.csv -signals /tmp/tok1000/signals -test 'rec-0[01]'
package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/pelab/pelab/pelib/npy"
)

func main() {
	n := flag.Int("n", 100, "number of tokens (≥ 4)")
	recs := flag.Int("recordings", 10, "number of recordings (≥ 2)")
	times := flag.Int("t", 64, "time points per recording")
	out := flag.String("out", "", "output folder (required)")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if *out == "" || *n < 4 || *recs < 2 || *times < 2 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "gentokens: want -out DIR, -n ≥ 4, -recordings ≥ 2, -t ≥ 2 and no arguments")
		os.Exit(2)
	}
	if err := write(*out, *n, *recs, *times, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "gentokens:", err)
		os.Exit(1)
	}
}

func write(dir string, n, recs, T int, seed uint64) error {
	if err := os.MkdirAll(filepath.Join(dir, "signals"), 0o755); err != nil {
		return err
	}
	side := int(math.Ceil(math.Cbrt(float64(n))))
	pos := make([][3]float64, n)
	var b strings.Builder
	b.WriteString("name,x,y,z\n")
	for s := range pos {
		pos[s] = [3]float64{float64(s % side), float64(s / side % side), float64(s / (side * side))}
		fmt.Fprintf(&b, "t%d,%g,%g,%g\n", s, pos[s][0], pos[s][1], pos[s][2])
	}
	if err := os.WriteFile(filepath.Join(dir, "coords.csv"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	const K = 4
	for r := range recs {
		var om [K][3]float64
		var ph [K]float64
		for k := range K {
			for a := range 3 {
				om[k][a] = rng.NormFloat64() * 0.5
			}
			ph[k] = rng.Float64() * 2 * math.Pi
		}
		x := make([]float64, n*T)
		for s := range n {
			for t := range T {
				v := 0.5 * rng.NormFloat64()
				for k := range K {
					v += math.Sin(om[k][0]*pos[s][0] + om[k][1]*pos[s][1] + om[k][2]*pos[s][2] + 0.3*float64(k+1)*float64(t) + ph[k])
				}
				x[s*T+t] = v
			}
		}
		if err := npy.Write(filepath.Join(dir, "signals", fmt.Sprintf("rec-%02d.npy", r)), x, n, T); err != nil {
			return err
		}
	}
	return nil
}
