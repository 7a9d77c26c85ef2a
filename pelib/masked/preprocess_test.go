package masked

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestZScore(t *testing.T) {
	in := mat.NewDense(2, 4, []float64{1, 2, 3, 4, 10, 10, 10, 14})
	z, err := ZScore(in)
	if err != nil {
		t.Fatal(err)
	}
	a := 1 / math.Sqrt(1.25) // population σ of 1, 2, 3, 4 is √1.25
	want := mat.NewDense(2, 4, []float64{-1.5 * a, -0.5 * a, 0.5 * a, 1.5 * a, -1 / math.Sqrt(3), -1 / math.Sqrt(3), -1 / math.Sqrt(3), math.Sqrt(3)})
	if !mat.EqualApprox(z, want, 1e-12) {
		t.Errorf("got %v, want %v", mat.Formatted(z), mat.Formatted(want))
	}
	if in.At(0, 0) != 1 {
		t.Error("ZScore modified its input")
	}
	for _, c := range []struct {
		in   *mat.Dense
		want string
	}{
		{mat.NewDense(2, 3, []float64{1, 2, 3, 5, 5, 5}), "region 1 has standard deviation 0"},
		{mat.NewDense(2, 1, []float64{1, 2}), "at least 2"},
	} {
		if _, err := ZScore(c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one containing %q", err, c.want)
		}
	}
}

func TestMakeWindows(t *testing.T) {
	// Series a: value 100·region + time; series b: −(100·region + time).
	mk := func(sign float64, r, n int) *mat.Dense {
		d := mat.NewDense(r, n, nil)
		for i := range r {
			for j := range n {
				d.Set(i, j, sign*float64(100*i+j))
			}
		}
		return d
	}
	series := []*mat.Dense{mk(1, 2, 7), mk(-1, 2, 8)}
	for _, c := range []struct {
		T, stride  int
		wantStarts []int
		wantSource []int
	}{
		{3, 0, []int{0, 3, 0, 3}, []int{0, 0, 1, 1}},
		{3, 2, []int{0, 2, 4, 0, 2, 4}, []int{0, 0, 0, 1, 1, 1}},
		{7, 0, []int{0, 0}, []int{0, 1}},
		{2, 5, []int{0, 5, 0, 5}, []int{0, 0, 1, 1}},
		// A stride beyond the series, up to the largest int: one window
		// per series (start += stride overflowed to a negative start and
		// panicked in mat: found by issue 21's fresh attack).
		{3, 100, []int{0, 0}, []int{0, 1}},
		{3, math.MaxInt, []int{0, 0}, []int{0, 1}},
		{3, math.MaxInt - 7, []int{0, 0}, []int{0, 1}},
	} {
		t.Run(fmt.Sprintf("T%d_stride%d", c.T, c.stride), func(t *testing.T) {
			w, err := MakeWindows(series, c.T, c.stride)
			if err != nil {
				t.Fatal(err)
			}
			if w.N != len(c.wantStarts) || w.S != 2 || w.T != c.T || len(w.X) != w.N*w.S*w.T {
				t.Fatalf("N %d S %d T %d len %d, want N %d S 2 T %d", w.N, w.S, w.T, len(w.X), len(c.wantStarts), c.T)
			}
			if !slices.Equal(w.Start, c.wantStarts) || !slices.Equal(w.Source, c.wantSource) {
				t.Fatalf("starts %v sources %v, want %v %v", w.Start, w.Source, c.wantStarts, c.wantSource)
			}
			for n := range w.N {
				sign := float32(1)
				if w.Source[n] == 1 {
					sign = -1
				}
				for s := range w.S {
					for tt := range w.T {
						if got, want := w.At(n, s, tt), sign*float32(100*s+w.Start[n]+tt); got != want {
							t.Fatalf("X[%d,%d,%d] = %v, want %v", n, s, tt, got, want)
						}
					}
				}
			}
		})
	}
	for _, c := range []struct {
		series    []*mat.Dense
		T, stride int
		want      string
	}{
		{series, 0, 0, "T = 0"},
		{series, 3, -1, "stride -1"},
		{series, 8, 0, "series 0 has 7 time points"},
		{[]*mat.Dense{mk(1, 2, 7), mk(1, 3, 7)}, 3, 0, "series 1 has 3 regions"},
		{nil, 3, 0, "no series"},
	} {
		if _, err := MakeWindows(c.series, c.T, c.stride); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one containing %q", err, c.want)
		}
	}
}

func TestSplitSubjects(t *testing.T) {
	ids := make([]string, 20)
	for i := range ids {
		ids[i] = fmt.Sprintf("s%02d", i)
	}
	for seed := range uint64(50) {
		train, test, err := SplitSubjects(ids, 4, seed)
		if err != nil {
			t.Fatal(err)
		}
		if len(train) != 16 || len(test) != 4 {
			t.Fatalf("seed %d: %d train, %d test", seed, len(train), len(test))
		}
		for _, s := range test {
			if slices.Contains(train, s) {
				t.Fatalf("seed %d: subject %s in both parts", seed, s)
			}
		}
		all := slices.Sorted(slices.Values(append(slices.Clone(train), test...)))
		if !slices.Equal(all, ids) {
			t.Fatalf("seed %d: parts %v + %v do not cover the subjects", seed, train, test)
		}
		// The split depends on the set, not the order.
		rev := slices.Clone(ids)
		slices.Reverse(rev)
		_, test2, _ := SplitSubjects(rev, 4, seed)
		if !slices.Equal(test, test2) {
			t.Fatalf("seed %d: test %v from sorted input, %v from reversed", seed, test, test2)
		}
	}
	_, a, _ := SplitSubjects(ids, 4, 1)
	_, b, _ := SplitSubjects(ids, 4, 2)
	if slices.Equal(a, b) {
		t.Errorf("seeds 1 and 2 give the same test set %v", a)
	}
	for _, c := range []struct {
		ids   []string
		nTest int
		want  string
	}{
		{ids, 0, "0 test subjects"},
		{ids, 20, "20 test subjects of 20"},
		{[]string{"a", "b", "a"}, 1, "listed twice"},
	} {
		if _, _, err := SplitSubjects(c.ids, c.nTest, 0); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one containing %q", err, c.want)
		}
	}
}

func TestFCKnown(t *testing.T) {
	d := mat.NewDense(3, 4, []float64{
		1, 2, 3, 4,
		8, 6, 4, 2,
		1, 2, 2, 1,
	})
	fc := FC(d)
	want := mat.NewSymDense(3, []float64{1, -1, 0, -1, 1, 0, 0, 0, 1})
	if !mat.EqualApprox(fc, want, 1e-12) {
		t.Errorf("FC = %v, want %v", mat.Formatted(fc), mat.Formatted(want))
	}
	g, err := GroupFC([]*mat.Dense{d, mat.NewDense(3, 4, []float64{1, 2, 3, 4, 2, 4, 6, 8, 1, 2, 2, 1})})
	if err != nil {
		t.Fatal(err)
	}
	if g.At(0, 1) != 0 || g.At(0, 2) != 0 || g.At(1, 1) != 1 {
		t.Errorf("group FC = %v, want mean of −1 and 1 (0) at (0, 1)", mat.Formatted(g))
	}
	if _, err := GroupFC([]*mat.Dense{d, mat.NewDense(2, 4, nil)}); err == nil {
		t.Error("group FC of mismatched series: no error")
	}
}
