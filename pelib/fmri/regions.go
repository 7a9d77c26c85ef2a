package fmri

import (
	"errors"
	"fmt"
	"image/color"
	"io/fs"
	"math"
	"sort"
	"strings"

	"github.com/pelab/pelab/pelib/plots"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

// RegionMaps are the per-region error maps of a set of records (the
// RegionArtifact of each model, see Analyzer) summarised per condition,
// and compared with the no-PE model.
type RegionMaps struct {
	// Sets names the rows of every map: "test" (the training mask ratio)
	// and "test90".
	Sets []string
	// MSE[cond][set][s] is the mean over the condition's seeds of region
	// s's held-out MSE; Seeds[cond] counts the maps averaged.
	MSE   map[string][][]float64
	Seeds map[string]int
	// Delta[cond][set][s] = MSE[cond][set][s] − MSE[Reference][set][s]:
	// negative where the condition predicts region s better than the
	// reference condition (none); absent when there is no reference.
	Delta     map[string][][]float64
	Reference string
	// Markdown summarises Delta per network and names the regions helped
	// most (empty when there is nothing to compare).
	Markdown string
}

// RegionReference is the condition the region maps are compared with: the
// model without a PE.
const RegionReference = "none"

// ReadRegionMaps reads the RegionArtifact of every ok record of experiment
// fmri and protocol (all when "") in recs from store, averages them per
// condition over seeds, subtracts the mean map of RegionReference, and
// writes the Markdown summary: per network of part (mean of Delta over its
// regions) and per condition, at both masking ratios, and the five regions
// each condition helps most at the harder ratio. Records without the
// artifact (older runs, or no backend for the maps) are skipped; no map
// at all gives an empty result, not an error.
func ReadRegionMaps(store *results.Store, recs []results.Record, protocol string, part *Partition) (*RegionMaps, error) {
	rm := &RegionMaps{Sets: []string{EvalTest, EvalTest + "90"}, MSE: map[string][][]float64{}, Seeds: map[string]int{},
		Delta: map[string][][]float64{}}
	S := len(part.Regions)
	for _, r := range results.Select(recs, Experiment, protocol) {
		if r.Status != results.StatusOK {
			continue
		}
		v, shape, err := sweep.ReadArtifact(store, r.ID, RegionArtifact)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("fmri: region map of %s seed %d: %w", r.Condition, r.Seed, err)
		}
		if len(shape) != 2 || shape[0] != len(rm.Sets) || shape[1] != S {
			return nil, fmt.Errorf("fmri: region map of %s seed %d has shape %v, want [%d %d]", r.Condition, r.Seed, shape, len(rm.Sets), S)
		}
		acc, ok := rm.MSE[r.Condition]
		if !ok {
			acc = make([][]float64, len(rm.Sets))
			for i := range acc {
				acc[i] = make([]float64, S)
			}
			rm.MSE[r.Condition] = acc
		}
		for i := range acc {
			for s := range S {
				acc[i][s] += v[i*S+s]
			}
		}
		rm.Seeds[r.Condition]++
	}
	for c, acc := range rm.MSE {
		for i := range acc {
			for s := range acc[i] {
				acc[i][s] /= float64(rm.Seeds[c])
			}
		}
	}
	ref, ok := rm.MSE[RegionReference]
	if !ok {
		if len(rm.MSE) > 0 {
			rm.Markdown = fmt.Sprintf("\nPer-region error maps: %d conditions have maps, but not %s, the reference.\n", len(rm.MSE), RegionReference)
		}
		return rm, nil
	}
	rm.Reference = RegionReference
	var conds []string
	for c, acc := range rm.MSE {
		if c == RegionReference {
			continue
		}
		d := make([][]float64, len(acc))
		for i := range acc {
			d[i] = make([]float64, S)
			for s := range S {
				d[i][s] = acc[i][s] - ref[i][s]
			}
		}
		rm.Delta[c] = d
		conds = append(conds, c)
	}
	if len(conds) == 0 {
		return rm, nil
	}
	conds = SortedConditions(rm.Delta)
	rm.Markdown = rm.markdown(conds, part)
	return rm, nil
}

// NetworkDelta returns, per network key of part, the mean of delta over
// the network's regions with a finite value (NaN for none).
func NetworkDelta(delta []float64, part *Partition) map[int]float64 {
	sum, n := map[int]float64{}, map[int]int{}
	for s, r := range part.Regions {
		if s < len(delta) && !math.IsNaN(delta[s]) && !math.IsInf(delta[s], 0) {
			sum[r.Network] += delta[s]
			n[r.Network]++
		}
	}
	out := map[int]float64{}
	for _, nw := range part.Networks {
		out[nw.Key] = math.NaN()
		if n[nw.Key] > 0 {
			out[nw.Key] = sum[nw.Key] / float64(n[nw.Key])
		}
	}
	return out
}

