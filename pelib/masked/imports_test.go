package masked

import (
	"go/build"
	"path/filepath"
	"slices"
	"testing"
)

// experimentPackages are the masked-token experiments built on this
// package. Each holds only what is its own (netsim the simulator, fmri the
// HCP data, tokens a researcher's files); what they share is here.
var experimentPackages = []string{"netsim", "fmri", "tokens"}

// TestExperimentsIndependent: no masked-token experiment imports another,
// in its code or its tests (cross-experiment checks, such as tokens on an
// exported netsim network, live in pelib/experiment/all), and each
// imports this package.
func TestExperimentsIndependent(t *testing.T) {
	const prefix = "github.com/pelab/pelab/pelib/"
	for _, name := range experimentPackages {
		t.Run(name, func(t *testing.T) {
			pkg, err := build.ImportDir(filepath.Join("..", name), 0)
			if err != nil {
				t.Fatalf("pelib/%s: %v", name, err)
			}
			all := slices.Concat(pkg.Imports, pkg.TestImports, pkg.XTestImports)
			for _, other := range experimentPackages {
				if other != name && slices.Contains(all, prefix+other) {
					t.Errorf("pelib/%s imports pelib/%s: move what they share into pelib/masked", name, other)
				}
			}
			if !slices.Contains(pkg.Imports, prefix+"masked") {
				t.Errorf("pelib/%s does not import pelib/masked (imports %v)", name, pkg.Imports)
			}
		})
	}
}
