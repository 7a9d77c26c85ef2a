package fmri

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/pelab/pelab/pelib/masked"
	"gonum.org/v1/gonum/mat"
)

// Config says how Load prepares the hcp-glasser360 data set (or a folder
// laid out like it) for masked-region prediction.
type Config struct {
	// Dir is the data set folder, holding rest/, cabnp/ and atlas/.
	Dir string
	// Subjects lists the subjects to use; nil means every file in rest/.
	Subjects []string
	// TestSubjects is the number of held-out subjects (≥ 1), drawn from
	// Subjects with Seed (SplitSubjects); ignored when HeldOut is set.
	TestSubjects int
	// Seed seeds the subject split.
	Seed uint64
	// HeldOut, when set, names the held-out subjects: Subjects are then the
	// training subjects exactly, and the two lists must be disjoint and
	// free of duplicates (no split is drawn).
	HeldOut []string
	// HeldOutDir, when set, is the folder of the HeldOut subjects' time
	// series (files as in rest/, see ReadDir); "" means Dir's rest/.
	HeldOutDir string
	// MaxOutlierZ is the plausibility bound of every series read
	// (ReadOptions.MaxOutlierZ: 0 the default, +Inf off).
	MaxOutlierZ float64
	// T is the window length in time points; Stride the step between window
	// starts (0 means T: no overlap). See MakeWindows.
	T, Stride int
}

// Data is the prepared data set: z-scored windows of training and held-out
// subjects, the training subjects' group FC, and the regions' anatomy and
// networks.
type Data struct {
	// TrainSubjects and TestSubjects are disjoint and sorted; Train.Source
	// indexes TrainSubjects and Test.Source indexes TestSubjects.
	TrainSubjects, TestSubjects []string
	// Train and Test are the windows X[N, S, T] of each part, from
	// per-subject, per-region z-scored series.
	Train, Test *masked.Windows
	// TrainFC is the mean FC [S, S] of the training subjects only.
	TrainFC *mat.SymDense
	// TestFC is the mean FC [S, S] of the held-out subjects only (for the
	// PE–FC correlation against the subjects a model is tested on; never
	// used in training or by a baseline).
	TestFC *mat.SymDense
	// TestFCs are the held-out subjects' own FCs [S, S], in TestSubjects
	// order (a PE's RSA per subject and its noise ceiling).
	TestFCs []*mat.SymDense
	// Centroids are the regions' MNI centroids in mm, [S][3].
	Centroids [][3]float64
	// Partition holds region names and networks.
	Partition *Partition
}

// Atlas and folder names inside the data set.
const (
	RestDir   = "rest"
	CabnpDir  = "cabnp"
	AtlasFile = "atlas/MMP_in_MNI_corr.nii.gz"
)

// Load reads the time series, partition and atlas under cfg.Dir, z-scores
// every subject's regions, splits subjects into training and held-out sets
// (SplitSubjects), cuts both into windows (MakeWindows) and computes the
// training subjects' group FC.
func Load(cfg Config) (*Data, error) {
	want := cfg.Subjects
	opt := masked.ReadOptions{Regions: NumRegions, MinTimes: cfg.T, MaxOutlierZ: cfg.MaxOutlierZ}
	var held []*masked.Series
	if len(cfg.HeldOut) > 0 {
		if err := checkNamedSplit(cfg.Subjects, cfg.HeldOut); err != nil {
			return nil, err
		}
		if len(cfg.Subjects) == 0 {
			return nil, errors.New("fmri: held-out subjects named without training subjects")
		}
		if cfg.HeldOutDir == "" {
			want = append(slices.Clone(cfg.Subjects), cfg.HeldOut...)
		} else {
			var err error
			if held, err = ReadDir(cfg.HeldOutDir, opt, cfg.HeldOut...); err != nil {
				return nil, err
			}
		}
	} else if cfg.HeldOutDir != "" {
		return nil, errors.New("fmri: a held-out folder without held-out subjects")
	}
	series, err := ReadDir(filepath.Join(cfg.Dir, RestDir), opt, want...)
	if err != nil {
		return nil, err
	}
	// Both folders' series have NumRegions regions (opt.Regions).
	series = append(series, held...)
	byID := map[string]*mat.Dense{}
	ids := make([]string, len(series))
	for i, s := range series {
		z, err := masked.ZScore(s.Data)
		if err != nil {
			return nil, fmt.Errorf("fmri: subject %s: %w", s.Name, err)
		}
		byID[s.Name] = z
		ids[i] = s.Name
	}
	var train, test []string
	if len(cfg.HeldOut) > 0 {
		train, test = slices.Sorted(slices.Values(cfg.Subjects)), slices.Sorted(slices.Values(cfg.HeldOut))
	} else if train, test, err = masked.SplitSubjects(ids, cfg.TestSubjects, cfg.Seed); err != nil {
		return nil, err
	}
	pick := func(ids []string) []*mat.Dense {
		out := make([]*mat.Dense, len(ids))
		for i, id := range ids {
			out[i] = byID[id]
		}
		return out
	}
	d := &Data{TrainSubjects: train, TestSubjects: test}
	if d.Train, err = masked.MakeWindows(pick(train), cfg.T, cfg.Stride); err != nil {
		return nil, err
	}
	if d.Test, err = masked.MakeWindows(pick(test), cfg.T, cfg.Stride); err != nil {
		return nil, err
	}
	if d.TrainFC, err = masked.GroupFC(pick(train)); err != nil {
		return nil, err
	}
	if d.TestFC, err = masked.GroupFC(pick(test)); err != nil {
		return nil, err
	}
	for _, s := range pick(test) {
		d.TestFCs = append(d.TestFCs, masked.FC(s))
	}
	if d.Partition, err = ReadPartition(filepath.Join(cfg.Dir, CabnpDir), NumRegions); err != nil {
		return nil, err
	}
	vol, err := ReadNIfTI(filepath.Join(cfg.Dir, filepath.FromSlash(AtlasFile)))
	if err != nil {
		return nil, err
	}
	if d.Centroids, err = GlasserCentroids(vol); err != nil {
		return nil, err
	}
	return d, nil
}

// checkNamedSplit checks a named split: no subject listed twice in either
// list, and none in both.
func checkNamedSplit(train, test []string) error {
	seen := map[string]bool{}
	for _, id := range train {
		if seen[id] {
			return &SubjectError{ID: id, Problem: "is listed twice"}
		}
		seen[id] = true
	}
	held := map[string]bool{}
	for _, id := range test {
		if held[id] {
			return &SubjectError{ID: id, HeldOut: true, Problem: "is listed twice"}
		}
		held[id] = true
		if seen[id] {
			return &SubjectError{ID: id, HeldOut: true, Problem: "is also a training subject"}
		}
	}
	return nil
}

// ReadAnatomy reads the regions' anatomy alone, without any time series:
// the Cole-Anticevic partition of the 360 Glasser regions and each region's
// MNI centroid in mm (GlasserCentroids of the atlas volume), from the data
// set folder dir ("" searches as FindDir does).
func ReadAnatomy(dir string) (*Partition, [][3]float64, error) {
	d, err := FindDir(dir)
	if err != nil {
		return nil, nil, err
	}
	part, err := ReadPartition(filepath.Join(d, CabnpDir), NumRegions)
	if err != nil {
		return nil, nil, err
	}
	vol, err := ReadNIfTI(filepath.Join(d, filepath.FromSlash(AtlasFile)))
	if err != nil {
		return nil, nil, err
	}
	c, err := GlasserCentroids(vol)
	if err != nil {
		return nil, nil, err
	}
	return part, c, nil
}
