// Package experiment is the seam between pelab's experiments and what runs
// and reports them: one [Experiment] interface that every experiment
// package implements (lst, netsim, fmri) and registers with [Register] in
// an init function, and a registry ([Get], [All]) that the command line
// (pelab lst|netsim|fmri, pelab sweep) and pelib/report consume without
// naming any experiment. Import pelib/experiment/all to register every
// experiment of pelab.
//
// An experiment turns one [Request] — protocol, seeds, conditions,
// experiment-specific options, a masking ratio and the protocol overrides —
// into a [Built]: the sweep plan, the sweep options given the results store
// (the analysis hook, geometry tracking against the true token positions,
// PE snapshots), and its own summary. Errors about one field of the request
// are [FieldError]s, so that the command line names the flag and a sweep
// spec the line.
//
// Adding an experiment is one package that implements Experiment and one
// Register call; nothing else in pelab names it.
package experiment

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/gomlx/compute"
	"github.com/pelab/pelab/pelib/fetch"
	"github.com/pelab/pelab/pelib/geometry"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/plots"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
)

// Experiment is one experiment of pelab.
type Experiment interface {
	// Name is the experiment's name in records, commands and spec files,
	// e.g. "lst".
	Name() string
	// Description is one line for `pelab help`.
	Description() string
	// Protocols lists the training protocols by name; the first is the
	// default.
	Protocols() []string
	// Vocabulary is the experiment's condition language.
	Vocabulary() sweep.Vocabulary
	// DefaultConditions is the condition list of protocol when a request
	// names none.
	DefaultConditions(protocol string) string
	// ConditionHelp describes the condition names for usage messages.
	ConditionHelp() string
	// Options are the experiment-specific options of a request: pelab's
	// flags -<key with - for _> and a sweep spec's [task] keys.
	Options() []Option
	// Build makes the plan of one request, leaving req.Overrides to the
	// function Build (call that, not this method).
	Build(req Request) (*Built, error)
	// Headline names the metrics a report leads with.
	Headline() Headline
	// Report is the experiment's own part of a report section: the records
	// rs share the experiment, protocol and SectionKey.
	Report(rs []results.Record, protocol, key string) (ReportPart, error)
}

// Sectioner is implemented by experiments whose records of one protocol
// fall into several report sections (netsim: one per layout). SectionKey
// is "" for the default.
type Sectioner interface {
	SectionKey(r results.Record) string
}

// Preparer is implemented by experiments that complete their records from
// the files of a results store before a report (lst: attention similarity
// from the saved maps).
type Preparer interface {
	Prepare(st *results.Store, recs []results.Record) error
}

// ArtifactFigurer is implemented by experiments whose report draws
// figures from the records' saved artifacts (PE tables, attention maps),
// which only a results store holds (lst: the PE similarity matrices of
// every condition beside the grid's and the 2d-fixed sinusoid's). The
// report calls it per section with that section's records; a figure that
// cannot be drawn carries its error, which the report states.
type ArtifactFigurer interface {
	ArtifactFigures(st *results.Store, recs []results.Record) []ArtifactFigure
}

// ArtifactFigure is one figure of an ArtifactFigurer: File is its file
// name's suffix (the report prefixes the section's name), Caption says what
// it shows without the text.
type ArtifactFigure struct {
	File, Caption string
	Figure        *plots.Figure
	Err           error
}

// Commander is implemented by experiments with commands of their own
// beside training, e.g. `pelab netsim export DIR`: the command line runs
// `pelab <experiment> <command> args…` (see Command).
type Commander interface {
	Commands() []Command
}

// Command is one command of an experiment (see Commander). The command
// line parses its flags and positional arguments as those of every pelab
// command (a bad value, a missing or extra argument: a usage error, exit
// status 2) and then runs it.
type Command struct {
	Name  string // e.g. "export"; never a flag (no leading '-')
	Short string // one line for the experiment's usage message
	// Args names the positional arguments, each required, e.g. ["DIR"].
	Args []string
	// About is what the command does, for its usage message.
	About string
	// Flags defines the command's flags on fs and returns the function
	// that runs it once they are parsed, with the positional arguments
	// (len(Args) of them); stdout receives what it prints. An error about
	// one flag is a FieldError of its key (train_runs for -train-runs).
	Flags func(fs *flag.FlagSet) (run func(args []string, stdout io.Writer) error)
}

