package lst

import (
	"fmt"

	"github.com/pelab/pelab/pelib/analysis"
	"github.com/pelab/pelab/pelib/intervene"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
	"gonum.org/v1/gonum/mat"
)

// NoiseStd is the standard deviation of the Gaussian noise added to token
// embeddings in the robustness test (the paper's 0.2).
const NoiseStd = 0.2

// Analyzer computes Experiment 1's interpretability metrics for each trained
// group (use its Analyze method as sweep.Options.Analyze):
//
//   - val_acc_noise: accuracy on the original puzzles with N(0, 0.2²) noise
//     added to the token embeddings;
//   - train_acc: accuracy on the whole training split;
//   - for PEs with a table (learned, random, sinusoids), per block and then
//     averaged over blocks: procrustes (raw distance ‖PR* − G‖_F to the
//     2d-fixed PE G) and procrustes_disparity (centred, unit-scaled);
//     rsa_grid, Spearman ρ between the PE's cosine similarity matrix and
//     minus the grid (Manhattan) distance of the 16 cells; align_err, mean
//     position error in grid cells after aligning the PE's top-2 principal
//     axes to the grid; eff_dim, participation-ratio dimensionality;
//   - iv_*: the PE interventions of package intervene on the original
//     puzzles (table removed, rows permuted 20 times, replaced by the
//     2d-fixed sinusoid mapped by Procrustes), for PEs with a table;
//   - attn_sim: cosine similarity of the attention maps (all blocks,
//     averaged over the original puzzles) to those of the 2d-fixed model of
//     the same seed, when that model was trained earlier in this process
//     (list 2d-fixed first).
//
// When Store is set, each model's attention maps on the original puzzles
// are kept as the artifact "attn" ([L, H, S, S], see sweep.ArtifactPath).
type Analyzer struct {
	Task    *sweep.Task
	Store   *results.Store
	refAttn map[int64][]*mat.Dense
}

// NewAnalyzer returns an Analyzer for task.
func NewAnalyzer(task *sweep.Task) *Analyzer {
	return &Analyzer{Task: task, refAttn: map[int64][]*mat.Dense{}}
}

// Analyze implements sweep.Options.Analyze. The evaluations run once for
// the whole group (an error there is the group's); the rest is per model:
// a model whose attention artifact or PE geometry fails gets its own error,
// and a diverged model (frozen, e.g. with non-finite parameters) gets no
// geometry metrics, which would describe a model that failed.
func (a *Analyzer) Analyze(run *train.Run, cells []sweep.Cell) ([]train.Metrics, []error, error) {
	val, err := a.Task.Eval(EvalOriginal)
	if err != nil {
		return nil, nil, err
	}
	out := make([]train.Metrics, len(cells))
	errs := make([]error, len(cells))
	noisy, err := run.Evaluate(val, train.EvalOptions{EmbedNoise: NoiseStd, Seed: 1})
	if err != nil {
		return nil, nil, err
	}
	tr, err := run.Evaluate(a.Task.Train, train.EvalOptions{})
	if err != nil {
		return nil, nil, err
	}
	att, err := run.Attention(val)
	if err != nil {
		return nil, nil, err
	}
	ivs, err := intervene.Evaluate(run, intervene.Options{Data: val, Oracle: intervene.SinusoidOracle(run), Seed: 1, Swap: true})
	if err != nil {
		return nil, nil, err
	}
	mc := run.Config().Model
	L, H, S := mc.Blocks, mc.Heads, mc.Tokens
	members := run.Members()
	for m, c := range cells {
		ms := train.Metrics{"val_acc_noise": noisy[m]["acc"], "train_acc": tr[m]["acc"]}
		for k, v := range ivs[m] { // PE interventions on the 108 original puzzles
			ms[k] = v
		}
		out[m] = ms
		if a.Store != nil {
			if err := sweep.WriteArtifact(a.Store, c.ID, "attn", att[m], L, H, S, S); err != nil {
				errs[m] = fmt.Errorf("lst: %s seed %d: %w", c.Condition.Name, c.Seed, err)
				continue
			}
		}
		if !members[m].Alive {
			continue
		}
		// Attention: per block, heads averaged, as L maps of S×S.
		maps := headMeans(att[m], L, H, S)
		if c.Condition.PE.Kind == pe.Sin2D {
			a.refAttn[c.Seed] = maps
		}
		if ref, ok := a.refAttn[c.Seed]; ok {
			if _, overall, err := analysis.AttentionCosine(maps, ref); err == nil {
				ms["attn_sim"] = overall
			}
		}
		if tab, shape, err := run.PETable(m); err == nil && c.Condition.PE.Kind != pe.None {
			pm, err := PEMetrics(tab, shape[0], shape[1], shape[2])
			if err != nil {
				errs[m] = fmt.Errorf("lst: %s seed %d: %w", c.Condition.Name, c.Seed, err)
				continue
			}
			for k, v := range pm {
				ms[k] = v
			}
		}
	}
	return out, errs, nil
}

// PEMetrics returns the geometry metrics of a PE table [L, S=16, D] against
// the 4×4 grid, averaged over its L blocks (see Analyzer).
func PEMetrics(table []float64, L, S, D int) (train.Metrics, error) {
	if S != Tokens {
		return nil, fmt.Errorf("lst: PE table has %d tokens, want %d", S, Tokens)
	}
	blocks, err := analysis.Blocks(table, L, S, D)
	if err != nil {
		return nil, err
	}
	grid, err := analysis.GridCoords(4, 4)
	if err != nil {
		return nil, err
	}
	dist, err := analysis.ManhattanDistances(grid)
	if err != nil {
		return nil, err
	}
	negDist := mat.NewDense(S, S, nil)
	negDist.Scale(-1, dist)
	var g *mat.Dense
	if D%4 == 0 {
		g = mat.NewDense(S, D, pe.Sinusoid2D(4, 4, D, pe.DefaultBase))
	}
	sum := train.Metrics{}
	for _, b := range blocks {
		sim, err := analysis.Similarity(b, analysis.Cosine)
		if err != nil {
			return nil, err
		}
		rsa, err := analysis.RSA(sim, negDist, analysis.Spearman)
		if err != nil {
			return nil, err
		}
		al, err := analysis.AlignToCoords(b, grid, analysis.AlignConfig{})
		if err != nil {
			return nil, err
		}
		ed, err := analysis.EffectiveDimension(b)
		if err != nil {
			return nil, err
		}
		sum["rsa_grid"] += rsa
		sum["align_err"] += al.MeanError
		sum["eff_dim"] += ed
		if g != nil {
			pr, err := analysis.Procrustes(b, g)
			if err != nil {
				return nil, err
			}
			sum["procrustes"] += pr.Distance
			sum["procrustes_disparity"] += pr.Disparity
		}
	}
	for k := range sum {
		sum[k] /= float64(len(blocks))
	}
	return sum, nil
}
