package fmri

import (
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelab/pelab/internal/shared"
)

// writePartition writes a small partition folder: networks, assignments and
// label key, each given as file text.
func writePartition(t *testing.T, networks, assign, labelKey string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range map[string]string{
		NetworkLabelFile:  networks,
		NetworkAssignFile: assign,
		PartitionLabelKey: labelKey,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	smallNetworks = "Beta\n2 0 255 0 255\nAlpha\n1 255 0 0 255\n"
	smallAssign   = "1\r\n2\r\n2\r\n1\r\n"
	smallKey      = "INDEX\tKEYVALUE\tHEMISPHERE\tNETWORKKEY\tGLASSERLABELNAME\n" +
		"1\t1\tL\t1\tL_A_ROI\n2\t2\tL\t2\tL_B_ROI\n3\t3\tR\t2\tR_A_ROI\n4\t4\tR\t1\tR_B_ROI\n5\t1010\tL\t1\tNA\n"
)

func TestReadPartitionSmall(t *testing.T) {
	for _, c := range []struct{ name, bom string }{{"plain", ""}, {"byte order marks", "\uFEFF"}} {
		t.Run(c.name, func(t *testing.T) { testReadPartitionSmall(t, c.bom) })
	}
}

// testReadPartitionSmall reads the small partition with bom before each
// file's text (a UTF-8 byte order mark is skipped).
func testReadPartitionSmall(t *testing.T, bom string) {
	p, err := ReadPartition(writePartition(t, bom+smallNetworks, bom+smallAssign, bom+smallKey), 4)
	if err != nil {
		t.Fatal(err)
	}
	wantNets := []Network{{1, "Alpha", color.RGBA{255, 0, 0, 255}}, {2, "Beta", color.RGBA{0, 255, 0, 255}}}
	if len(p.Networks) != 2 || p.Networks[0] != wantNets[0] || p.Networks[1] != wantNets[1] {
		t.Errorf("networks %v, want %v", p.Networks, wantNets)
	}
	wantRegions := []Region{{"L_A_ROI", "L", 1}, {"L_B_ROI", "L", 2}, {"R_A_ROI", "R", 2}, {"R_B_ROI", "R", 1}}
	for i, r := range wantRegions {
		if p.Regions[i] != r {
			t.Errorf("region %d = %v, want %v", i, p.Regions[i], r)
		}
	}
	if n, ok := p.Network(2); !ok || n.Name != "Beta" {
		t.Errorf("Network(2) = %v, %v", n, ok)
	}
	if _, ok := p.Network(3); ok {
		t.Error("Network(3) found")
	}
}

func TestReadPartitionErrors(t *testing.T) {
	cases := []struct {
		name, networks, assign, key string
		n                           int
		want                        string
	}{
		{"too few assignments", smallNetworks, "1\n2\n2\n", smallKey, 4, "3 network assignments, want one per region (4)"},
		{"too many assignments", smallNetworks, smallAssign + "1\n", smallKey, 4, "5 network assignments"},
		{"unknown key", smallNetworks, "1\n2\n13\n1\n", smallKey, 4, "line 3: unknown network key 13"},
		{"bad key", smallNetworks, "1\nx\n2\n1\n", smallKey, 4, "line 2: want an integer"},
		{"files disagree", smallNetworks, "1\n2\n1\n1\n", smallKey, 4, "region 2 (R_A_ROI) has network key 2"},
		{"label key short", smallNetworks, "1\n2\n2\n1\n1\n1\n", smallKey, 6, "data rows"},
		{"label key order", smallNetworks, smallAssign, strings.Replace(smallKey, "2\t2\tL", "2\t9\tL", 1), 4, "KEYVALUE \"9\", want 2"},
		{"label key column", smallNetworks, smallAssign, strings.Replace(smallKey, "GLASSERLABELNAME", "NAME", 1), 4, "no column GLASSERLABELNAME"},
		{"odd network lines", smallNetworks + "Gamma\n", smallAssign, smallKey, 4, "want pairs of lines"},
		{"bad colour", "Alpha\n1 300 0 0 255\nBeta\n2 0 0 0 255\n", smallAssign, smallKey, 4, "colour values 0–255"},
		{"duplicate network", "Alpha\n1 0 0 0 255\nBeta\n1 0 0 0 255\n", smallAssign, smallKey, 4, "appears twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadPartition(writePartition(t, c.networks, c.assign, c.key), c.n)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// TestColeAnticevic checks the real partition against SOURCE.md's facts.
func TestColeAnticevic(t *testing.T) {
	p, err := ReadPartition(shared.TestData(t, "hcp-glasser360", "cabnp"), NumRegions)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"Visual1", "Visual2", "Somatomotor", "Cingulo-Opercular", "Dorsal-attention", "Language",
		"Frontoparietal", "Auditory", "Default", "Posterior-Multimodal", "Ventral-Multimodal", "Orbito-Affective"}
	sizes := []int{6, 54, 39, 56, 23, 23, 50, 15, 77, 7, 4, 6}
	got := p.Sizes()
	if len(p.Networks) != NumNetworks {
		t.Fatalf("%d networks, want %d", len(p.Networks), NumNetworks)
	}
	for i, n := range p.Networks {
		if n.Key != i+1 || n.Name != names[i] || got[n.Key] != sizes[i] {
			t.Errorf("network %d: key %d %q with %d regions, want key %d %q with %d", i, n.Key, n.Name, got[n.Key], i+1, names[i], sizes[i])
		}
	}
	if d, _ := p.Network(9); d.Color != (color.RGBA{255, 0, 0, 255}) {
		t.Errorf("Default colour %v, want red", d.Color)
	}
	for _, c := range []struct {
		r          int
		name, hemi string
		key        int
	}{{0, "L_V1_ROI", "L", 1}, {1, "L_MST_ROI", "L", 2}, {179, "L_p24_ROI", "L", 4}, {180, "R_V1_ROI", "R", 1}, {359, "R_p24_ROI", "R", 4}} {
		if r := p.Regions[c.r]; r.Name != c.name || r.Hemisphere != c.hemi || r.Network != c.key {
			t.Errorf("region %d = %v, want %s %s %d", c.r, r, c.name, c.hemi, c.key)
		}
	}
	// Left and right names pair up: region i+180 is the right twin of i.
	for i := range RegionsPerHemisphere {
		l, r := p.Regions[i].Name, p.Regions[i+RegionsPerHemisphere].Name
		if strings.TrimPrefix(l, "L_") != strings.TrimPrefix(r, "R_") {
			t.Errorf("region %d %s and region %d %s are not homotopic", i, l, i+RegionsPerHemisphere, r)
		}
	}
}
