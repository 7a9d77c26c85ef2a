package masked

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pelab/pelab/internal/shared"
	"github.com/pelab/pelab/internal/testfiles"
	"github.com/pelab/pelab/pelib/experiment"
	"github.com/pelab/pelab/pelib/npy"
)

// TestReadHDF5DamagedValue: one byte of a real subject file's stored values
// changed (0xda at 0xf47, the exponent of region 0's value at time 232,
// −46.0 in the file) was read as −7.8e126 without an error; it must be a
// *ValueError naming the file, the region and the time point. Changed to
// 0x4a instead, the value is 6.7e49, within ±1e100 but refused as an
// outlier.
func TestReadHDF5DamagedValue(t *testing.T) {
	real, err := os.ReadFile(shared.TestData(t, "hcp-glasser360", "rest", firstSubject))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		b    byte
		k    float64
		want string
	}{
		{0xda, 0, "beyond ±1e+100"},
		{0xda, math.Inf(1), "beyond ±1e+100"},
		{0x4a, 0, "robust standard deviations from the row's median -0.587155"},
		{0x4a, math.Inf(1), ""}, // the bound off: read
	} {
		b := bytes.Clone(real)
		b[0xf47] = c.b
		p := filepath.Join(t.TempDir(), firstSubject)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := ReadHDF5(p, hcpDataset, ReadOptions{Regions: hcpRegions, MaxOutlierZ: c.k})
		if c.want == "" {
			if err != nil || math.Abs(s.Data.At(0, 232)) < 1e49 {
				t.Fatalf("%#x, bound off: %v; want the damaged value read", c.b, err)
			}
			t.Logf("%#x, bound off: read %v", c.b, s.Data.At(0, 232))
			continue
		}
		var ve *ValueError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "region 0, time 232 (0-based)") || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%#x, k %v: error %v, want a value error naming %s, region 0, time 232 and %q", c.b, c.k, err, p, c.want)
		}
		t.Log(err)
	}
}

// TestCheckPlausible: the rule on small series, each case in the three
// readers (CSV, NPY, HDF5), which all apply it.
func TestCheckPlausible(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := make([]float64, 200)
	for i := range base {
		base[i] = 100 + 20*rng.NormFloat64()
	}
	with := func(i int, v float64) []float64 {
		x := append([]float64(nil), base...)
		x[i] = v
		return x
	}
	spikes := make([]float64, 200) // mostly 0: MAD = 0, the mean AD scales
	for i := 0; i < 200; i += 10 {
		spikes[i] = 1
	}
	cases := []struct {
		name string
		row  []float64
		k    float64
		want string // "" for no error
	}{
		{"normal series", base, 0, ""},
		{"spike 10 SD below", with(7, 100-10*20), 0, ""},
		{"damaged value", with(7, -7.8e26), 0, "time 7 (0-based) is "},
		{"damaged beyond 1e100", with(7, -7.8e126), 0, "beyond ±1e+100"},
		{"beyond 1e100", with(9, 1e154), math.Inf(1), "beyond ±1e+100"},
		{"NaN", with(3, math.NaN()), 0, "time 3 (0-based): data must be finite"},
		{"Inf with the bound off", with(3, math.Inf(-1)), math.Inf(1), "data must be finite"},
		{"k 5 refuses 10 SD", with(7, 100-10*20), 5, "more than 5 "},
		{"bound off", with(7, 1e50), math.Inf(1), ""},
		{"sparse spikes (MAD 0)", spikes, 0, ""},
		{"constant row", make([]float64, 200), 0, ""},
	}
	dir := t.TempDir()
	for _, c := range cases {
		data := append(append([]float64(nil), base...), c.row...) // row 1 is the case
		for _, ext := range []string{"csv", "npy", "h5"} {
			t.Run(c.name+"/"+ext, func(t *testing.T) {
				p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+"."+ext)
				switch ext {
				case "csv":
					var sb strings.Builder
					for r := range 2 {
						for j, v := range data[r*200 : (r+1)*200] {
							if j > 0 {
								sb.WriteByte(',')
							}
							sb.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
						}
						sb.WriteByte('\n')
					}
					if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
						t.Fatal(err)
					}
				case "npy":
					if err := npy.Write(p, data, 2, 200); err != nil {
						t.Fatal(err)
					}
				case "h5":
					testfiles.WriteH5(t, p, "/restdata", []uint64{2, 200}, data)
				}
				_, err := readAny(p, ReadOptions{MaxOutlierZ: c.k})
				if c.want == "" {
					if err != nil {
						t.Fatalf("want no error, got %v", err)
					}
					return
				}
				var ve *ValueError
				if !errors.As(err, &ve) || ve.Row != 1 || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("error %v, want a value error at region 1 naming %s and containing %q", err, p, c.want)
				}
			})
		}
	}
}