// CommandOf returns e's command called name, if e has one.
func CommandOf(e Experiment, name string) (Command, bool) {
	c, ok := e.(Commander)
	if !ok {
		return Command{}, false
	}
	for _, cmd := range c.Commands() {
		if cmd.Name == name {
			return cmd, true
		}
	}
	return Command{}, false
}

// Kind is the type of an option's value.
type Kind int

// Kinds of option.
const (
	String  Kind = iota // a string
	Int                 // an integer (checked against sweep.LimitOf(key) when it has a limit)
	Strings             // a list of strings (comma-separated on the command line)
)

// Option is one experiment-specific option.
type Option struct {
	Key   string // e.g. "train_runs"; the flag is -train-runs
	Kind  Kind
	Usage string // the flag's usage line
	Item  string // Strings: what one item is, for messages ("subject")
}

// Flag is the command-line flag name of the option, without the dash.
func (o Option) Flag() string { return strings.ReplaceAll(o.Key, "_", "-") }

// Request is what a plan is built from.
type Request struct {
	Protocol   string  // "": the experiment's first protocol
	Conditions string  // a condition list (sweep.Vocabulary.Parse); "" or "default": the protocol's
	Seeds      []int64 // explicit seeds, each once; nil: SeedCount or the protocol's
	SeedCount  int     // > 0: the experiment's first SeedCount seeds
	// Options holds experiment-specific options by key (see Experiment.Options):
	// string, int or int64, and []string or []any of strings. An absent key
	// keeps the protocol's value.
	Options map[string]any
	// MaskRatio > 0 sets the training masking ratio (masked-token
	// experiments only; an error for others).
	MaskRatio float64
	Overrides sweep.Overrides // applied to the plan by the function Build
}

// Built is a request's plan with what running and summarising it needs.
type Built struct {
	Plan *sweep.Plan
	// Info is a line about the loaded data to print before training ("" for
	// none).
	Info string
	// Options returns the sweep options of the plan on the results store st
	// and the chosen backend (Analyze, Track, Snapshots); the caller sets
	// the store, backend, shard and progress fields.
	Options func(st *results.Store, backend compute.Backend) (sweep.Options, error)
	// SummaryName is the file the command line writes the summary to
	// (e.g. "summary.md").
	SummaryName string
	// Summary renders the records of a store after a run; warnings (a
	// figure that could not be drawn) go to w.
	Summary func(st *results.Store, recs []results.Record, w io.Writer) (string, error)
}

// Headline lists the metrics a report leads with.
type Headline struct {
	Gen    string   // the generalisation metric (figures against σ)
	Interp string   // the interpretability metric of the scatter against Gen
	CI     []string // the metrics of the confidence-interval table
	// Percent reports metrics shown in percent (values × 100); nil: none.
	Percent func(metric string) bool
	// Note is a line above the tables (e.g. "Accuracies in %.").
	Note string
}

// ReportPart is an experiment's own part of a report section.
type ReportPart struct {
	Markdown string // its report, with the paper's references where they exist
	// SigmaFigure is its generalisation metric against the learned-PE σ
	// (nil with SigmaErr saying why).
	SigmaFigure  *plots.Figure
	SigmaCaption string
	SigmaErr     error
	// Labels name metrics in the experiment's words for the report's
	// figures (axes, titles), overriding results.MetricLabel (e.g. tokens:
	// "held-out MSE, 50 % of tokens masked"); nil: none.
	Labels map[string]string
}

// Label is the name of metric in p's figures: p.Labels[metric], else
// results.MetricLabel(metric).
func (p ReportPart) Label(metric string) string {
	if l, ok := p.Labels[metric]; ok {
		return l
	}
	return results.MetricLabel(metric)
}

// FieldError is an error about one field of a request: "protocol",
// "conditions", "seeds", "mask_ratio" or an option key.
type FieldError struct {
	Field string
	// Value is the value given, when the error is about it (nil: the
	// message says all); a command line writes "-field value: err", a spec
	// "field = value: err".
	Value any
	Err   error
}

func (e *FieldError) Error() string {
	if e.Value != nil {
		return fmt.Sprintf("%s = %v: %v", e.Field, e.Value, e.Err)
	}
	return e.Err.Error()
}
func (e *FieldError) Unwrap() error { return e.Err }

