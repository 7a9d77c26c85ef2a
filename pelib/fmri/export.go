package fmri

import (
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pelab/pelab/internal/atomicfile"
	"github.com/pelab/pelab/pelib/experiment"
)

// TokenCoordsFile is the file WriteTokenCoords writes.
const TokenCoordsFile = "coords.csv"

// WriteTokenCoords writes the data set's regions as tokens for `pelab
// tokens`: out/coords.csv with the header name,x,y,z,network and one row per
// region in token order (the rows of the time series): its Glasser label
// name, its MNI centroid in mm (GlasserCentroids of the atlas, strconv's
// shortest exact formatting) and the name of its network in the
// Cole–Anticevic partition. dataDir is the hcp-glasser360 folder ("": found
// as FindDir finds it). It returns the file's path and the folder of the
// time series (dataDir/rest, HDF5 with the dataset HCPDataset).
func WriteTokenCoords(dataDir, out string) (coords, signals string, err error) {
	dir, err := FindDir(dataDir)
	if err != nil {
		return "", "", err
	}
	part, err := ReadPartition(filepath.Join(dir, CabnpDir), NumRegions)
	if err != nil {
		return "", "", err
	}
	vol, err := ReadNIfTI(filepath.Join(dir, filepath.FromSlash(AtlasFile)))
	if err != nil {
		return "", "", err
	}
	cents, err := GlasserCentroids(vol)
	if err != nil {
		return "", "", err
	}
	names := part.NetworkNames()
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"name", "x", "y", "z", "network"})
	for i, r := range part.Regions {
		c := cents[i]
		w.Write([]string{r.Name, strconv.FormatFloat(c[0], 'g', -1, 64), strconv.FormatFloat(c[1], 'g', -1, 64),
			strconv.FormatFloat(c[2], 'g', -1, 64), names[r.Network]})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return "", "", fmt.Errorf("fmri: %w", err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", "", fmt.Errorf("fmri: %w", err)
	}
	coords = filepath.Join(out, TokenCoordsFile)
	if err := atomicfile.Write(coords, []byte(b.String())); err != nil {
		return "", "", fmt.Errorf("fmri: %w", err)
	}
	return coords, filepath.Join(dir, RestDir), nil
}

// Commands implements experiment.Commander: `pelab fmri export`.
func (Exp) Commands() []experiment.Command {
	return []experiment.Command{{Name: "export", Short: "write the regions' centroids and networks as coords.csv for `pelab tokens`",
		Args: []string{"OUT"}, About: "Writes OUT/coords.csv: each region's name, MNI centroid (mm) and network.", Flags: exportFlags}}
}

// exportFlags are the flags of `pelab fmri export [-data DIR] OUT`.
func exportFlags(fs *flag.FlagSet) func([]string, io.Writer) error {
	data := fs.String("data", "", "the hcp-glasser360 folder (default: ../shared/data/hcp-glasser360 or the fetch cache)")
	return func(args []string, stdout io.Writer) error {
		coords, signals, err := WriteTokenCoords(*data, args[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s (centroids in mm); train on the time series with\n  pelab tokens -coords %s -partition network -signals %s -dataset %s\n"+
			"(-coord-unit auto, the default, takes the unit from the centroids: their median nearest-neighbour distance, 10.5 mm; pelab fmri uses %g mm)\n",
			coords, coords, signals, HCPDataset, CoordUnit)
		return nil
	}
}
