// Command redraw-region-maps redraws the brain maps region_delta_<condition>.png
// of an fMRI results folder with the current code, exactly as `pelab fmri`
// draws them at the end of a run (every condition's per-region held-out MSE
// minus none's at the harder masking ratio, fmri.RegionDeltaFigure, one
// colour scale for all: fmri.DeltaScale), from the folder's records and
// region_mse artifacts. It writes only those PNGs: no record, summary or
// report is touched (`pelab report` draws no brain maps; rerunning `pelab
// fmri` would rewrite summary.md).
//
// Usage: go run ./scripts/redraw-region-maps [-data DIR] RESULTS_DIR
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/pelab/pelab/pelib/fmri"
	"github.com/pelab/pelab/pelib/results"
)

func main() {
	data := flag.String("data", "", "the hcp-glasser360 data set (default: fmri.FindDir's search)")
	flag.Parse()
	if flag.NArg() != 1 {
		log.Fatal("usage: redraw-region-maps [-data DIR] RESULTS_DIR")
	}
	dir := flag.Arg(0)
	st, err := results.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	recs, corrupt, err := st.All()
	if err != nil {
		log.Fatal(err)
	}
	if len(corrupt) > 0 {
		log.Fatalf("%d unusable record files: %v", len(corrupt), corrupt)
	}
	recs = results.Select(recs, "fmri", "")
	protocols := map[string]bool{}
	for _, r := range recs {
		protocols[r.Protocol] = true
	}
	if len(protocols) != 1 {
		log.Fatalf("want the records of one fmri protocol, have %v", protocols)
	}
	var protocol string
	for p := range protocols {
		protocol = p
	}
	part, centroids, err := fmri.ReadAnatomy(*data)
	if err != nil {
		log.Fatal(err)
	}
	maps, err := fmri.ReadRegionMaps(st, recs, protocol, part)
	if err != nil {
		log.Fatal(err)
	}
	last := len(maps.Sets) - 1
	var all [][]float64
	for _, c := range fmri.SortedConditions(maps.Delta) {
		all = append(all, maps.Delta[c][last])
	}
	scale := fmri.DeltaScale(all...)
	for _, c := range fmri.SortedConditions(maps.Delta) {
		name := "region_delta_" + strings.NewReplacer("/", "_", ":", "_", ",", "_", " ", "_").Replace(c) + ".png"
		png, err := fmri.RegionDeltaFigure(centroids, maps.Delta[c][last], scale, c+": held-out MSE minus none's, "+maps.Sets[last])
		if err != nil {
			log.Fatalf("%s: %v", c, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s (%d seeds)\n", filepath.Join(dir, name), maps.Seeds[c])
	}
	fmt.Printf("one colour scale for every map: ±%.3f\n", scale)
}