func (rm *RegionMaps) markdown(conds []string, part *Partition) string {
	var b strings.Builder
	b.WriteString("\nWhere a PE helps: per network, the held-out MSE of each condition minus that of `none` " +
		"(mean over the network's regions of the per-region MSE, itself the mean over the windows in which the region is " +
		"masked; means over seeds; negative = the condition predicts the network better than the model without a PE).\n")
	for i, set := range rm.Sets {
		fmt.Fprintf(&b, "\n%s (%s):\n\n| network | n regions |", set, map[string]string{EvalTest: "training mask ratio", EvalTest + "90": "harder mask ratio"}[set])
		for _, c := range conds {
			fmt.Fprintf(&b, " %s |", c)
		}
		b.WriteString("\n|---|---:|")
		b.WriteString(strings.Repeat("---:|", len(conds)))
		b.WriteString("\n")
		nd := make([]map[int]float64, len(conds))
		for j, c := range conds {
			nd[j] = NetworkDelta(rm.Delta[c][i], part)
		}
		count := map[int]int{}
		for _, r := range part.Regions {
			count[r.Network]++
		}
		for _, nw := range part.Networks {
			fmt.Fprintf(&b, "| %s | %d |", nw.Name, count[nw.Key])
			for j := range conds {
				if v := nd[j][nw.Key]; math.IsNaN(v) {
					b.WriteString(" – |")
				} else {
					fmt.Fprintf(&b, " %+.4f |", v)
				}
			}
			b.WriteString("\n")
		}
	}
	last := len(rm.Sets) - 1
	b.WriteString("\nRegions helped most at " + rm.Sets[last] + " (MSE minus none's; five lowest):\n\n")
	names := part.NetworkNames()
	for _, c := range conds {
		d := rm.Delta[c][last]
		idx := make([]int, 0, len(d))
		for s, v := range d {
			if !math.IsNaN(v) {
				idx = append(idx, s)
			}
		}
		sort.SliceStable(idx, func(a, b int) bool { return d[idx[a]] < d[idx[b]] })
		var parts []string
		for _, s := range idx[:min(5, len(idx))] {
			parts = append(parts, fmt.Sprintf("%s (%s) %+.3f", part.Regions[s].Name, names[part.Regions[s].Network], d[s]))
		}
		fmt.Fprintf(&b, "- %s (%d seeds): %s\n", c, rm.Seeds[c], strings.Join(parts, ", "))
	}
	return b.String()
}

// DeltaColours maps each value of delta to a diverging colour: blue for
// negative (a PE helps), red for positive, white at 0, saturated at ±scale
// (scale ≤ 0: the largest |delta|); NaN is grey.
func DeltaColours(delta []float64, scale float64) []color.Color {
	if scale <= 0 {
		for _, v := range delta {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				scale = max(scale, math.Abs(v))
			}
		}
		if scale == 0 {
			scale = 1
		}
	}
	out := make([]color.Color, len(delta))
	for i, v := range delta {
		if math.IsNaN(v) {
			out[i] = color.RGBA{0x88, 0x88, 0x88, 0xff}
			continue
		}
		x := max(-1, min(1, v/scale))
		fade := uint8(math.Round(255 * (1 - math.Abs(x))))
		if x < 0 {
			out[i] = color.RGBA{fade, fade, 0xff, 0xff}
		} else {
			out[i] = color.RGBA{0xff, fade, fade, 0xff}
		}
	}
	return out
}

// RegionDeltaFigure draws delta (one value per region: a condition's MSE
// minus none's) on the regions' centroids in the three views of
// BrainViews, blue where the condition predicts better, on the diverging
// scale ±scale (DeltaScale of every map to be compared, so that the same
// colour means the same difference in each), with its key, and returns
// PNG bytes. scale ≤ 0 takes this map's own largest |delta|.
func RegionDeltaFigure(centroids [][3]float64, delta []float64, scale float64, title string) ([]byte, error) {
	if len(delta) != len(centroids) {
		return nil, fmt.Errorf("fmri: region figure: %d values for %d regions", len(delta), len(centroids))
	}
	if scale <= 0 || math.IsNaN(scale) || math.IsInf(scale, 0) {
		scale = DeltaScale(delta)
	}
	// The key: the diverging scale at −1, −½, 0, ½, 1 of its saturation.
	var key []plots.KeyEntry
	for _, f := range []float64{-1, -0.5, 0, 0.5, 1} {
		v := f * scale
		name := fmt.Sprintf("%+.3f", v)
		switch f {
		case -1:
			name += " (better than none)"
		case 0:
			name = "0 (as none)"
		case 1:
			name += " (worse than none)"
		}
		key = append(key, plots.KeyEntry{Name: name, Color: DeltaColours([]float64{v}, scale)[0]})
	}
	return BrainViews(centroids, DeltaColours(delta, scale), title, key...)
}

// DeltaScale is the largest finite |v| of the maps (1 when there is
// none): the one scale of region maps meant to be compared.
func DeltaScale(maps ...[]float64) float64 {
	scale := 0.0
	for _, m := range maps {
		for _, v := range m {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				scale = max(scale, math.Abs(v))
			}
		}
	}
	if scale == 0 {
		return 1
	}
	return scale
}

// SortedConditions returns the keys of m (condition names) sorted as the
// report sorts conditions: learned by σ, then the rest by name.
func SortedConditions[V any](m map[string]V) []string {
	ss := make([]results.Summary, 0, len(m))
	for c := range m {
		ss = append(ss, results.Summary{Group: c})
	}
	sweep.SortSummaries(Vocabulary().First, ss)
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Group
	}
	return out
}