// Fieldf returns a FieldError about field (%w wraps).
func Fieldf(field, format string, args ...any) error {
	return &FieldError{Field: field, Err: fmt.Errorf(format, args...)}
}

// BadValue returns a FieldError about the value v of field (%w wraps).
func BadValue(field string, v any, format string, args ...any) error {
	return &FieldError{Field: field, Value: v, Err: fmt.Errorf(format, args...)}
}

var registry = map[string]Experiment{}

// Register adds an experiment; called from init functions. A name
// registered twice panics.
func Register(e Experiment) {
	if _, dup := registry[e.Name()]; dup {
		panic("experiment: registered twice: " + e.Name())
	}
	registry[e.Name()] = e
}

// Get returns the experiment called name.
func Get(name string) (Experiment, error) {
	if e, ok := registry[name]; ok {
		return e, nil
	}
	return nil, fmt.Errorf("experiment %q: want %s", name, strings.Join(Names(), ", "))
}

// Names lists the registered experiments, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// All returns the registered experiments in name order.
func All() []Experiment {
	var out []Experiment
	for _, n := range Names() {
		out = append(out, registry[n])
	}
	return out
}

// ProtocolName resolves a request's protocol name against e's protocols
// ("" is the first).
func ProtocolName(e Experiment, name string) (string, error) {
	ps := e.Protocols()
	if name == "" {
		return ps[0], nil
	}
	if slices.Contains(ps, name) {
		return name, nil
	}
	return "", Fieldf("protocol", "%s: unknown protocol %q (want %s)", e.Name(), name, orList(ps))
}

