package fmri

import (
	_ "embed"
	"strings"

	"github.com/pelab/pelab/pelib/fetch"
)

// DatasetName is the name of the data set for `pelab data fetch` and the
// folder name in the data cache.
const DatasetName = "hcp-glasser360"

// HCPAcknowledgment is the wording that term 5a of the WU-Minn HCP Open
// Access Data Use Terms requires in the acknowledgments of every public
// presentation of results derived from HCP data.
const HCPAcknowledgment = "Data were provided [in part] by the Human Connectome Project, WU-Minn Consortium " +
	"(Principal Investigators: David Van Essen and Kamil Ugurbil; 1U54MH091657) funded by the 16 NIH " +
	"Institutes and Centers that support the NIH Blueprint for Neuroscience Research; and by the " +
	"McDonnell Center for Systems Neuroscience at Washington University."

// PartitionLicenseNote states the licence of the Cole-Anticevic network
// partition files (cabnp/), for READMEs and notebooks.
const PartitionLicenseNote = "The network partition (cabnp/) is the Cole-Anticevic Brain-wide Network Partition " +
	"v1.0 (CAB-NP), (c) 2018 Rutgers University & Yale University (Ji, Spronk, Kulkarni, Repovš, Anticevic " +
	"& Cole, NeuroImage 2019), distributed under its own licence for non-commercial use only; the licence " +
	"(cabnp/LICENSE) must travel with the files and be imposed on their receivers."

// hcpTerms is the WU-Minn HCP Open Access Data Use Terms (release of
// 26 April 2013) with the address where they are published.
//
//go:embed hcp_data_use_terms.txt
var hcpTerms string

// partitionLicense is the CAB-NP v1.0 licence text (cabnp/LICENSE).
//
//go:embed cabnp_license.txt
var partitionLicense string

// HCPTerms returns the full text of the WU-Minn HCP Open Access Data Use
// Terms, which a user of the time series must accept.
func HCPTerms() string { return hcpTerms }

// PartitionLicense returns the full text of the CAB-NP v1.0 licence of the
// network partition files.
func PartitionLicense() string { return partitionLicense }

// Public sources of the files, pinned to commits (see the data set's
// SOURCE.md): raw.githubusercontent.com/<owner>/<repo>/<commit>/<path>.
const (
	actflowBase   = "https://raw.githubusercontent.com/ColeLab/ActflowToolbox/dfacbcb65af769159a4ffb3fab2d1710035fe59f/examples/HCP_example_data/"
	cabnpBase     = "https://raw.githubusercontent.com/ColeLab/ColeAnticevicNetPartition/e4ea9fd709ead8616843924b717c6abce62ea05c/"
	atlasURL      = "https://raw.githubusercontent.com/floristijhuis/HCP-rfMRI-repository/2926b9c6874f22ad41e59633aafa6662f34ba2ab/Atlases/Glasser/info/MMP_in_MNI_corr.nii.gz"
	hcpRestSize   = 3443648
	hcpRestPrefix = "HCP_example_restrun1_subj"
)

