package tokens

import (
	"errors"
	"fmt"
	"maps"

	"github.com/pelab/pelab/pelib/analysis"
	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
)

// Analyzer computes the tokens experiment's final metrics for each trained
// group (use Analyze as sweep.Options.Analyze):
//
//   - test90_mse: masked MSE on the held-out windows at TestMaskRatio
//     (evaluation seed 1, the same masks for every model) and train_mse on
//     the training windows at the training ratio (seed 2), as netsim's
//     Analyzer computes them;
//   - for PEs with a per-token table (learned, random, sinnd): netsim's
//     PEMetrics against the given coordinates (RSA, Mantel, alignment,
//     decoding of the coordinates, effective dimension) and
//     Reference.SimilarityMetrics of the block-mean cosine similarity
//     (fc_rsa; with a partition, modularity and segregation);
//   - in every record, the data's own metrics (DataMetrics), so that each
//     record carries what its numbers are compared with.
type Analyzer struct {
	Task          *Task
	TestMaskRatio float64
	Geometry      *masked.Geometry
	Ref           *masked.Reference
	data          train.Metrics
}

// decodeFolds is the coordinate decoding's number of folds (netsim's
// default) when there are at least as many tokens.
const decodeFolds = 5

// NewAnalyzer returns the Analyzer of task under protocol p.
func NewAnalyzer(task *Task, p Protocol) (*Analyzer, error) {
	if task == nil || task.Task == nil {
		return nil, errors.New("tokens: analyzer: no task")
	}
	if !(p.TestMaskRatio > 0 && p.TestMaskRatio < 1) {
		return nil, fmt.Errorf("tokens: analyzer: test mask ratio %g, want in (0, 1)", p.TestMaskRatio)
	}
	g, err := masked.NewGeometry(task.Layout)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	fc, err := task.TrainFC()
	if err != nil {
		return nil, err
	}
	a := &Analyzer{Task: task, TestMaskRatio: p.TestMaskRatio, Geometry: g,
		Ref: &masked.Reference{FC: fc, Partition: task.Tokens.Partition, Permutations: p.Permutations}}
	if a.data, err = a.DataMetrics(); err != nil {
		return nil, err
	}
	return a, nil
}

// DataMetrics describes the training recordings' correlation matrix FC as
// a PE's similarity is described, keys prefixed "data_": data_dist_rsa
// (Spearman ρ of FC with −distance: how much of the data's correlation
// the geometry explains) and, with a partition, FC's modularity and
// segregation (data_mod_q, data_seg, …).
func (a *Analyzer) DataMetrics() (train.Metrics, error) {
	m, err := a.Ref.SimilarityMetrics(a.Ref.FC, true)
	if err != nil {
		return nil, err
	}
	out := train.Metrics{}
	for k, v := range m {
		out["data_"+k] = v
	}
	if rho, err := analysis.RSA(a.Ref.FC, a.Geometry.NegDist, analysis.Spearman); err == nil {
		out["data_dist_rsa"] = rho
	} else if !errors.Is(err, analysis.ErrConstant) && !errors.Is(err, analysis.ErrInvalid) {
		return nil, fmt.Errorf("tokens: FC vs distance: %w", err)
	}
	return out, nil
}

// PEMetrics returns every geometry metric of a PE table [L, S, D] (flat,
// row-major): masked.PEMetrics against the coordinates and
// SimilarityMetrics of its block-mean cosine similarity. The coordinate
// decoding is cross-validated over min(5, S) folds: netsim's 5, or
// leave-one-out for the MinTokens = 4 tokens that the input allows (with 5
// folds every model of 4 tokens failed, "Decode: 5 folds for 4 tokens").
func (a *Analyzer) PEMetrics(table []float64, L, S, D int) (train.Metrics, error) {
	out, err := masked.PEMetrics(table, L, S, D, a.Geometry, masked.GeometryConfig{DecodeFolds: min(decodeFolds, S)})
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	sim, err := masked.Similarity(table, []int{L, S, D})
	if err != nil {
		return nil, err
	}
	m, err := a.Ref.SimilarityMetrics(sim, false)
	if err != nil {
		return nil, err
	}
	for k, v := range m {
		out[k] = v
	}
	return out, nil
}

// Analyze implements sweep.Options.Analyze. The evaluations run once for
// the group (an error there is the group's); the PE metrics are per model,
// and a model whose metrics fail gets its own error. A diverged model gets
// none.
func (a *Analyzer) Analyze(run *train.Run, cells []sweep.Cell) ([]train.Metrics, []error, error) {
	out, err := masked.HeldOutMetrics(run, a.Task.Task, a.TestMaskRatio)
	if err != nil {
		return nil, nil, err
	}
	var part []int
	if a.Ref != nil {
		part = a.Ref.Partition
	}
	if err := masked.AddInterventions(out, run, a.Task.Task, a.TestMaskRatio, part); err != nil {
		return nil, nil, err
	}
	errs := make([]error, len(cells))
	for m, c := range cells {
		maps.Copy(out[m], a.data)
		if err := sweep.AddPEMetrics(run, m, c.Condition.PE, out[m], a.PEMetrics); err != nil {
			errs[m] = fmt.Errorf("tokens: %s seed %d: %w", c.Condition.Name, c.Seed, err)
		}
	}
	return out, errs, nil
}
