package tokens

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pelab/pelab/pelib/masked"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// Recording is one recording: tokens × time.
type Recording struct {
	// Name is the file name without its extension.
	Name string
	Path string
	// Data is S × L: row s is token s's series of L time points.
	Data *mat.Dense
}

// SignalOptions say how ReadSignals reads a folder of recordings.
type SignalOptions struct {
	// Dataset is the path of the S × L dataset inside HDF5 files (e.g.
	// "/restdata"; default "/data").
	Dataset string
	// MinTimes is the least number of time points of a recording (one
	// window).
	MinTimes int
	// MaxOutlierZ is the plausibility bound of every recording
	// (masked.ReadOptions.MaxOutlierZ: 0 the default, +Inf off).
	MaxOutlierZ float64
	// Names, when given (one per row), name the tokens in errors.
	Names []string
	// Skip are files that are not recordings even when they sit in the
	// folder: the tokens' coordinates, names and partition files
	// (Tokens.Files), so that a data set may keep them beside its
	// recordings.
	Skip []string
}

// DefaultDataset is the HDF5 dataset path read when none is given.
const DefaultDataset = "/data"

// ReadSignals reads every recording in dir: each non-hidden file ending in
// .npy (float64 or float32, [S, L], C order), .csv (S lines of L numbers,
// no header) or .h5/.hdf5 (the S × L dataset opt.Dataset, read by
// pelib/fmri's bounded reader, which checks the file's structure against
// its length before reading it) is one recording named after the file
// without its extension. Recordings are returned sorted by name.
//
// Files listed in opt.Skip (the tokens' own files) are not recordings.
// Every recording must have exactly S rows (the tokens of the coordinates
// file coords, named in errors), at least opt.MinTimes columns, and only
// finite values; two files with the same name but another extension are
// an error.
func ReadSignals(dir string, S int, coords string, opt SignalOptions) ([]*Recording, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("tokens: signals: %w", err)
	}
	if opt.Dataset == "" {
		opt.Dataset = DefaultDataset
	}
	skip := map[string]bool{}
	for _, f := range opt.Skip {
		if a, err := filepath.Abs(f); err == nil {
			skip[a] = true
		}
	}
	byName := map[string]string{}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") {
			continue
		}
		if a, err := filepath.Abs(filepath.Join(dir, n)); err == nil && skip[a] {
			continue
		}
		ext := strings.ToLower(filepath.Ext(n))
		switch ext {
		case ".npy", ".csv", ".h5", ".hdf5":
		default:
			continue
		}
		rec := strings.TrimSuffix(n, filepath.Ext(n))
		if prev, dup := byName[rec]; dup {
			return nil, fmt.Errorf("tokens: %s: recording %s has two files, %s and %s", dir, rec, prev, n)
		}
		byName[rec] = n
		names = append(names, rec)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("tokens: %s: no recordings (want .npy, .csv, .h5 or .hdf5 files, tokens × time)", dir)
	}
	slices.Sort(names)
	out := make([]*Recording, 0, len(names))
	for _, n := range names {
		p := filepath.Join(dir, byName[n])
		var s *masked.Series
		ro := masked.ReadOptions{MaxOutlierZ: opt.MaxOutlierZ}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".npy":
			s, err = masked.ReadNPY(p, ro)
		case ".csv":
			s, err = masked.ReadCSV(p, ro)
		default:
			s, err = masked.ReadHDF5(p, opt.Dataset, ro)
		}
		var bad *masked.ValueError
		if errors.As(err, &bad) {
			row := fmt.Sprintf("row %d", bad.Row)
			if bad.Row < len(opt.Names) {
				row = fmt.Sprintf("token %s (row %d)", opt.Names[bad.Row], bad.Row)
			}
			return nil, fmt.Errorf("tokens: recording %s: %s: value %s", n, p, bad.Describe(row))
		}
		if err != nil {
			hint := ""
			if strings.Contains(err.Error(), "want a number") {
				hint = fmt.Sprintf("; every .csv file in %s is read as a recording (S lines of numbers, no header): keep other files out of it (the recordings need a folder of their own)", dir)
			}
			return nil, fmt.Errorf("tokens: recording %s: %w%s", n, err, hint)
		}
		r, t := s.Data.Dims()
		if r != S {
			hint := ""
			if t == S {
				hint = "; it looks transposed (time × tokens)"
			}
			return nil, fmt.Errorf("tokens: %s: %d rows × %d time points, want %d rows, one per token of %s (rows = tokens, columns = time)%s", p, r, t, S, coords, hint)
		}
		if t < opt.MinTimes {
			return nil, fmt.Errorf("tokens: %s: %d time points, fewer than one window of %d", p, t, opt.MinTimes)
		}
		out = append(out, &Recording{Name: n, Path: p, Data: s.Data})
	}
	return out, nil
}

