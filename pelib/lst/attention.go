package lst

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"

	"github.com/pelab/pelab/pelib/analysis"
	"github.com/pelab/pelab/pelib/npy"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"gonum.org/v1/gonum/mat"
)

// AttentionSimilarity sets Final["attn_sim"] of every LST record in recs
// that lacks it, from the attention maps saved in the results store
// (artifact "attn", [L, H, S, S], written by Analyzer): the cosine
// similarity of its maps (heads averaged, all blocks) to those of the
// 2d-fixed model of the same seed, protocol, epochs and width in the same
// store. Unlike the Analyzer's attn_sim, which needs the 2d-fixed model
// trained earlier in the same process, this survives sharding, resumption
// and any order of conditions. It returns how many records it set.
func AttentionSimilarity(store *results.Store, recs []results.Record) (int, error) {
	type key struct {
		seed          int64
		proto         string
		epochs, width int
	}
	keyOf := func(r results.Record) (key, error) {
		var c struct {
			Protocol string `json:"protocol"`
			Epochs   int    `json:"epochs"`
			Model    struct {
				Width int `json:"Width"`
			} `json:"model"`
		}
		if err := json.Unmarshal(r.Config, &c); err != nil {
			return key{}, fmt.Errorf("lst: record %s: %w", r.ID, err)
		}
		return key{r.Seed, c.Protocol, c.Epochs, c.Model.Width}, nil
	}
	load := func(r results.Record) ([]*mat.Dense, error) {
		flat, shape, err := npy.Read(sweep.ArtifactPath(store, r.ID, "attn"))
		if err != nil {
			return nil, err
		}
		if len(shape) != 4 || shape[2] != shape[3] {
			return nil, fmt.Errorf("lst: %s: attention artifact of shape %v, want [L, H, S, S]", r.ID, shape)
		}
		return headMeans(flat, shape[0], shape[1], shape[2]), nil
	}
	refs := map[key][]*mat.Dense{}
	for _, r := range recs {
		if r.Experiment != "lst" || r.Condition != "2d-fixed" || r.Status != results.StatusOK {
			continue
		}
		k, err := keyOf(r)
		if err != nil {
			return 0, err
		}
		maps, err := load(r)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, err
		}
		refs[k] = maps
	}
	n := 0
	for i, r := range recs {
		if r.Experiment != "lst" || r.Status != results.StatusOK {
			continue
		}
		if _, ok := r.Final["attn_sim"]; ok {
			continue
		}
		k, err := keyOf(r)
		if err != nil {
			return n, err
		}
		ref, ok := refs[k]
		if !ok {
			continue
		}
		maps, err := load(r)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return n, err
		}
		_, overall, err := analysis.AttentionCosine(maps, ref)
		if err != nil {
			return n, fmt.Errorf("lst: %s seed %d: %w", r.Condition, r.Seed, err)
		}
		if recs[i].Final == nil {
			recs[i].Final = map[string]float64{}
		}
		recs[i].Final["attn_sim"] = overall
		n++
	}
	return n, nil
}

// headMeans turns attention maps [L, H, S, S] (flat) into L maps (S, S),
// each the mean over the H heads of its block.
func headMeans(flat []float64, L, H, S int) []*mat.Dense {
	maps := make([]*mat.Dense, L)
	for l := range L {
		d := mat.NewDense(S, S, nil)
		for h := range H {
			off := (l*H + h) * S * S
			for i := range S * S {
				d.Set(i/S, i%S, d.At(i/S, i%S)+flat[off+i]/float64(H))
			}
		}
		maps[l] = d
	}
	return maps
}
