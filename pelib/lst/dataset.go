package lst

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pelab/pelab/internal/shared"
	"github.com/pelab/pelab/pelib/fetch"
)

// DatasetName is the reference data's name for fetch and `pelab data`.
const DatasetName = "lst"

// sourceCommit pins the LSTNN_public commit the files come from.
const sourceCommit = "d139c51b0a6d4346fe71a466afd49d25a40e5a29"

// Dataset describes the reference puzzles for fetch: the three generated
// pool files, the original set and the licence, from
// github.com/ljhearne/LSTNN_public at a pinned commit, with their sizes and
// SHA-256.
func Dataset() fetch.Dataset {
	base := "https://raw.githubusercontent.com/ljhearne/LSTNN_public/" + sourceCommit + "/"
	return fetch.Dataset{
		Name:    DatasetName,
		Summary: "Latin Square Task puzzles: 9,000 generated training puzzles + the 108 originals of the human fMRI study (Experiment 1)",
		License: "MIT (Luke Hearne, github.com/ljhearne/LSTNN_public)",
		Files: []fetch.File{
			{Path: FileBinary, URL: base + "processed_data/" + FileBinary, Size: 94929,
				SHA256: "f0a13f99a21c702f6361696ed7ed1aed2c43b7345ef4b11101106dd0e9e89b9b"},
			{Path: FileTernary, URL: base + "processed_data/" + FileTernary, Size: 97929,
				SHA256: "247ffbb4b9b651d91f00be38cf1a0722737ffa4e28f3f24d37f067aa2492162f"},
			{Path: FileQuaternary, URL: base + "processed_data/" + FileQuaternary, Size: 106929,
				SHA256: "ade3345154b2702777e7a8e539aa60d3afc17f15cfa9d09c6534e43bfc9d0e67"},
			{Path: FileOriginal, URL: base + "processed_data/" + FileOriginal, Size: 3646,
				SHA256: "263903791acc0b9a2c927bc88647b5c0df83b683b1567d1105c44fcb11b54e05"},
			{Path: FileLicense, URL: base + FileLicense, Size: 1068,
				SHA256: "8468c8783b1de33f56818c056793b16e35957073a3119a7fe442d7828c6ca739"},
		},
	}
}

// FindDir returns the folder holding the reference data, looking in order at
// (a) dir, when non-empty (an error if the files there are missing or
// damaged); (b) the project's shared folder, ../shared/data/lst (see
// internal/shared); (c) the fetch cache, fetch.DefaultDir("lst"). A folder
// counts only if every file of Dataset() is there with its pinned size and
// SHA-256. When none has the data, the error says to run
// `pelab data fetch lst`.
func FindDir(dir string) (string, error) {
	ds := Dataset()
	if dir != "" {
		if err := fetch.Verify(ds, dir); err != nil {
			return "", fmt.Errorf("lst: reference data in %s: %w (run: pelab data fetch lst --dir %s)", dir, err, dir)
		}
		return dir, nil
	}
	var tried []error
	if d, err := shared.Data(DatasetName); err != nil {
		tried = append(tried, err)
	} else if err := fetch.Verify(ds, d); err != nil {
		tried = append(tried, err)
	} else {
		return d, nil
	}
	if d, err := fetch.DefaultDir(DatasetName); err != nil {
		tried = append(tried, err)
	} else if _, err := os.Stat(filepath.Join(d, FileOriginal)); err != nil {
		tried = append(tried, fmt.Errorf("%s: not fetched", d))
	} else if err := fetch.Verify(ds, d); err != nil {
		tried = append(tried, err)
	} else {
		return d, nil
	}
	return "", fmt.Errorf("lst: reference data not found; run: pelab data fetch lst\n(looked in: %w)", errors.Join(tried...))
}