// hcpSubjects lists the subjects of the data set with the SHA-256 of their
// time-series file (all 3,443,648 bytes).
var hcpSubjects = [...]struct{ id, sha256 string }{
	{"100206", "8cca9ed0de0f98eabf193c27227f100710253e499c887940099f8dc4ee664764"},
	{"100408", "3f41eabc433ff2e89cb5339b054e7188cf585cf633d8c43cc3aea423954acabf"},
	{"108020", "aa73bf4b6a9e1712c8417a8ee90c2c134e4c49b341082936be76cb4719df5a73"},
	{"108222", "82d667d29d390bd00657fc6eeb5793601d87b3c426c32fe7c02d2fd56ff07c89"},
	{"117930", "cc9eaa963984cd469578ee0d9eb58b09a4f39881806d5be76631ec0d6ab3ca28"},
	{"118124", "82a1ed0706309297b5d4c3a53cf89a17cc25171ff93a5cab0bdaef22b9f3d14d"},
	{"126325", "9a176d55418837020a0dffbb75307e7e02cbab53fc4e28c19a758ccc3848015f"},
	{"126426", "24eea8afdc1a82107b3399fda0658d9ba2344bca99ca14f66edb825ec67792e7"},
	{"133928", "0063820662b8c578191fc90fc287ad3977a64203b0381f93e5e8ad885939ed13"},
	{"134021", "ac1c3208a325c61c44b5a6749a68a37a7aee91b5ba751e6eddb7184eee0ddd0f"},
	{"143224", "d8b015bd17fab067bb69cf6e783eb99c01ac59d32bb3c11584ce7c960ffc723a"},
	{"144832", "3ed55ebc29f5e77dd8b6188616f8054d6f6a34ab8b69745de325f4055679957d"},
	{"153934", "d84e0963f11b98aedce4c3dff0db59900b734fda267ccc639649bab287820b0a"},
	{"164636", "84448d094c371d76e8c66045519d597ffba5734a5ceebe41e187b88dda723c0f"},
	{"174437", "aca40a685e4d933f8da9fe9e0bfe9ce9d1a2e0f06d9929f05b4c2e66f9621ee4"},
	{"183034", "8dd24074162319dd980d54ac3877fd464277c1f81d7fcfab485dd7bc047382b8"},
	{"194443", "79f13bea3ad2888c5ecc6a225beeadcaf7173a5470339a7a89027b6a49a357a6"},
	{"204521", "f4c8d3d4ad5021b6258153e9e40f485edff0479a928724e065c99ff484dd73bb"},
	{"212823", "21959a48299f0f3d51ec6f45cde1b7c600ea176fe4dcbdb4461974f7e3c39f83"},
	{"268749", "b6f06c6a82a60b33026f7e6a1dc99e3b82a968f729fc9daa324e9a610521bfee"},
}

// Dataset describes the hcp-glasser360 data set for pelib/fetch: the
// resting-state time series of 20 HCP subjects (rest/), the Cole-Anticevic
// network partition with its licence (cabnp/) and the Glasser label volume
// in MNI space (atlas/), each pinned by size and SHA-256. Downloading
// requires accepting the HCP Open Access Data Use Terms and the partition's
// licence, which Terms carries in full.
func Dataset() fetch.Dataset {
	files := []fetch.File{
		{Path: "atlas/MMP_in_MNI_corr.nii.gz", URL: atlasURL, Size: 874074,
			SHA256: "407918a9777d3104f838a6d2b18d860e9bc268592c3edc96186e1f256b324aba"},
		{Path: "cabnp/" + PartitionLabelKey, URL: cabnpBase + PartitionLabelKey, Size: 53483,
			SHA256: "2d12fea6d84be2d82f9d146e7fa9fa2fe54a91fade32e6febb74adf53b583adf"},
		{Path: "cabnp/LICENSE", URL: cabnpBase + "LICENSE", Size: 3073,
			SHA256: "7f36e1a470ec5f5a56b9c0dae13e107dda88fb71d83340346654294a5c19318d"},
		{Path: "cabnp/" + NetworkAssignFile, URL: cabnpBase + NetworkAssignFile, Size: 1097,
			SHA256: "8fab10efd8fde3cf2ccacd05ce456b8d769f3e455ef69ba1b7a3ec5679b824bf"},
		{Path: "cabnp/" + NetworkLabelFile, URL: cabnpBase + NetworkLabelFile, Size: 350,
			SHA256: "b8465edbce092243484fe03f78af0a987d0ad17c34a33254f4a079a5c209a18d"},
	}
	for _, s := range hcpSubjects {
		name := hcpRestPrefix + s.id + "_data.h5"
		files = append(files, fetch.File{Path: "rest/" + name, URL: actflowBase + name, Size: hcpRestSize, SHA256: s.sha256})
	}
	var terms strings.Builder
	terms.WriteString(strings.TrimSpace(hcpTerms))
	terms.WriteString("\n\nPublic presentations of results must carry this acknowledgment (term 5a):\n")
	terms.WriteString(HCPAcknowledgment)
	terms.WriteString("\n\nThe network partition files (cabnp/) come under their own licence, downloaded with them as cabnp/LICENSE:\n\n")
	terms.WriteString(strings.TrimSpace(partitionLicense))
	terms.WriteString("\n")
	return fetch.Dataset{
		Name:    DatasetName,
		Summary: "resting-state fMRI of 20 HCP subjects (360 Glasser regions × 1195 time points), Cole-Anticevic networks, MNI atlas (Experiment 3)",
		License: "HCP Open Access Data Use Terms; partition: CAB-NP licence (non-commercial); atlas: CC0",
		Terms:   terms.String(),
		Files:   files,
	}
}
