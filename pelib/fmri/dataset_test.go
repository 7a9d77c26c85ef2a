package fmri

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelab/pelab/internal/shared"
	"github.com/pelab/pelab/pelib/fetch"
)

func TestDatasetDescription(t *testing.T) {
	ds := Dataset()
	if ds.Name != DatasetName || len(ds.Files) != 25 {
		t.Fatalf("data set %q with %d files, want %q with 25 (20 subjects, 4 partition files, 1 atlas)", ds.Name, len(ds.Files), DatasetName)
	}
	var total int64
	for _, f := range ds.Files {
		total += f.Size
		if !strings.HasPrefix(f.URL, "https://raw.githubusercontent.com/") || !strings.HasSuffix(f.URL, "/"+filepath.Base(f.Path)) {
			t.Errorf("%s: URL %s is not a raw GitHub address of that file", f.Path, f.URL)
		}
		if len(f.SHA256) != 64 || f.Size <= 0 {
			t.Errorf("%s: not pinned (sha256 %q, size %d)", f.Path, f.SHA256, f.Size)
		}
	}
	t.Logf("%d files, %d bytes", len(ds.Files), total)
	for _, want := range []string{
		"WU-Minn HCP Consortium Open Access Data Use Terms",
		"I may redistribute original WU-Minn HCP Open Access data",
		HCPAcknowledgment,
		"Cole-Anticevic Brain-wide Network Partition version 1.0",
		"You are not permitted under this License to use this Software\ncommercially",
	} {
		if !strings.Contains(ds.Terms, want) {
			t.Errorf("terms lack %q", want)
		}
	}
	if !strings.Contains(HCPTerms(), HCPAcknowledgment) {
		t.Error("HCPAcknowledgment differs from the wording of term 5a")
	}
}

// TestDatasetMatchesShared checks every pinned size and SHA-256 against the
// shared copy of the data set, and the embedded licence texts against the
// shared ones.
func TestDatasetMatchesShared(t *testing.T) {
	dir := shared.TestData(t, "hcp-glasser360")
	if err := fetch.Verify(Dataset(), dir); err != nil {
		t.Errorf("Dataset() does not match %s: %v", dir, err)
	}
	for path, text := range map[string]string{
		"HCP_DataUseTerms.txt": HCPTerms(),
		"cabnp/LICENSE":        PartitionLicense(),
	} {
		b, err := os.ReadFile(filepath.Join(dir, path))
		if err != nil {
			t.Fatal(err)
		}
		if strings.ReplaceAll(string(b), "\r\n", "\n") != text {
			t.Errorf("embedded text differs from %s", path)
		}
	}
}

// TestReadAnatomy reads the partition and the centroids without any time
// series: 360 regions, each centroid finite and within 100 mm of the MNI
// origin; and an error for a folder without the data.
func TestReadAnatomy(t *testing.T) {
	dir := shared.TestData(t, "hcp-glasser360")
	part, c, err := ReadAnatomy(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(part.Regions) != NumRegions || len(c) != NumRegions {
		t.Fatalf("%d regions and %d centroids, want %d each", len(part.Regions), len(c), NumRegions)
	}
	for r, p := range c {
		for k, v := range p {
			if math.IsNaN(v) || math.Abs(v) > 100 {
				t.Fatalf("region %d centroid coordinate %d = %v mm: not in MNI space", r, k, v)
			}
		}
	}
	if _, _, err := ReadAnatomy(t.TempDir()); err == nil {
		t.Error("an empty folder gave no error")
	}
}
