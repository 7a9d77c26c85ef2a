package netsim

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pelab/pelab/internal/atomicfile"
	"github.com/pelab/pelab/pelib/experiment"
	"github.com/pelab/pelab/pelib/npy"
)

// Files written by Export, relative to its folder.
const (
	ExportCoords    = "coords.csv"    // header name,x,y[,z]; one row per node, in node order
	ExportPartition = "partition.csv" // header name,network; one row per node
	ExportSignals   = "signals"       // one NPY per run, [S, L] float64
)

// Exported describes the files Export wrote.
type Exported struct {
	Dir string
	// Train and Test are the recording names (file names without .npy)
	// of the training and held-out runs, in run order: "train-000", …,
	// "test-000", ….
	Train, Test []string
	// Nodes and Dim are S and c; Points the recorded points per run (L).
	Nodes, Dim, Points int
}

// Export simulates the runs of opt (the training and the held-out runs of
// opt.Split, at the training coupling; the other couplings of
// opt.Split.TestG are not written) and writes them into dir as ordinary
// files a researcher would bring to `pelab tokens`:
//
//   - coords.csv: a header, then one row per node in node order: its name
//     ("node00", …) and its c coordinates (columns x, y, z for c ≤ 3, else
//     x0, x1, …), written with strconv's shortest exact formatting;
//   - partition.csv: header name,network; each node's block of the layout
//     (BlockPartition), named "block<k>";
//   - signals/train-NNN.npy and signals/test-NNN.npy: each run's raw
//     activity, nodes × recorded points [S, L], little-endian float64, C
//     order — exactly the values NewTask z-scores and cuts into windows.
//
// dir is created if needed; files already there are replaced.
func Export(dir string, opt TaskOptions) (*Exported, error) {
	sp := opt.Split
	if sp.Train < 1 || sp.Test < 1 {
		return nil, fmt.Errorf("netsim: export: %d training and %d held-out runs, want ≥ 1 each", sp.Train, sp.Test)
	}
	net, err := New(opt.Net)
	if err != nil {
		return nil, fmt.Errorf("netsim: export: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, ExportSignals), 0o755); err != nil {
		return nil, fmt.Errorf("netsim: export: %w", err)
	}
	coords := net.Coords()
	S, c := len(coords), len(coords[0])
	out := &Exported{Dir: dir, Nodes: S, Dim: c, Points: opt.Net.Dynamics.Record}
	names := make([]string, S)
	width := len(strconv.Itoa(S - 1))
	for s := range S {
		names[s] = fmt.Sprintf("node%0*d", width, s)
	}
	axes := axisNames(c)
	var b strings.Builder
	b.WriteString("name," + strings.Join(axes, ",") + "\n")
	for s, p := range coords {
		b.WriteString(names[s])
		for _, x := range p {
			b.WriteString("," + strconv.FormatFloat(x, 'g', -1, 64))
		}
		b.WriteString("\n")
	}
	if err := atomicfile.Write(filepath.Join(dir, ExportCoords), []byte(b.String())); err != nil {
		return nil, fmt.Errorf("netsim: export: %w", err)
	}
	b.Reset()
	b.WriteString("name,network\n")
	for s, k := range BlockPartition(coords) {
		fmt.Fprintf(&b, "%s,block%d\n", names[s], k)
	}
	if err := atomicfile.Write(filepath.Join(dir, ExportPartition), []byte(b.String())); err != nil {
		return nil, fmt.Errorf("netsim: export: %w", err)
	}
	trainSeeds := SplitSeeds(sp.Seed, RoleTrain, sp.Train)
	testSeeds := SplitSeeds(sp.Seed, RoleTest, sp.Test)
	for _, set := range []struct {
		prefix string
		seeds  []uint64
		names  *[]string
	}{{"train", trainSeeds, &out.Train}, {"test", testSeeds, &out.Test}} {
		runs, err := net.SimulateMany(set.seeds, sp.Workers)
		if err != nil {
			return nil, fmt.Errorf("netsim: export: %w", err)
		}
		for i, r := range runs {
			name := fmt.Sprintf("%s-%03d", set.prefix, i)
			if err := npy.Write(filepath.Join(dir, ExportSignals, name+".npy"), r.X, r.S, r.L); err != nil {
				return nil, fmt.Errorf("netsim: export: %w", err)
			}
			*set.names = append(*set.names, name)
		}
	}
	return out, nil
}

// axisNames are the coordinate column names of c coordinates: x, y, z for
// c ≤ 3, else x0, x1, ….
func axisNames(c int) []string {
	if c <= 3 {
		return []string{"x", "y", "z"}[:c]
	}
	out := make([]string, c)
	for j := range out {
		out[j] = "x" + strconv.Itoa(j)
	}
	return out
}

// BlockPartition splits points [S][c] into up to 2^c blocks by halving
// each coordinate's range at its midpoint: point s is in block
// Σ_j 2^j·[x_sj ≥ (min_j + max_j)/2]. On the 8×8 grid it gives the four
// 4×4 quadrants, on the 4×4×4 grid the eight 2×2×2 octants. A coordinate
// that is constant over the points puts every point in its lower half.
func BlockPartition(points [][]float64) []int {
	if len(points) == 0 {
		return nil
	}
	c := len(points[0])
	lo, hi := make([]float64, c), make([]float64, c)
	for j := range c {
		lo[j], hi[j] = math.Inf(1), math.Inf(-1)
	}
	for _, p := range points {
		for j, x := range p {
			lo[j], hi[j] = min(lo[j], x), max(hi[j], x)
		}
	}
	out := make([]int, len(points))
	for s, p := range points {
		for j, x := range p {
			if hi[j] > lo[j] && x >= (lo[j]+hi[j])/2 {
				out[s] |= 1 << j
			}
		}
	}
	return out
}

// Commands implements experiment.Commander: `pelab netsim export`.
func (Exp) Commands() []experiment.Command {
	return []experiment.Command{{Name: "export", Short: "write a simulated network's coordinates, partition and runs as files for `pelab tokens`",
		Args: []string{"DIR"},
		About: "Writes DIR/coords.csv, DIR/partition.csv and DIR/signals/{train,test}-NNN.npy:\n" +
			"the network of -layout and the runs of -protocol, as ordinary files. Then\n" +
			"  pelab tokens -coords DIR/coords.csv -partition DIR/partition.csv -signals DIR/signals -test 'test-*'\n" +
			"trains on them what `pelab netsim` trains on the simulated runs.",
		Flags: exportFlags}}
}

// exportFlags are the flags of `pelab netsim export [flags] DIR`.
func exportFlags(fs *flag.FlagSet) func([]string, io.Writer) error {
	layout := fs.String("layout", "2d", "node layout: 2d or 3d")
	protocol := fs.String("protocol", "quick", "protocol whose run counts, window and data seed are exported: "+strings.Join(protocols.Names(), ", "))
	trainRuns := fs.Int("train-runs", 0, "training runs (0 … 65536; 0: the protocol's)")
	testRuns := fs.Int("test-runs", 0, "held-out runs (0 … 65536; 0: the protocol's)")
	return func(args []string, stdout io.Writer) error {
		p, err := protocols.ByName(*protocol)
		if err != nil {
			return &experiment.FieldError{Field: "protocol", Value: *protocol, Err: err}
		}
		if *trainRuns > 0 {
			p.TrainRuns = *trainRuns
		}
		if *testRuns > 0 {
			p.TestRuns = *testRuns
		}
		opt, err := p.TaskOptions(*layout)
		if err != nil {
			return &experiment.FieldError{Field: "layout", Value: *layout, Err: err}
		}
		ex, err := Export(args[0], opt)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: %d nodes in %d dimensions; %d training and %d held-out runs of %d points\n",
			ex.Dir, ex.Nodes, ex.Dim, len(ex.Train), len(ex.Test), ex.Points)
		return nil
	}
}

// String says what was exported, in one sentence.
func (e *Exported) String() string {
	return fmt.Sprintf("exported %d nodes in %d dimensions, %d training and %d held-out runs of %d points to %s",
		e.Nodes, e.Dim, len(e.Train), len(e.Test), e.Points, e.Dir)
}
