package netsim

import (
	"fmt"
	"io"

	"github.com/gomlx/compute"
	"github.com/pelab/pelab/pelib/experiment"
	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

func init() { experiment.Register(Plugin()) }

// Exp is Experiment 2 as an experiment.Experiment (registered as
// "netsim").
type Exp struct{ experiment.About }

// Plugin returns the experiment as it is registered.
func Plugin() Exp {
	return Exp{experiment.About{
		ID:       Experiment,
		Desc:     "Experiment 2: network simulation with known node positions (train, evaluate, PE geometry)",
		Protos:   protocols.Names(),
		Vocab:    Vocabulary,
		Defaults: map[string]string{"": "quick-sigmas,sinnd,ropend,shaw,none,random", "paper": "all"},
		Help: "Conditions: learn-<σ>, sinnd (oracle N-D sinusoid of the true positions), ropend, shaw (bidirectional Shaw;\n" +
			"'relative' is a deprecated alias of it here), none, random, any PE spec; 'sigmas' (paper σ sweep), 'quick-sigmas',\n" +
			"'all'. Default: the quick σ sweep plus sinnd, ropend, shaw, none, random (quick); all (paper).",
		Opts: []experiment.Option{
			{Key: "layout", Kind: experiment.String, Usage: "node layout: 2d (8×8 grid) or 3d (4×4×4 grid) (default 2d)"},
			{Key: "train_runs", Kind: experiment.Int, Usage: "override the protocol's number of simulated training runs, 8 windows each (0 … 65536; 0: the protocol's)"},
			{Key: "test_runs", Kind: experiment.Int, Usage: "override the protocol's number of held-out runs (0 … 65536; 0: the protocol's)"},
		},
	}}
}

var _ experiment.Sectioner = Plugin()

// protocols are Experiment 2's protocols by name, the default first.
var protocols = sweep.Protocols[Protocol]{Experiment: Experiment, List: []sweep.Named[Protocol]{
	{Name: "quick", New: Quick}, {Name: "paper", New: Paper},
}}

// Build implements experiment.Experiment.
func (e Exp) Build(req experiment.Request) (*experiment.Built, error) {
	proto, conds, err := experiment.Setup(e, req, protocols, nil)
	if err != nil {
		return nil, err
	}
	layout, err := req.String("layout", "2d")
	if err != nil {
		return nil, err
	}
	protoRuns := proto.TrainRuns
	// 0 keeps the protocol's.
	if n, err := req.Int("train_runs", 0); err != nil {
		return nil, err
	} else if n > 0 {
		proto.TrainRuns = n
	}
	if n, err := req.Int("test_runs", 0); err != nil {
		return nil, err
	} else if n > 0 {
		proto.TestRuns = n
	}
	opt, err := proto.TaskOptions(layout)
	if err != nil {
		return nil, &experiment.FieldError{Field: "layout", Err: err}
	}
	task, _, err := NewTask(opt)
	if err != nil {
		return nil, err
	}
	// Too few windows for one batch is the runs' fault: say so before
	// training, not as a failed record per model.
	if n := task.Train.N; n < proto.Batch {
		perRun := max(n/max(proto.TrainRuns, 1), 1)
		return nil, experiment.BadValue("train_runs", proto.TrainRuns,
			"%d training windows (%d per run), fewer than the batch size %d: want at least %d runs (0: the protocol's, %d)",
			n, perRun, proto.Batch, (proto.Batch+perRun-1)/perRun, protoRuns)
	}
	plan, err := NewPlan(proto, task, conds)
	if err != nil {
		return nil, err
	}
	return &experiment.Built{
		Plan: plan,
		Info: fmt.Sprintf("layout %s: %d nodes, %d training windows of %d points, %d held-out; model width %d",
			opt.Layout, task.Train.S, task.Train.N, task.Train.F, task.Evals[0].N, plan.Train.Model.Width),
		Options: func(*results.Store, compute.Backend) (sweep.Options, error) {
			an, err := NewAnalyzer(task, proto.TestMaskRatio)
			if err != nil {
				return sweep.Options{}, err
			}
			return experiment.TrackLayout(an.Analyze, task.Layout)
		},
		SummaryName: "summary-" + opt.Layout + ".md",
		Summary: func(_ *results.Store, recs []results.Record, _ io.Writer) (string, error) {
			rep, err := Report(recs, proto.Name, opt.Layout)
			if err != nil {
				return "", err
			}
			return rep.Markdown, nil
		},
	}, nil
}

// Headline implements experiment.Experiment.
func (Exp) Headline() experiment.Headline {
	return experiment.Headline{Gen: "test_mse", Interp: masked.MetricRSA,
		CI: []string{"train_mse", "test_mse", "test90_mse", masked.MetricRSA, masked.MetricDecodeR2}}
}

// SectionKey implements experiment.Sectioner: one section per layout.
func (Exp) SectionKey(r results.Record) string {
	l, _ := LayoutOf(r)
	return l
}

// Report implements experiment.Experiment: key is the layout.
func (Exp) Report(rs []results.Record, protocol, layout string) (experiment.ReportPart, error) {
	r, err := Report(rs, protocol, layout)
	if err != nil {
		return experiment.ReportPart{}, err
	}
	return masked.MSEPart(rs, r.Markdown, r.Summaries, nil), nil
}
