package fmri

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInputFiles: a task's input fingerprint covers the listed subjects'
// series, the partition's three files and the atlas, by paths relative to
// the data set folder; one byte of any of them changes the digest (and so
// every cell ID), a subject not listed does not. Before input hashes the
// fmri cell IDs carried no fingerprint of the data: a run on a damaged
// subject file (one byte, 0xda at offset 0xf47 of subject 100206's file)
// had the clean run's IDs.
func TestInputFiles(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"rest/HCP_example_restrun1_subj100206_data.h5": "subject a",
		"rest/HCP_example_restrun1_subj100408_data.h5": "subject b",
		"rest/HCP_example_restrun1_subj108020_data.h5": "subject c",
		CabnpDir + "/" + NetworkLabelFile:              "networks",
		CabnpDir + "/" + NetworkAssignFile:             "assignments",
		CabnpDir + "/" + PartitionLabelKey:             "label key",
		AtlasFile:                                      "atlas",
	}
	write := func(files map[string]string) {
		for n, s := range files {
			p := filepath.Join(dir, filepath.FromSlash(n))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(files)
	subjects := []string{"100206", "100408"}
	clean, err := InputFiles(dir, subjects)
	if err != nil {
		t.Fatal(err)
	}
	if len(clean) != 6 || clean["rest/HCP_example_restrun1_subj100206_data.h5"] == "" || clean[AtlasFile] == "" {
		t.Errorf("inputs %v: want the 2 subjects, 3 partition files and the atlas", clean)
	}
	for _, tc := range []struct {
		name, file string
		same       bool
	}{
		{"a listed subject", "rest/HCP_example_restrun1_subj100206_data.h5", false},
		{"the partition's label key", CabnpDir + "/" + PartitionLabelKey, false},
		{"the atlas", AtlasFile, false},
		{"a subject not listed", "rest/HCP_example_restrun1_subj108020_data.h5", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer write(map[string]string{tc.file: files[tc.file]})
			b := []byte(files[tc.file])
			b[0] ^= 0x80 // one byte
			write(map[string]string{tc.file: string(b)})
			got, err := InputFiles(dir, subjects)
			if err != nil {
				t.Fatal(err)
			}
			if same := got.Digest() == clean.Digest(); same != tc.same {
				t.Errorf("same digest = %v, want %v", same, tc.same)
			}
		})
	}
	if _, err := InputFiles(dir, []string{"999999"}); err == nil || !strings.Contains(err.Error(), "no file for subject 999999") {
		t.Errorf("unknown subject: %v", err)
	}
	if err := os.Remove(filepath.Join(dir, filepath.FromSlash(AtlasFile))); err != nil {
		t.Fatal(err)
	}
	if _, err := InputFiles(dir, subjects); err == nil || !strings.Contains(err.Error(), "MMP_in_MNI_corr.nii.gz") {
		t.Errorf("missing atlas: %v", err)
	}
}
