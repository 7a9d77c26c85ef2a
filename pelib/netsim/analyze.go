package netsim

import (
	"fmt"

	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
)

// Analyzer computes Experiment 2's extra final metrics for each trained
// group (use its Analyze method as sweep.Options.Analyze):
//
//   - test90_mse: masked MSE on the held-out runs at the test masking
//     ratio (90 % by default; the evaluation masks are the same for
//     every model);
//   - train_mse: masked MSE on the whole training set at the training
//     ratio (the gap to test_mse is the memorisation);
//   - for PEs with an additive table (learned, random, sinnd), the
//     geometry metrics of masked.PEMetrics against the true node positions.
//     Rotary (ropend) and relative (shaw) PEs have no per-node table and
//     none has no PE: they get no geometry metrics.
type Analyzer struct {
	Task          *sweep.Task
	Geometry      *masked.Geometry
	TestMaskRatio float64
	Config        masked.GeometryConfig
}

// NewAnalyzer returns an Analyzer for task, evaluating the harder test at
// testMaskRatio.
func NewAnalyzer(task *sweep.Task, testMaskRatio float64) (*Analyzer, error) {
	if task == nil {
		return nil, fmt.Errorf("netsim: analyzer: no task")
	}
	if !(testMaskRatio > 0 && testMaskRatio < 1) {
		return nil, fmt.Errorf("netsim: analyzer: test mask ratio %g, want in (0, 1)", testMaskRatio)
	}
	g, err := masked.NewGeometry(task.Layout)
	if err != nil {
		return nil, err
	}
	return &Analyzer{Task: task, Geometry: g, TestMaskRatio: testMaskRatio}, nil
}

// Analyze implements sweep.Options.Analyze. The evaluations run once for
// the whole group (an error there is the group's); the geometry is per
// model, and a model whose geometry fails gets its own error.
func (a *Analyzer) Analyze(run *train.Run, cells []sweep.Cell) ([]train.Metrics, []error, error) {
	out, err := masked.HeldOutMetrics(run, a.Task, a.TestMaskRatio)
	if err != nil {
		return nil, nil, err
	}
	if err := masked.AddInterventions(out, run, a.Task, a.TestMaskRatio, nil); err != nil {
		return nil, nil, err
	}
	errs := make([]error, len(cells))
	for m, c := range cells {
		pem := func(table []float64, L, S, D int) (train.Metrics, error) {
			return masked.PEMetrics(table, L, S, D, a.Geometry, a.Config)
		}
		if err := sweep.AddPEMetrics(run, m, c.Condition.PE, out[m], pem); err != nil {
			errs[m] = fmt.Errorf("netsim: %s seed %d: %w", c.Condition.Name, c.Seed, err)
		}
	}
	return out, errs, nil
}

// GeometryOf returns the Geometry of a network's nodes (the ground truth
// of a task built on it).
func GeometryOf(n *Network) (*masked.Geometry, error) {
	if n == nil {
		return nil, fmt.Errorf("netsim: geometry: no network")
	}
	lay, err := peLayout(n.cfg.Layout, n.coords)
	if err != nil {
		return nil, err
	}
	return masked.NewGeometry(lay)
}