// TestPlausibleRealData: every real subject file passes the default bound,
// with margin. Measured: the largest robust z of any value in the 20
// subject files is 14.72 (subject 204521), against k = 50.
func TestPlausibleRealData(t *testing.T) {
	dir := shared.TestData(t, "hcp-glasser360", "rest")
	paths, err := filepath.Glob(filepath.Join(dir, "*subj*_data.h5"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("%s: no subject files (%v)", dir, err)
	}
	files := map[string]string{}
	for _, p := range paths {
		files[filepath.Base(p)] = p
	}
	worst, who := 0.0, ""
	for id, p := range files {
		s, err := readAny(p, ReadOptions{Regions: hcpRegions})
		if err != nil {
			t.Fatalf("subject %s: %v", id, err)
		}
		r, T := s.Data.Dims()
		buf := make([]float64, T)
		for i := range r {
			row := s.Data.RawRowView(i)
			m, scale := robustScale(row, buf)
			for _, v := range row {
				if z := math.Abs(v-m) / scale; z > worst {
					worst, who = z, id
				}
			}
		}
	}
	t.Logf("%d subjects: largest robust z %.2f (subject %s), bound %g: margin %.1f×", len(files), worst, who, float64(DefaultMaxOutlierZ), DefaultMaxOutlierZ/worst)
	if worst > DefaultMaxOutlierZ/2 {
		t.Errorf("largest robust z %.2f, want at most half the bound %g", worst, float64(DefaultMaxOutlierZ))
	}
}

// TestMaxOutlierZOf: the option's values (-max-outlier-z).
func TestMaxOutlierZOf(t *testing.T) {
	for _, c := range []struct {
		in   any // nil: absent
		want float64
		err  string
	}{
		{nil, DefaultMaxOutlierZ, ""},
		{"", DefaultMaxOutlierZ, ""},
		{"8", 8, ""},
		{"0", math.Inf(1), ""},
		{"inf", math.Inf(1), ""},
		{"-1", 0, "max_outlier_z"},
		{"NaN", 0, "want a number > 0"},
		{"many", 0, "want a number > 0"},
	} {
		req := experiment.Request{Options: map[string]any{}}
		if c.in != nil {
			req.Options["max_outlier_z"] = c.in
		}
		got, err := MaxOutlierZOf(req)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%v: %v, %v; want an error with %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%v: %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

// TestMedian checks the selection median against sorting, on lengths 1–60
// with many ties (values 0–6) and on a few fixed cases.
func TestMedian(t *testing.T) {
	for _, c := range []struct {
		x    []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{2, 1}, 1.5},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 4, 4, 4}, 4},
		{[]float64{-1e300, 1e300, 0, 0}, 0},
	} {
		if got := median(slices.Clone(c.x)); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 1; n <= 60; n++ {
		for range 50 {
			x := make([]float64, n)
			for i := range x {
				x[i] = float64(rng.IntN(7))
			}
			y := slices.Sorted(slices.Values(x))
			want := y[n/2]
			if n%2 == 0 {
				want = (y[n/2-1] + y[n/2]) / 2
			}
			if got := median(x); got != want {
				t.Fatalf("median of %v = %v, want %v", y, got, want)
			}
		}
	}
}
