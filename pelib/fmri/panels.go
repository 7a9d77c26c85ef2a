package fmri

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/npy"
	"github.com/pelab/pelab/pelib/plots"
	"github.com/pelab/pelab/pelib/results"
)

// ReadMatrix reads a matrix WriteNPY wrote (e.g. the training subjects' FC),
// with no check of its values (ReadNPY checks a time series').
func ReadMatrix(path string) (*mat.Dense, error) {
	data, shape, err := npy.Read(path)
	if err != nil {
		return nil, fmt.Errorf("fmri: %w", err)
	}
	if len(shape) != 2 {
		return nil, fmt.Errorf("fmri: %s: shape %v, want a matrix", path, shape)
	}
	return mat.NewDense(shape[0], shape[1], data), nil
}

// SimilarityPanels returns the group FC fc and the block-mean cosine
// similarity of rec's PE table [L, S, D] as two network-ordered heatmaps
// on one ±1 scale (NetworkHeatmap), FC first: the notebook's "learned
// PE's similarity beside the FC".
func SimilarityPanels(fc mat.Matrix, table []float64, shape []int, part *Partition, rec results.Record) ([]*plots.Figure, error) {
	sim, err := masked.Similarity(table, shape)
	if err != nil {
		return nil, err
	}
	a, err := NetworkHeatmap(fc, part, "Group FC of the training subjects", "Pearson r")
	if err != nil {
		return nil, err
	}
	b, err := NetworkHeatmap(sim, part, fmt.Sprintf("PE similarity, %s (seed %d)", rec.Condition, rec.Seed), "cosine")
	if err != nil {
		return nil, err
	}
	return []*plots.Figure{a, b}, nil
}

// PESummary is one line of rec's PE metrics, each named in words: its
// correlation with the FC and with −distance (with p), modularity and
// segregation (with z against shuffled partitions), coordinate decoding
// (R², error in mm) and hemisphere symmetry.
func PESummary(rec results.Record) string {
	f := rec.Final
	return fmt.Sprintf("%s (seed %d): ρ(PE, FC) %.3f (p %.3g), ρ(PE, −distance) %.3f (p %.3g), modularity %.4f (z %.1f), "+
		"segregation %.3f (z %.1f), decoding R² %.2f (%.1f mm), hemisphere symmetry %.4f",
		rec.Condition, rec.Seed, f["fc_rsa"], f["fc_p"], f["dist_rsa"], f["dist_p"], f["mod_q"], f["mod_z"], f["seg"], f["seg_z"],
		f["decode_r2"], f["decode_err_mm"], f["hemi_sym"])
}
