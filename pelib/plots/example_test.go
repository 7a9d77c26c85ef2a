package plots_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/pelab/pelab/pelib/analysis"
	"github.com/pelab/pelab/pelib/plots"
)

// A similarity heatmap of grid distances, ready for a notebook:
// gonbui.DisplayPNG(png) shows it inline; fig.Save("sim.svg") writes a file.
func ExampleHeatmap() {
	grid, err := analysis.GridCoords(4, 4)
	if err != nil {
		log.Fatal(err)
	}
	dist, err := analysis.ManhattanDistances(grid)
	if err != nil {
		log.Fatal(err)
	}
	fig, err := plots.Heatmap(dist, plots.HeatmapOptions{
		Title: "grid distance", XLabel: "token", YLabel: "token", ColorLabel: "steps",
	})
	if err != nil {
		log.Fatal(err)
	}
	png, err := fig.PNG(0, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("PNG:", bytes.HasPrefix(png, []byte("\x89PNG")))
	// Output:
	// PNG: true
}

// The PE's top-2 principal axes, coloured by grid row.
func ExampleEmbedding2D() {
	grid, _ := analysis.GridCoords(4, 4)
	pca, err := analysis.PrincipalComponents(grid)
	if err != nil {
		log.Fatal(err)
	}
	rows := make([]int, 16)
	for t := range rows {
		rows[t] = t / 4
	}
	fig, err := plots.Embedding2D(pca.Scores, plots.EmbeddingOptions{
		Title: "top-2 principal axes", AxisLabels: []string{"PC 1", "PC 2"}, Groups: rows,
	})
	if err != nil {
		log.Fatal(err)
	}
	svg, err := fig.SVG(0, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("SVG:", bytes.Contains(svg, []byte("<svg")))
	// Output:
	// SVG: true
}