func orList(xs []string) string {
	if len(xs) < 2 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// Conditions parses the request's conditions in e's vocabulary (the
// protocol's defaults when it names none).
func (r Request) ConditionsOf(e Experiment, protocol string) ([]sweep.Condition, error) {
	list := strings.TrimSpace(r.Conditions)
	if list == "" || list == "default" {
		list = e.DefaultConditions(protocol)
	}
	cs, err := e.Vocabulary().Parse(list)
	if err != nil {
		return nil, &FieldError{Field: "conditions", Err: err}
	}
	return cs, nil
}

// SeedsOf resolves the request's seeds: its explicit list (each seed
// once), else the first SeedCount of all (the experiment's seed list, of
// which the protocol's def is a prefix), else def.
func (r Request) SeedsOf(def, all []int64) ([]int64, error) {
	switch {
	case len(r.Seeds) > 0:
		if err := sweep.CheckSeeds(r.Seeds); err != nil {
			return nil, &FieldError{Field: "seeds", Err: err}
		}
		return r.Seeds, nil
	case r.SeedCount > 0:
		s, err := sweep.FirstSeeds(r.SeedCount, all)
		if err != nil {
			return nil, &FieldError{Field: "seeds", Err: err}
		}
		return s, nil
	}
	return def, nil
}

// String returns option key as a string (def when absent).
func (r Request) String(key, def string) (string, error) {
	v, ok := r.Options[key]
	if !ok {
		return def, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", BadValue(key, v, "want a string")
	}
	return s, nil
}

// Int returns option key as an integer (def when absent), checked against
// the limit of key when it has one (sweep.LimitOf).
func (r Request) Int(key string, def int) (int, error) {
	v, ok := r.Options[key]
	if !ok {
		return def, nil
	}
	var n int
	switch x := v.(type) {
	case int:
		n = x
	case int64:
		if x != int64(int(x)) {
			return 0, BadValue(key, v, "want an integer")
		}
		n = int(x)
	default:
		return 0, BadValue(key, v, "want an integer")
	}
	if l, ok := sweep.LimitOf(key); ok {
		if err := l.Check(float64(n)); err != nil {
			return 0, BadValue(key, v, "%w", err)
		}
	}
	return n, nil
}

// Strings returns option key as a list of strings (nil when absent).
func (r Request) Strings(key string) ([]string, error) {
	v, ok := r.Options[key]
	if !ok {
		return nil, nil
	}
	switch x := v.(type) {
	case []string:
		return x, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, BadValue(key, v, "want a list of strings")
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, BadValue(key, v, "want a list of strings")
}

// CheckOptions reports an option key that e does not know.
func CheckOptions(e Experiment, opts map[string]any) error {
	known := map[string]bool{}
	var names []string
	for _, o := range e.Options() {
		known[o.Key] = true
		names = append(names, o.Key)
	}
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !known[k] {
			return Fieldf(k, "unknown option %q for experiment %s (want one of %s)", k, e.Name(), strings.Join(names, ", "))
		}
	}
	return nil
}

// Build builds e's plan of req and applies the request's overrides to it
// (sweep.Overrides.Apply): the one place where overrides reach a plan.
func Build(e Experiment, req Request) (*Built, error) {
	b, err := e.Build(req)
	if err != nil {
		return nil, err
	}
	req.Overrides.Apply(b.Plan)
	return b, nil
}

// Setup is what every experiment's Build does first: it checks that the
// request's options are e's (CheckOptions), takes the request's protocol
// from protocols (a FieldError "protocol"), sets its seeds (SeedsOf, n
// seeds drawn from all; nil: sweep.ReferenceSeeds) and masking ratio
// (sweep.Training.SetMaskRatio: a FieldError "mask_ratio" for a
// classification protocol), and parses the conditions in e's vocabulary
// (ConditionsOf: the protocol's defaults when the request names none).
// The experiment then reads its own options and builds its task and plan.
func Setup[P any, PT interface {
	*P
	Base() *sweep.Training
}](e Experiment, req Request, protocols sweep.Protocols[P], all []int64) (P, []sweep.Condition, error) {
	var zero P
	if err := CheckOptions(e, req.Options); err != nil {
		return zero, nil, err
	}
	proto, err := protocols.ByName(req.Protocol)
	if err != nil {
		return zero, nil, &FieldError{Field: "protocol", Err: err}
	}
	t := PT(&proto).Base()
	if all == nil {
		all = sweep.ReferenceSeeds()
	}
	if t.Seeds, err = req.SeedsOf(t.Seeds, all); err != nil {
		return zero, nil, err
	}
	if err := t.SetMaskRatio(req.MaskRatio); err != nil {
		return zero, nil, &FieldError{Field: "mask_ratio", Err: fmt.Errorf("%s: %w", e.Name(), err)}
	}
	conds, err := req.ConditionsOf(e, t.Name)
	if err != nil {
		return zero, nil, err
	}
	return proto, conds, nil
}

// Tracked are the sweep options every experiment's plan runs with:
// analyze as the Analyze hook, each evaluation's PE geometry measured
// against truth (geometry.Tracker), and PE snapshots.
func Tracked(analyze func(*train.Run, []sweep.Cell) ([]train.Metrics, []error, error), truth *geometry.Truth) sweep.Options {
	return sweep.Options{Analyze: analyze, Track: geometry.Tracker(truth), Snapshots: true}
}

// TrackLayout is Tracked against the Euclidean distances of the tokens'
// true layout (geometry.New).
func TrackLayout(analyze func(*train.Run, []sweep.Cell) ([]train.Metrics, []error, error), layout pe.Layout) (sweep.Options, error) {
	truth, err := geometry.New(layout, geometry.Euclidean)
	if err != nil {
		return sweep.Options{}, err
	}
	return Tracked(analyze, truth), nil
}

// BenchModel is what `pelab bench` trains for an experiment: a training
// configuration whose data are random values of the right shape (speed and
// memory do not depend on them).
type BenchModel struct {
	Config train.Config
	// EvalN and EvalEvery size the held-out set and say how many steps
	// apart it is evaluated (soak runs); 0: never.
	EvalN, EvalEvery int
	// StepsPerEpoch, SweepModels and SweepEpochs, where set, give the
	// per-epoch and whole-sweep columns of the speed table (the paper's
	// protocol of the experiment).
	StepsPerEpoch, SweepModels, SweepEpochs int
}

// Benchmarked is implemented by experiments `pelab bench -model <name>`
// can time and soak.
type Benchmarked interface {
	// SpeedModel is the model timed for speed (the paper's, where the paper
	// gives one) with PE spec and the batch size per model.
	SpeedModel(spec pe.Spec, batch int) (BenchModel, error)
	// SoakModel is the quick protocol's model, optimiser, objective and
	// batch, with a learned PE (σ 0.5), and its evaluation set and
	// interval, for soak runs (pelab bench -soak).
	SoakModel() (BenchModel, error)
}

// WithData is implemented by experiments that read a published data set,
// which `pelab data` lists, downloads and verifies.
type WithData interface {
	Dataset() fetch.Dataset
}
