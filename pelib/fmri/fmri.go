// Package fmri loads parcellated resting-state fMRI data and prepares it as
// token arrays for masked-region prediction (Experiment 3 of Ito et al. 2024):
// tokens are the 360 cortical regions of the Glasser HCP-MMP1.0 atlas.
//
// It holds four parts.
//
// Time series. A subject's data is a regions × time matrix (a *mat.Dense with
// one row per region). ReadHDF5 reads the HDF5 files of the HCP example data
// (dataset /restdata, float64) through the pure-Go github.com/scigolib/hdf5
// library; ReadCSV and ReadNPY read researchers' own data in the same
// orientation. Every reader rejects non-finite values and wrong ranks, and
// allocates only what the file can hold: a damaged file is an error naming
// it (see docs/inputs.md).
//
// Anatomy and networks. ReadNIfTI reads a NIfTI-1 integer label volume (plain
// or gzip) and its affine; Centroids gives each label's centroid in world (MNI)
// millimetres, A·[ī, j̄, k̄, 1]ᵀ for the mean voxel index (ī, j̄, k̄), and
// GlasserCentroids maps atlas labels 1–180 (left) and 201–380 (right) to
// regions 0–359. ReadPartition reads the Cole-Anticevic partition: for each
// region its Glasser name, hemisphere and network key 1–12, and the networks'
// names and colours.
//
// Preprocessing. ZScore standardises each region of one subject to mean 0 and
// population variance 1. MakeWindows cuts each subject's series into windows
// of T consecutive time points that become the token features,
// X[n, s, t] (float32, axes n window, s region, t time). SplitSubjects
// splits by subject, never by window, so no subject is in both parts. FC and
// GroupFC give Pearson functional connectivity.
//
// Baselines. For masked-region prediction (predict the masked regions'
// windows, mean squared error over masked entries only), ZeroMSE predicts 0
// for every masked entry and NeighbourMSE predicts each masked region from its
// most correlated unmasked region in a group FC estimated on training
// subjects, either copied or scaled by that correlation.
//
// Load does all of this for a data set folder laid out like hcp-glasser360
// (rest/, cabnp/, atlas/). Dataset describes that data set's public files for
// the downloader (pelib/fetch), pinned by size and SHA-256, with the HCP Open
// Access Data Use Terms and the partition's licence, which must be accepted;
// HCPAcknowledgment and PartitionLicenseNote are the wording that results and
// READMEs must carry.
package fmri

// Glasser-360 facts used across the package.
const (
	// NumRegions is the number of cortical regions (tokens): 180 per hemisphere.
	NumRegions = 360
	// RegionsPerHemisphere is the number of regions in one hemisphere.
	RegionsPerHemisphere = 180
	// NumNetworks is the number of Cole-Anticevic networks (keys 1–12).
	NumNetworks = 12
	// HCPDataset is the name of the time-series dataset in the HCP example
	// HDF5 files.
	HCPDataset = "/restdata"
	// TR is the repetition time of the HCP resting-state runs, in seconds.
	TR = 0.72
)
