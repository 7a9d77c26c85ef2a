package sweep

import (
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Spec is a sweep specification file: which experiment and protocol, the
// grid of conditions × seeds × model sizes × masking ratios, and overrides
// of the protocol. [ParseSpec] reads it; [Spec.Plans] turns it into one
// [Plan] per grid variant with an experiment's [Builder].
//
// The file format is a subset of TOML (no new dependency): # comments,
// [table] headers, key = value with bare keys, values that are "strings"
// (escapes \" \\ \n \t), integers, floats, true/false, or [arrays] of those
// (which may span lines). Example:
//
//	experiment = "lst"
//	protocol   = "quick"
//	conditions = ["2d-fixed", "learn-0.1"]
//	sigmas     = [0.5, 2]        # adds learn-0.5, learn-2
//	seeds      = [2235, 6312]    # or a count: seeds = 2 (the protocol's first 2)
//	out        = "out/lst-sweep" # default results directory
//
//	[grid]                       # each list multiplies the plans
//	width      = [16, 32]
//	blocks     = [1, 4]
//	mask_ratio = [0.5]           # masked-token experiments (netsim, fmri)
//
//	[overrides]                  # of the protocol, for every plan
//	epochs = 2
//	eval_every = 1
//	lr = 0.003
//	k = 0
//	max_m = 0
//
//	[task]                       # experiment-specific task options
//	subset = 64                  # lst: keep 64 training puzzles
type Spec struct {
	File       string // where it was read from, for messages
	Experiment string
	Protocol   string
	Conditions []string  // condition names or PE specs, in the experiment's vocabulary
	Sigmas     []float64 // each adds the condition "learn-<σ>"
	Seeds      []int64   // explicit seeds; nil: SeedCount or the protocol's
	SeedCount  int       // > 0: the protocol's first SeedCount seeds
	Out        string    // default results directory ("" : out/<experiment>-<protocol>)
	Grid       Grid
	Overrides  Overrides
	// Task holds the [task] table: experiment-specific options (string,
	// int64, float64, bool or []any values).
	Task map[string]any
}

// Grid lists the model sizes and masking ratios of a sweep; an empty list
// keeps the protocol's value.
type Grid struct {
	Width, Blocks []int
	MaskRatio     []float64
}

// Overrides replace protocol values in every plan; zero keeps the
// protocol's.
type Overrides struct {
	Epochs, EvalEvery, K, MaxM int
	LR                         float64
}

// Variant is one point of a spec's grid; zero fields keep the protocol's
// value.
type Variant struct {
	Width, Blocks int
	MaskRatio     float64
}

// Name labels v, e.g. "w16-b1-mask0.5"; "" for the protocol's defaults.
func (v Variant) Name() string {
	var parts []string
	if v.Width > 0 {
		parts = append(parts, "w"+strconv.Itoa(v.Width))
	}
	if v.Blocks > 0 {
		parts = append(parts, "b"+strconv.Itoa(v.Blocks))
	}
	if v.MaskRatio > 0 {
		parts = append(parts, "mask"+strconv.FormatFloat(v.MaskRatio, 'g', -1, 64))
	}
	return strings.Join(parts, "-")
}

// ReadSpec reads and parses a spec file.
func ReadSpec(path string) (*Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sweep: spec: %w", err)
	}
	return ParseSpec(path, string(b))
}

// ParseSpec parses the text of a spec file (see [Spec] for the format);
// name labels error messages.
func ParseSpec(name, src string) (*Spec, error) {
	doc, err := parseTOML(name, src)
	if err != nil {
		return nil, err
	}
	s := &Spec{File: name}
	g := getter{name: name, doc: doc}
	for t := range doc {
		switch t {
		case "", "grid", "overrides", "task":
		default:
			return nil, fmt.Errorf("sweep: %s: unknown table [%s] (want grid, overrides or task)", name, t)
		}
	}
	g.known("", "experiment", "protocol", "conditions", "sigmas", "seeds", "out")
	g.known("grid", "width", "blocks", "mask_ratio")
	g.known("overrides", "epochs", "eval_every", "lr", "k", "max_m")
	s.Experiment = g.str("", "experiment")
	s.Protocol = g.str("", "protocol")
	s.Out = g.str("", "out")
	s.Conditions = g.strs("", "conditions")
	s.Sigmas = g.floats("", "sigmas")
	switch v := doc[""]["seeds"].(type) {
	case nil:
	case int64:
		if v < 1 {
			g.fail("", "seeds", "a count ≥ 1 or a list of integers")
		}
		s.SeedCount = int(v)
	default:
		for _, x := range g.ints("", "seeds") {
			s.Seeds = append(s.Seeds, int64(x))
		}
		if len(s.Seeds) == 0 && g.err == nil {
			g.fail("", "seeds", "a count ≥ 1 or a non-empty list of integers")
		}
	}
	s.Grid.Width = g.ints("grid", "width")
	s.Grid.Blocks = g.ints("grid", "blocks")
	s.Grid.MaskRatio = g.floats("grid", "mask_ratio")
	s.Overrides.Epochs = g.int("overrides", "epochs")
	s.Overrides.EvalEvery = g.int("overrides", "eval_every")
	s.Overrides.K = g.int("overrides", "k")
	s.Overrides.MaxM = g.int("overrides", "max_m")
	s.Overrides.LR = g.float("overrides", "lr")
	s.Task = doc["task"]
	if g.err != nil {
		return nil, g.err
	}
	return s, s.Validate()
}