// Split says which recordings are held out.
type Split struct {
	// Test names the held-out recordings; an item may be a pattern of
	// path.Match ("test-*"), which must match at least one recording.
	Test []string
	// Train names the training recordings exactly (patterns allowed); empty:
	// every recording not held out.
	Train []string
	// Count held-out recordings are drawn with Seed when Test is empty (as
	// pelib/fmri draws held-out subjects, masked.SplitSubjects); 0: a fifth
	// of the recordings, at least 1.
	Count int
	Seed  uint64
}

// Resolve returns the training and held-out recording names of names
// under sp, each sorted.
func (sp Split) Resolve(dir string, names []string) (train, test []string, err error) {
	if len(names) < 2 {
		return nil, nil, fmt.Errorf("tokens: %s: %d recording (%s); held-out recordings need at least 2 (one to train on, one to hold out)",
			dir, len(names), strings.Join(names, ", "))
	}
	if len(sp.Test) == 0 {
		n := sp.Count
		if n == 0 {
			n = max(1, len(names)/5)
		}
		if n >= len(names) {
			return nil, nil, fmt.Errorf("tokens: %s: %d held-out recordings of %d, want 1 to %d", dir, n, len(names), len(names)-1)
		}
		train, test, err = masked.SplitSubjects(names, n, sp.Seed)
		if err != nil {
			return nil, nil, fmt.Errorf("tokens: %w", err)
		}
		if len(sp.Train) == 0 {
			return train, test, nil
		}
	} else if test, err = match(dir, "held-out", sp.Test, names); err != nil {
		return nil, nil, err
	}
	held := map[string]bool{}
	for _, n := range test {
		held[n] = true
	}
	if len(sp.Train) > 0 {
		if train, err = match(dir, "training", sp.Train, names); err != nil {
			return nil, nil, err
		}
		for _, n := range train {
			if held[n] {
				return nil, nil, fmt.Errorf("tokens: %s: recording %s is both held out and a training recording", dir, n)
			}
		}
		return train, test, nil
	}
	train = nil
	for _, n := range names {
		if !held[n] {
			train = append(train, n)
		}
	}
	if len(train) == 0 {
		return nil, nil, fmt.Errorf("tokens: %s: every recording is held out (%s); none is left to train on", dir, strings.Join(test, ", "))
	}
	return train, test, nil
}

// match returns the names matched by items (names or path.Match
// patterns), sorted; an item that matches nothing, or a name matched
// twice, is an error.
func match(dir, which string, items, names []string) ([]string, error) {
	seen := map[string]string{}
	var out []string
	for _, it := range items {
		n := 0
		for _, name := range names {
			ok, err := path.Match(it, name)
			if err != nil {
				return nil, fmt.Errorf("tokens: %s recording %q: %w", which, it, err)
			}
			if !ok {
				continue
			}
			n++
			if prev, dup := seen[name]; dup {
				return nil, fmt.Errorf("tokens: %s recording %s is listed twice (%q and %q)", which, name, prev, it)
			}
			seen[name] = it
			out = append(out, name)
		}
		if n == 0 {
			return nil, fmt.Errorf("tokens: %s recording %q: no recording of that name in %s (have %s)", which, it, dir, strings.Join(names, ", "))
		}
	}
	slices.Sort(out)
	return out, nil
}

// ZScore returns a copy of a recording's data with each token's series
// standardised over the whole recording, (x − mean)/sd with the n−1
// divisor — the z-scoring of netsim's ZRunNode, done in float64 in the same
// order of operations, so exported netsim runs give netsim's windows bit for
// bit. A constant token is an error naming the file and the token.
func ZScore(r *Recording, names []string) (*mat.Dense, error) {
	S, L := r.Data.Dims()
	if L < 2 {
		return nil, fmt.Errorf("tokens: %s: %d time point, z-scoring needs at least 2", r.Path, L)
	}
	out := mat.NewDense(S, L, nil)
	for s := range S {
		ser := r.Data.RawRowView(s)
		mean, sd := stat.MeanStdDev(ser, nil)
		if !(sd > 0) || math.IsInf(sd, 0) {
			return nil, fmt.Errorf("tokens: %s: token %s (row %d, 0-based) has standard deviation %v: a constant series cannot be z-scored", r.Path, names[s], s, sd)
		}
		dst := out.RawRowView(s)
		for t, v := range ser {
			dst[t] = (v - mean) / sd
		}
	}
	return out, nil
}
