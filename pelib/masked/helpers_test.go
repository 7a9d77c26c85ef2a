package masked

import (
	"fmt"
	"path/filepath"
	"strings"
)

// The HCP example data's layout, as pelib/fmri reads it (fmri.HCPDataset,
// fmri.NumRegions, fmri.DatasetName): the readers' tests read the shared
// copy when it is present. masked may not import fmri.
const (
	hcpDataset     = "/restdata"
	hcpRegions     = 360
	hcpDatasetName = "hcp-glasser360"
)

// readAny reads path with the reader its extension names (HDF5 files
// through their dataset hcpDataset).
func readAny(path string, opt ReadOptions) (*Series, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".h5", ".hdf5":
		return ReadHDF5(path, hcpDataset, opt)
	case ".csv":
		return ReadCSV(path, opt)
	case ".npy":
		return ReadNPY(path, opt)
	}
	return nil, fmt.Errorf("%s: unknown extension", path)
}
