package lst

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pelab/pelab/pelib/results"
)

// TestSimilarityPanels draws the committed 300-epoch quick study's block-0
// similarity matrices (grid, 2d-fixed, σ 0.1, 0.5, 2) and writes the PNG
// where PELAB_FIGURES names a folder, to be looked at.
func TestSimilarityPanels(t *testing.T) {
	dir := filepath.Join("..", "..", "results", "lst-long300-cpu")
	store, err := results.Open(dir)
	if err != nil {
		t.Skipf("results/lst-long300-cpu: %v", err)
	}
	recs, _, err := store.All()
	if err != nil {
		t.Fatal(err)
	}
	fig, err := SimilarityPanels(store, recs, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	png, err := fig.PNG(0, 0)
	if err != nil || len(png) < 1000 {
		t.Fatalf("PNG: %d bytes, %v", len(png), err)
	}
	if out := os.Getenv("PELAB_FIGURES"); out != "" {
		if err := fig.Save(filepath.Join(out, "lst-similarity-panels.png")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := SimilarityPanels(store, recs, 0, 12345); err == nil {
		t.Error("epoch 12345 has no snapshot: want an error")
	}
}
