package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/gomlx/gomlx/core/tensors"
)

// Data is a set of N token sequences held on the host; the engine moves it
// to the device once.
type Data struct {
	Name    string
	X       []float32 // [N, S, F]
	N, S, F int
	Labels  []int32   // Classify: [N], in [0, classes)
	Targets []float32 // Masked: [N, S, T]; nil means X itself (T = F)
	T       int
	// Groups optionally labels each sample (e.g. "1vec"); evaluation then
	// also reports every metric per group as "<metric>_<group>".
	Groups []string

	xT, yT *tensors.Tensor // device-resident copies, made on first use
}

// Validate checks the shapes and values of d for objective obj.
func (d *Data) Validate(obj Objective, classes int) error {
	if d.N < 1 || d.S < 1 || d.F < 1 {
		return fmt.Errorf("train: data %q has N, S, F = %d, %d, %d; all must be ≥ 1", d.Name, d.N, d.S, d.F)
	}
	if len(d.X) != d.N*d.S*d.F {
		return fmt.Errorf("train: data %q has %d values in X, want N·S·F = %d", d.Name, len(d.X), d.N*d.S*d.F)
	}
	for i, v := range d.X {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("train: data %q: X[%d] is %v", d.Name, i, v)
		}
	}
	if d.Groups != nil && len(d.Groups) != d.N {
		return fmt.Errorf("train: data %q has %d group labels for %d samples", d.Name, len(d.Groups), d.N)
	}
	switch obj {
	case Classify:
		if len(d.Labels) != d.N {
			return fmt.Errorf("train: data %q has %d labels for %d samples", d.Name, len(d.Labels), d.N)
		}
		for i, y := range d.Labels {
			if y < 0 || int(y) >= classes {
				return fmt.Errorf("train: data %q: label %d of sample %d outside [0, %d)", d.Name, y, i, classes)
			}
		}
	case Masked:
		if d.Targets != nil {
			if d.T < 1 || len(d.Targets) != d.N*d.S*d.T {
				return fmt.Errorf("train: data %q has %d target values, want N·S·T = %d·%d·%d", d.Name, len(d.Targets), d.N, d.S, d.T)
			}
		}
	}
	return nil
}

// targetWidth is T (F when the targets are X itself).
func (d *Data) targetWidth() int {
	if d.Targets == nil {
		return d.F
	}
	return d.T
}

func (d *Data) tensors(obj Objective) (x, y *tensors.Tensor) {
	if d.xT == nil {
		d.xT = tensors.FromFlatDataAndDimensions(d.X, d.N, d.S, d.F)
		switch {
		case obj == Classify:
			d.yT = tensors.FromFlatDataAndDimensions(d.Labels, d.N)
		case d.Targets != nil:
			d.yT = tensors.FromFlatDataAndDimensions(d.Targets, d.N, d.S, d.T)
		default:
			d.yT = d.xT
		}
	}
	return d.xT, d.yT
}

// Release frees the data set's tensors in the backend (they are made on
// first use and shared by every run trained or evaluated on d). The data
// stays usable: its tensors are made again on the next use. Call it when
// no run is using d any more, e.g. after a sweep.
func (d *Data) Release() {
	if d == nil || d.xT == nil {
		return
	}
	if d.yT != d.xT {
		d.yT.FinalizeAll()
	}
	d.xT.FinalizeAll()
	d.xT, d.yT = nil, nil
}

// groups returns the sorted distinct group labels.
func (d *Data) groups() []string {
	set := map[string]bool{}
	for _, g := range d.Groups {
		set[g] = true
	}
	out := make([]string, 0, len(set))
	for g := range set {
		out = append(out, g)
	}
	sort.Strings(out)
	return out
}

// Subset returns the samples idx of d as a new Data.
func (d *Data) Subset(name string, idx []int) *Data {
	out := &Data{Name: name, N: len(idx), S: d.S, F: d.F, T: d.T}
	sf := d.S * d.F
	out.X = make([]float32, 0, len(idx)*sf)
	for _, i := range idx {
		out.X = append(out.X, d.X[i*sf:(i+1)*sf]...)
		if d.Labels != nil {
			out.Labels = append(out.Labels, d.Labels[i])
		}
		if d.Targets != nil {
			st := d.S * d.T
			out.Targets = append(out.Targets, d.Targets[i*st:(i+1)*st]...)
		}
		if d.Groups != nil {
			out.Groups = append(out.Groups, d.Groups[i])
		}
	}
	return out
}

// mix64 is SplitMix64's finaliser, used to derive independent seeds.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// permutation is model seed's order of the N training samples in epoch.
func permutation(seed int64, epoch, n int) []int {
	r := rand.New(rand.NewPCG(mix64(uint64(seed)), mix64(uint64(epoch)+0xe90c)))
	return r.Perm(n)
}

// fillMask writes, for each of B sequences of S tokens, a mask with
// round(ratio·S) (at least 1, at most S−1) ones at random tokens, drawn from
// (seed, stream, counter).
func fillMask(out []float32, B, S int, ratio float64, seed int64, stream, counter uint64) {
	k := int(math.Round(ratio * float64(S)))
	k = max(1, min(S-1, k))
	r := rand.New(rand.NewPCG(mix64(uint64(seed)^stream), mix64(counter)))
	perm := make([]int, S)
	for b := range B {
		row := out[b*S : (b+1)*S]
		clear(row)
		for i := range perm {
			perm[i] = i
		}
		for i := range k { // partial Fisher–Yates
			j := i + r.IntN(S-i)
			perm[i], perm[j] = perm[j], perm[i]
			row[perm[i]] = 1
		}
	}
}