// Validate reports the first problem with s.
func (s *Spec) Validate() error {
	where := "sweep: " + s.File
	switch {
	case s.Experiment == "":
		return fmt.Errorf("%s: no experiment (want experiment = \"lst\", \"netsim\" or \"fmri\")", where)
	case len(s.Conditions) == 0 && len(s.Sigmas) == 0:
		return fmt.Errorf("%s: no conditions: set conditions = [...] and/or sigmas = [...]", where)
	}
	for _, w := range s.Grid.Width {
		if w < 1 {
			return fmt.Errorf("%s: [grid] width %d: want ≥ 1", where, w)
		}
	}
	for _, b := range s.Grid.Blocks {
		if b < 1 {
			return fmt.Errorf("%s: [grid] blocks %d: want ≥ 1", where, b)
		}
	}
	for _, r := range s.Grid.MaskRatio {
		if !(r > 0 && r < 1) {
			return fmt.Errorf("%s: [grid] mask_ratio %g: want in (0, 1)", where, r)
		}
	}
	for _, x := range s.Sigmas {
		if !(x > 0) || math.IsInf(x, 0) {
			return fmt.Errorf("%s: sigma %g: want a finite σ > 0", where, x)
		}
	}
	o := s.Overrides
	if o.Epochs < 0 || o.EvalEvery < 0 || o.K < 0 || o.MaxM < 0 || o.LR < 0 || math.IsInf(o.LR, 0) {
		return fmt.Errorf("%s: [overrides] epochs %d, eval_every %d, k %d, max_m %d, lr %g: want each ≥ 0 (0 keeps the protocol's)",
			where, o.Epochs, o.EvalEvery, o.K, o.MaxM, o.LR)
	}
	return nil
}

// ConditionList is the spec's conditions followed by "learn-<σ>" for each
// of its sigmas, without duplicates.
func (s *Spec) ConditionList() []string {
	var out []string
	seen := map[string]bool{}
	add := func(c string) {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	for _, c := range s.Conditions {
		add(c)
	}
	for _, x := range s.Sigmas {
		add("learn-" + strconv.FormatFloat(x, 'g', -1, 64))
	}
	return out
}

// SeedsFrom resolves the spec's seeds against the protocol's list.
func (s *Spec) SeedsFrom(protocol []int64) ([]int64, error) {
	switch {
	case len(s.Seeds) > 0:
		return s.Seeds, nil
	case s.SeedCount > 0:
		if s.SeedCount > len(protocol) {
			return nil, fmt.Errorf("sweep: %s: seeds = %d, but the protocol has only %d; list them instead", s.File, s.SeedCount, len(protocol))
		}
		return protocol[:s.SeedCount], nil
	}
	return protocol, nil
}

// Variants is the grid: every combination of width × blocks × mask ratio,
// in that nesting order; one zero Variant for an empty grid.
func (s *Spec) Variants() []Variant {
	ws, bs, ms := orZero(s.Grid.Width), orZero(s.Grid.Blocks), orZero(s.Grid.MaskRatio)
	var out []Variant
	for _, w := range ws {
		for _, b := range bs {
			for _, m := range ms {
				out = append(out, Variant{Width: w, Blocks: b, MaskRatio: m})
			}
		}
	}
	return out
}

func orZero[T int | float64](x []T) []T {
	if len(x) == 0 {
		return []T{0}
	}
	return x
}

// A Builder makes an experiment's plan for one grid variant of a spec: its
// task, protocol (with v.MaskRatio applied where the experiment has one;
// an error where it has none), conditions and seeds. [Spec.Plans] applies
// the width, blocks and overrides afterwards.
type Builder func(s *Spec, v Variant) (*Plan, error)

// Plans builds one plan per grid variant with build, then applies the
// variant's width and blocks and the spec's overrides. With more than one
// variant, each plan's Protocol gets the suffix "-<variant name>" so that
// reports keep the variants apart (record IDs differ in any case, as they
// hash the full configuration).
func (s *Spec) Plans(build Builder) ([]*Plan, error) {
	vs := s.Variants()
	var out []*Plan
	for _, v := range vs {
		p, err := build(s, v)
		if err != nil {
			return nil, fmt.Errorf("sweep: %s: variant %q: %w", s.File, v.Name(), err)
		}
		if v.Width > 0 {
			p.Train.Model.Width = v.Width
		}
		if v.Blocks > 0 {
			p.Train.Model.Blocks = v.Blocks
		}
		s.Overrides.Apply(p)
		if len(vs) > 1 {
			p.Protocol += "-" + v.Name()
		}
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("sweep: %s: variant %q: %w", s.File, v.Name(), err)
		}
		out = append(out, p)
	}
	return out, nil
}

