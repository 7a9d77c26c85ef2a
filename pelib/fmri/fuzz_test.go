package fmri

import (
	"strings"
	"testing"

	"github.com/pelab/pelab/internal/testfiles"
)

func FuzzReadNIfTI(f *testing.F) {
	for _, code := range []int{niftiUint8, niftiInt16, niftiFloat32} {
		h := testHeader(code, 8*map[int]int{niftiUint8: 1, niftiInt16: 2, niftiFloat32: 4}[code])
		b := niftiBytes(h, encodeLabels(code, testLabels))
		f.Add(b)
		f.Add(gzipBytes(b))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		p := testfiles.WriteFile(t, dir, "atlas.nii.gz", b)
		testfiles.NoHang(t, func() {
			v, err := ReadNIfTI(p)
			if err != nil {
				if !strings.Contains(err.Error(), p) {
					t.Fatalf("error %q does not name the file", err)
				}
				return
			}
			if len(v.Labels) != v.Nx*v.Ny*v.Nz {
				t.Fatalf("%d labels for %d × %d × %d voxels", len(v.Labels), v.Nx, v.Ny, v.Nz)
			}
		})
	})
}

func FuzzReadPartition(f *testing.F) {
	f.Add(smallNetworks, smallAssign, smallKey, 4)
	f.Add(smallNetworks, "1\n2\n13\n1\n", smallKey, 4)
	f.Add("Alpha\n1 300 0 0 255\nBeta\n2 0 0 0 255\n", smallAssign, strings.Replace(smallKey, "2\t2\tL", "2\t9\tL", 1), 4)
	f.Add(smallNetworks, smallAssign, strings.Replace(smallKey, "GLASSERLABELNAME", "NAME", 1), 2)
	f.Fuzz(func(t *testing.T, networks, assign, key string, n int) {
		if n < 0 || n > 1000 {
			return
		}
		dir := writePartition(t, networks, assign, key)
		testfiles.NoHang(t, func() {
			p, err := ReadPartition(dir, n)
			if err != nil {
				if !strings.Contains(err.Error(), dir) {
					t.Fatalf("error %q does not name the file", err)
				}
				return
			}
			if len(p.Regions) != n {
				t.Fatalf("%d regions, want %d", len(p.Regions), n)
			}
			for i, r := range p.Regions {
				if _, ok := p.Network(r.Network); !ok {
					t.Fatalf("region %d has network %d, not among %v", i, r.Network, p.Networks)
				}
			}
		})
	})
}
