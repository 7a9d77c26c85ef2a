package lst

import (
	"fmt"
	"path/filepath"

	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
)

// Protocol is a training protocol of Experiment 1.
type Protocol struct {
	// Training: the paper's LST encoder at Width (ModelConfig), Adam,
	// classification of the token-15 readout.
	sweep.Training
}

// Paper is the paper's protocol: d 160, 4 blocks, 1 head, PE at every
// block, Adam lr 1e-4, batch 128, 4,000 epochs evaluated every 200, the 15
// reference seeds (sweep.ReferenceSeeds).
func Paper() Protocol {
	return Protocol{sweep.Training{Name: "paper", Width: 160, Blocks: 4, Heads: 1, LR: 1e-4, Objective: train.Classify,
		Batch: 128, Epochs: 4000, EvalEvery: 200, Seeds: sweep.ReferenceSeeds()}}
}

// Paper200 is the paper's protocol stopped at epoch 200, where the
// reference results already equal those at epoch 4000 within about a point
// (paper-notes.md): a 20× cheaper faithful reproduction target.
func Paper200() Protocol {
	p := Paper()
	p.Name, p.Epochs, p.EvalEvery = "paper200", 200, 50
	return p
}

// Quick is a protocol small enough for a 2-core CPU in minutes that still
// shows the paper's σ effect: the paper's architecture (4 blocks, 1 head,
// PE at every block, token-15 readout) at width 32, trained with Adam at lr
// 3e-3 (30× the paper's, for the smaller model and budget) on all 8,100
// puzzles for 12 epochs (756 steps), 3 seeds. Measured (pelab lst -backend
// onnx:cpu -pe learn-0.1,learn-2 -seeds 2 -epochs 12 -lr 0.003, this
// 2-core CPU): accuracy on the 108 original puzzles 55 ± 18 % for σ = 0.1
// against 25.9 ± 2.6 % (chance) for σ = 2; on the 900 held-out puzzles
// 80 ± 11 % against 27.4 %. The CI test TestQuickShowsPaperDirection
// asserts that direction.
func Quick() Protocol {
	return Protocol{sweep.Training{Name: "quick", Width: 32, Blocks: 4, Heads: 1, LR: 3e-3, Objective: train.Classify,
		Batch: 128, Epochs: 12, EvalEvery: 4, Seeds: sweep.ReferenceSeeds()[:3]}}
}

// PaperSigmas are the learned-PE σ values of the paper's sweep.
func PaperSigmas() []float64 {
	s := []float64{0.01, 0.05}
	for i := 1; i <= 20; i++ {
		s = append(s, float64(i)/10)
	}
	return append(s, 3.0)
}

// WeightDecayPE is the PE-only decoupled weight decay of the "learn-σ-wd"
// conditions.
const WeightDecayPE = 0.01

// Vocabulary is Experiment 1's condition language: learn-<σ>,
// learn-<σ>-wd, the paper's names ("2d-fixed", "1d-fixed", "relative",
// "relative-bidir", "rope1d", "rope2d", "none" (alias "nope"), "random",
// "uniform", "t5", "alibi", "alibi2d"), or any PE spec; "sigmas" and
// "paper" expand in lists. Every condition is named by its canonical name
// (sweep.Vocabulary.CanonicalName).
//
// relative is the reference's RelativeGlobalAttention, shaw,causal,noout:
// learned relative key embeddings, a causal mask, and no attention output
// projection (the block's attention output is softmax(…)·V itself; see the
// package documentation). relative-bidir, pelab's addition, is the same
// block without the mask (shaw,noout). Every other condition keeps the
// output projection W_o, b_o of nn.MultiheadAttention, as in the reference.
func Vocabulary() sweep.Vocabulary {
	return sweep.Vocabulary{
		Experiment: "lst",
		Aliases: map[string]string{
			"2d-fixed": "sin2d", "1d-fixed": "sin1d", "relative": "shaw,causal,noout", "relative-bidir": "shaw,noout",
			"t5": "t5", "rope1d": "rope1d", "rope2d": "rope2d", "none": "none", "nope": "none", "random": "random",
			"uniform": "learn:uniform:0:1", "alibi": "alibi", "alibi2d": "alibind",
		},
		Lists: map[string][]string{"sigmas": sweep.SigmaNames(PaperSigmas()), "paper": PaperConditionNames()}, WeightDecay: WeightDecayPE,
		First: []string{"2d-fixed"},
	}
}