// Apply sets the non-zero overrides on p. Lowering the epochs below the
// evaluation interval lowers the interval to match.
func (o Overrides) Apply(p *Plan) {
	if o.Epochs > 0 {
		p.Train.Epochs = o.Epochs
		if p.Train.EvalEvery > o.Epochs {
			p.Train.EvalEvery = o.Epochs
		}
	}
	if o.EvalEvery > 0 {
		p.Train.EvalEvery = o.EvalEvery
	}
	if o.LR > 0 {
		p.Train.Optimizer.LR = o.LR
	}
	if o.K > 0 {
		p.Train.StepsPerCall = o.K
	}
	if o.MaxM > 0 {
		p.MaxM = o.MaxM
	}
}

// TaskString returns the [task] option key as a string (def when absent).
func (s *Spec) TaskString(key, def string) (string, error) {
	v, ok := s.Task[key]
	if !ok {
		return def, nil
	}
	str, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("sweep: %s: [task] %s = %v: want a string", s.File, key, v)
	}
	return str, nil
}

// TaskInt returns the [task] option key as an integer (def when absent).
func (s *Spec) TaskInt(key string, def int) (int, error) {
	v, ok := s.Task[key]
	if !ok {
		return def, nil
	}
	n, ok := v.(int64)
	if !ok {
		return 0, fmt.Errorf("sweep: %s: [task] %s = %v: want an integer", s.File, key, v)
	}
	return int(n), nil
}

// TaskStrings returns the [task] option key as a list of strings (nil when
// absent).
func (s *Spec) TaskStrings(key string) ([]string, error) {
	v, ok := s.Task[key]
	if !ok {
		return nil, nil
	}
	arr, ok := v.([]any)
	var out []string
	for _, x := range arr {
		str, isStr := x.(string)
		if !isStr {
			ok = false
			break
		}
		out = append(out, str)
	}
	if !ok {
		return nil, fmt.Errorf("sweep: %s: [task] %s = %v: want a list of strings", s.File, key, v)
	}
	return out, nil
}

// CheckTask reports a [task] key that is not among known (a misspelt
// option would otherwise be ignored silently).
func (s *Spec) CheckTask(known ...string) error {
	var keys []string
	for k := range s.Task {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		found := false
		for _, kn := range known {
			found = found || k == kn
		}
		if !found {
			return fmt.Errorf("sweep: %s: unknown [task] option %q for experiment %s (want one of %s)",
				s.File, k, s.Experiment, strings.Join(known, ", "))
		}
	}
	return nil
}

// getter reads typed values from a parsed document, keeping the first
// error.
type getter struct {
	name string
	doc  tomlDoc
	err  error
}

func (g *getter) fail(table, key, want string) {
	if g.err != nil {
		return
	}
	where := key
	if table != "" {
		where = "[" + table + "] " + key
	}
	g.err = fmt.Errorf("sweep: %s: %s = %v: want %s", g.name, where, g.doc[table][key], want)
}

func (g *getter) known(table string, keys ...string) {
	for k := range g.doc[table] {
		found := false
		for _, kn := range keys {
			found = found || k == kn
		}
		if !found && g.err == nil {
			where := "top level"
			if table != "" {
				where = "[" + table + "]"
			}
			g.err = fmt.Errorf("sweep: %s: unknown key %q at the %s (want one of %s)", g.name, k, where, strings.Join(keys, ", "))
		}
	}
}

func (g *getter) str(table, key string) string {
	v, ok := g.doc[table][key]
	if !ok {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		g.fail(table, key, "a string")
	}
	return s
}

func (g *getter) int(table, key string) int {
	v, ok := g.doc[table][key]
	if !ok {
		return 0
	}
	n, ok := v.(int64)
	if !ok {
		g.fail(table, key, "an integer")
	}
	return int(n)
}

func (g *getter) float(table, key string) float64 {
	switch v := g.doc[table][key].(type) {
	case nil:
		return 0
	case int64:
		return float64(v)
	case float64:
		return v
	}
	g.fail(table, key, "a number")
	return 0
}

func (g *getter) list(table, key string) []any {
	v, ok := g.doc[table][key]
	if !ok {
		return nil
	}
	switch v := v.(type) {
	case []any:
		return v
	default:
		return []any{v} // a scalar is a one-element list
	}
}

func (g *getter) strs(table, key string) []string {
	var out []string
	for _, v := range g.list(table, key) {
		s, ok := v.(string)
		if !ok {
			g.fail(table, key, "a list of strings")
			return nil
		}
		out = append(out, s)
	}
	return out
}

func (g *getter) ints(table, key string) []int {
	var out []int
	for _, v := range g.list(table, key) {
		n, ok := v.(int64)
		if !ok {
			g.fail(table, key, "a list of integers")
			return nil
		}
		out = append(out, int(n))
	}
	return out
}

func (g *getter) floats(table, key string) []float64 {
	var out []float64
	for _, v := range g.list(table, key) {
		switch n := v.(type) {
		case int64:
			out = append(out, float64(n))
		case float64:
			out = append(out, n)
		default:
			g.fail(table, key, "a list of numbers")
			return nil
		}
	}
	return out
}
