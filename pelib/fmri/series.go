package fmri

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/pelab/pelab/pelib/masked"
)

// ReadSeries reads one subject's regions × time series, choosing the reader by
// the file's extension: .h5/.hdf5 (dataset HCPDataset), .csv, .npy
// (masked's readers), named by SubjectID.
func ReadSeries(path string, opt masked.ReadOptions) (*masked.Series, error) {
	var s *masked.Series
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".h5", ".hdf5":
		s, err = masked.ReadHDF5(path, HCPDataset, opt)
	case ".csv":
		s, err = masked.ReadCSV(path, opt)
	case ".npy":
		s, err = masked.ReadNPY(path, opt)
	default:
		return nil, fmt.Errorf("fmri: %s: unknown extension, want .h5, .hdf5, .csv or .npy", path)
	}
	if err != nil {
		return nil, err
	}
	s.Name = SubjectID(path)
	return s, nil
}

// hcpName matches the HCP example file names,
// HCP_example_restrun1_subj<ID>_data.h5.
var hcpName = regexp.MustCompile(`subj([0-9A-Za-z]+)_data\.h5$`)

// SubjectID returns the subject of a time-series file: the <ID> of an HCP
// example file name (…subj<ID>_data.h5), else the file name without its
// extension.
func SubjectID(path string) string {
	base := filepath.Base(path)
	if m := hcpName.FindStringSubmatch(base); m != nil {
		return m[1]
	}
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// ReadDir reads the subjects' time-series files in dir, sorted by subject.
// With subjects given, it reads only those, in that order, and fails if one
// is missing. Subjects must be unique and all series must have the same
// number of regions.
//
// Which files are subjects: when any file in dir is named like the HCP
// example files (…subj<ID>_data.h5), only files so named are, so that a stray
// notes.csv beside them is never read as a subject; otherwise every .h5,
// .hdf5, .csv and .npy file is. Hidden files (names starting with '.', such
// as macOS's ._ files) and folders are always ignored.
func ReadDir(dir string, opt masked.ReadOptions, subjects ...string) ([]*masked.Series, error) {
	files, err := subjectFiles(dir)
	if err != nil {
		return nil, err
	}
	if len(subjects) == 0 {
		for id := range files {
			subjects = append(subjects, id)
		}
		sort.Strings(subjects)
	}
	if len(subjects) == 0 {
		return nil, fmt.Errorf("fmri: %s: no .h5, .hdf5, .csv or .npy files", dir)
	}
	out := make([]*masked.Series, 0, len(subjects))
	seen := map[string]bool{}
	for _, id := range subjects {
		if seen[id] {
			return nil, fmt.Errorf("fmri: subject %s requested twice", id)
		}
		seen[id] = true
		p, ok := files[id]
		if !ok {
			return nil, fmt.Errorf("fmri: %s: no file for subject %s", dir, id)
		}
		s, err := ReadSeries(p, opt)
		if err != nil {
			return nil, err
		}
		if len(out) > 0 && s.Regions() != out[0].Regions() {
			return nil, fmt.Errorf("fmri: %s has %d regions but %s has %d", p, s.Regions(), out[0].Name, out[0].Regions())
		}
		s.Name = id
		out = append(out, s)
	}
	return out, nil
}

// subjectFiles returns the subjects' time-series files in dir (subject →
// path), chosen by ReadDir's rules: hidden files and folders are never
// subjects; beside files named like the HCP example files only files so
// named are; otherwise every .h5, .hdf5, .csv and .npy file is. Two files of
// one subject are an error. ReadDir and the experiment's subject listing
// both use it, so that a subject is listed only if it can be read.
func subjectFiles(dir string) (map[string]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("fmri: %w", err)
	}
	var names []string
	hcp := false
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") {
			continue
		}
		switch strings.ToLower(filepath.Ext(name)) {
		case ".h5", ".hdf5", ".csv", ".npy":
		default:
			continue
		}
		names = append(names, name)
		hcp = hcp || hcpName.MatchString(name)
	}
	files := map[string]string{} // subject → path
	for _, name := range names {
		if hcp && !hcpName.MatchString(name) {
			continue
		}
		p := filepath.Join(dir, name)
		id := SubjectID(p)
		if prev, dup := files[id]; dup {
			return nil, fmt.Errorf("fmri: %s: subject %s has two files, %s and %s", dir, id, filepath.Base(prev), name)
		}
		files[id] = p
	}
	return files, nil
}