// PECondition returns the condition called name (see Vocabulary).
func PECondition(name string) (sweep.Condition, error) { return Vocabulary().Condition(name) }

// PEConditions parses a comma- or semicolon-separated list of conditions
// (see Vocabulary).
func PEConditions(list string) ([]sweep.Condition, error) { return Vocabulary().Parse(list) }

// PaperConditionNames lists the conditions of Experiment 1, the 2D sinusoid
// first (other conditions' attention maps are compared with it).
func PaperConditionNames() []string {
	names := append([]string{"2d-fixed"}, sweep.SigmaNames(PaperSigmas())...)
	return append(names, "learn-0.2-wd", "1d-fixed", "relative", "relative-bidir", "rope1d", "rope2d", "none", "random", "uniform")
}

// TaskOptions select the data of a task.
type TaskOptions struct {
	Dir       string // reference CSVs; "" finds them (FindDir)
	SplitSeed uint64 // seed of the stratified 90/10 split (default 0)
	Subset    int    // > 0: keep only this many training puzzles (stratified order kept)
}

// Sample names of the evaluation sets.
const (
	EvalTest     = "test" // the 900 held-out generated puzzles
	EvalOriginal = "val"  // the 108 original puzzles (the paper's "validation"/generalisation set)
)

// NewTask loads the reference puzzles and returns Experiment 1's task: the
// training split, and the two evaluation sets (EvalTest, EvalOriginal)
// with per-condition groups "1vec", "2vec", "3vec". Its Inputs hold the
// SHA-256 of the four reference CSVs, by file name (results.Inputs): they
// enter every record's config and cell ID, so a changed CSV is a new cell.
func NewTask(opt TaskOptions) (*sweep.Task, error) {
	dir, err := FindDir(opt.Dir)
	if err != nil {
		return nil, err
	}
	pool, orig, err := LoadReference(dir)
	if err != nil {
		return nil, err
	}
	files := map[string]string{FileOriginal: filepath.Join(dir, FileOriginal)}
	for _, name := range PoolFiles {
		files[name] = filepath.Join(dir, name)
	}
	inputs, err := results.HashFiles(files)
	if err != nil {
		return nil, fmt.Errorf("lst: %w", err)
	}
	tr, te, err := Split(pool, 0.1, opt.SplitSeed)
	if err != nil {
		return nil, err
	}
	if opt.Subset > 0 && opt.Subset < len(tr) {
		tr = stratifiedPrefix(tr, opt.Subset)
	}
	coords := Coords()
	cs := make([][]float64, len(coords))
	for i, c := range coords {
		cs[i] = []float64{float64(c[0]), float64(c[1])}
	}
	return &sweep.Task{
		Name:   "lst",
		Train:  toData("train", tr),
		Evals:  []*train.Data{toData(EvalTest, te), toData(EvalOriginal, orig)},
		Layout: pe.Grid(4, 4),
		Params: map[string]any{"split_seed": opt.SplitSeed, "subset": opt.Subset, "train_n": len(tr)},
		Inputs: inputs,
	}, nil
}

// stratifiedPrefix keeps n puzzles, taking conditions in turn.
func stratifiedPrefix(ps []Puzzle, n int) []Puzzle {
	by := map[Condition][]Puzzle{}
	for _, p := range ps {
		by[p.Condition] = append(by[p.Condition], p)
	}
	var out []Puzzle
	for i := 0; len(out) < n; i++ {
		for _, c := range Conditions {
			if i < len(by[c]) && len(out) < n {
				out = append(out, by[c][i])
			}
		}
	}
	return out
}

func toData(name string, ps []Puzzle) *train.Data {
	x, y := Encode(ps)
	g := make([]string, len(ps))
	for i, p := range ps {
		g[i] = fmt.Sprintf("%dvec", int(p.Condition))
	}
	return &train.Data{Name: name, X: x, N: len(ps), S: Tokens, F: 5, Labels: y, Groups: g}
}

// ModelConfig is the paper's LST model at the protocol's size.
func (p Protocol) ModelConfig() model.Config {
	c := model.PaperLST(pe.Spec{Kind: pe.None})
	c.Width, c.Blocks, c.Heads = p.Width, p.Blocks, p.Heads
	return c
}

// NewPlan builds the sweep of protocol p over conditions on task.
func NewPlan(p Protocol, task *sweep.Task, conds []sweep.Condition) *sweep.Plan {
	return p.Plan("lst", task, p.ModelConfig(), conds)
}
