package lst

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/gomlx/compute"
	"github.com/pelab/pelab/pelib/experiment"
	"github.com/pelab/pelab/pelib/geometry"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

func init() { experiment.Register(Plugin()) }

// Exp is Experiment 1 as an experiment.Experiment (registered as "lst").
type Exp struct{ experiment.About }

// Plugin returns the experiment as it is registered.
func Plugin() Exp {
	return Exp{experiment.About{
		ID:       "lst",
		Desc:     "Experiment 1: the Latin Square Task (train, evaluate, compare with the paper)",
		Protos:   protocols.Names(),
		Vocab:    Vocabulary,
		Defaults: map[string]string{"": "2d-fixed,learn-0.1,learn-0.5,learn-1,learn-2"},
		Help: "Conditions: learn-<σ>, learn-<σ>-wd, 2d-fixed, 1d-fixed, relative (the reference's causal Shaw without output\n" +
			"projection, shaw,causal,noout), relative-bidir (shaw,noout), shaw (bidirectional, with output projection),\n" +
			"rope1d, rope2d, nope, random, uniform, t5, alibi, alibi2d, any PE spec (" + pe.Syntax + "),\n" +
			"'sigmas' for the σ sweep or 'paper' for all.",
		Opts: []experiment.Option{
			{Key: "data", Kind: experiment.String, Usage: "folder with the reference CSVs (default: ../shared/data/lst or the fetch cache)"},
			{Key: "subset", Kind: experiment.Int, Usage: "train on only this many puzzles (≥ 0; 0: all 8,100)"},
			{Key: "split_seed", Kind: experiment.Int, Usage: "seed of the stratified 90/10 train/test split (default 0)"},
		},
	}}
}

var _ experiment.Sectioner = Plugin()

// Build implements experiment.Experiment.
func (e Exp) Build(req experiment.Request) (*experiment.Built, error) {
	proto, conds, err := experiment.Setup(e, req, protocols, nil)
	if err != nil {
		return nil, err
	}
	dir, err := req.String("data", "")
	if err != nil {
		return nil, err
	}
	subset, err := req.Int("subset", 0)
	if err != nil {
		return nil, err
	}
	split, err := req.Int("split_seed", 0)
	if err != nil {
		return nil, err
	}
	if subset > 0 && subset < proto.Batch {
		return nil, experiment.BadValue("subset", subset, "want 0 (all puzzles) or at least the batch size, %d", proto.Batch)
	}
	task, err := NewTask(TaskOptions{Dir: dir, Subset: subset, SplitSeed: uint64(split)})
	if err != nil {
		return nil, err
	}
	plan := NewPlan(proto, task, conds)
	return &experiment.Built{
		Plan: plan,
		Options: func(st *results.Store, _ compute.Backend) (sweep.Options, error) {
			truth, err := Truth(plan.Train.Model.Width)
			if err != nil {
				return sweep.Options{}, err
			}
			an := NewAnalyzer(task)
			an.Store = st
			return experiment.Tracked(an.Analyze, truth), nil
		},
		SummaryName: "summary.md",
		Summary: func(_ *results.Store, recs []results.Record, _ io.Writer) (string, error) {
			rep, err := Report(recs, proto.Name)
			if err != nil {
				return "", err
			}
			return rep.Markdown, nil
		},
	}, nil
}

// Headline implements experiment.Experiment: validation accuracy (in
// percent) against the Procrustes distance.
func (Exp) Headline() experiment.Headline {
	return experiment.Headline{Gen: "val_acc", Interp: "procrustes",
		CI: []string{"val_acc", "test_acc", "train_acc", "procrustes", "rsa_grid"}, Percent: isAcc, Note: "Accuracies in %."}
}

// SectionKey implements experiment.Sectioner: one section per protocol.
func (Exp) SectionKey(results.Record) string { return "" }

// Report implements experiment.Experiment.
func (Exp) Report(rs []results.Record, protocol, _ string) (experiment.ReportPart, error) {
	var part experiment.ReportPart
	r, err := Report(rs, protocol)
	if err != nil {
		return part, err
	}
	part.Markdown = r.Markdown
	part.SigmaFigure, part.SigmaErr = AccuracyVsSigma(rs, "val_acc")
	part.SigmaCaption = "validation accuracy against σ (mean ± SD over seeds) with the paper's curve"
	return part, nil
}

// Prepare implements experiment.Preparer: the attention similarity to the
// 2d-fixed model from the saved maps (AttentionSimilarity), and the geometry
// metrics a record lacks measured on its saved PE tables (geometry.Remeasure:
// records of a binary older than a metric get it).
func (Exp) Prepare(st *results.Store, recs []results.Record) error {
	if _, err := AttentionSimilarity(st, recs); err != nil {
		return err
	}
	var idx []int
	var mine []results.Record
	for i, r := range recs {
		if r.Experiment == "lst" {
			idx, mine = append(idx, i), append(mine, r)
		}
	}
	if err := geometry.Remeasure(st, mine, Truth); err != nil {
		return err
	}
	for k, i := range idx {
		recs[i] = mine[k]
	}
	return nil
}

// protocols are Experiment 1's protocols by name, the default first.
var protocols = sweep.Protocols[Protocol]{Experiment: "lst", List: []sweep.Named[Protocol]{
	{Name: "quick", New: Quick}, {Name: "paper200", New: Paper200}, {Name: "paper", New: Paper},
}}

// ArtifactFigures implements experiment.ArtifactFigurer: for the first and
// the last block, the final PE's cosine similarity matrix of each
// condition (mean over seeds) beside the grid's and the 2d-fixed
// sinusoid's, on one colour scale (SimilarityPanels); and the first
// block's at initialisation where the records kept PE snapshots.
func (Exp) ArtifactFigures(st *results.Store, recs []results.Record) []experiment.ArtifactFigure {
	var mine []results.Record
	blocks := 0
	for _, r := range recs {
		if r.Experiment != "lst" {
			continue
		}
		mine = append(mine, r)
		var cfg struct{ Model struct{ Blocks int } }
		if json.Unmarshal(r.Config, &cfg) == nil {
			blocks = max(blocks, cfg.Model.Blocks)
		}
	}
	if len(mine) == 0 {
		return nil
	}
	var out []experiment.ArtifactFigure
	draw := func(b, epoch int, file, caption string) {
		f, err := SimilarityPanels(st, mine, b, epoch)
		out = append(out, experiment.ArtifactFigure{File: file, Caption: caption, Figure: f, Err: err})
	}
	if _, err := os.Stat(sweep.ArtifactPath(st, mine[0].ID, sweep.SnapshotName(0))); err == nil {
		draw(0, 0, "similarity-b0-init.png", "Cosine similarity of the 16 cells' PE vectors, first block, at initialisation (mean over seeds), beside the grid (1 − 2·Manhattan distance/6) and the 2d-fixed sinusoid; one colour scale, −1 to 1")
	}
	draw(0, -1, "similarity-b0.png", "Cosine similarity of the 16 cells' PE vectors, first block, final (mean over seeds), beside the grid (1 − 2·Manhattan distance/6) and the 2d-fixed sinusoid; one colour scale, −1 to 1")
	if blocks > 1 {
		draw(blocks-1, -1, fmt.Sprintf("similarity-b%d.png", blocks-1), fmt.Sprintf("The same for the last block (%d), final", blocks-1))
	}
	return out
}
