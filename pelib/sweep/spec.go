package sweep

import (
	"fmt"

	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/train"
)

// Spec is a sweep specification file: which experiment and protocol, the
// grid of conditions × seeds × model sizes × masking ratios, and overrides
// of the protocol. [ParseSpec] reads it; [Spec.Plans] turns it into one
// [Plan] per grid variant with an experiment's [Builder].
//
// The file format is TOML (read with github.com/BurntSushi/toml): values
// are strings, integers, floats, booleans or flat arrays of those; a key or
// table the spec does not know is an error naming its line. Example:
//
//	experiment = "lst"
//	protocol   = "quick"
//	conditions = ["2d-fixed", "learn-0.1"]
//	sigmas     = [0.5, 2]        # adds learn-0.5, learn-2
//	seeds      = [2235, 6312]    # or a count: seeds = 2 (the experiment's first 2)
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
//	matmul = "f32"               # or "bf16"
//	last_batch = "keep"          # or "drop" (train.Config.LastBatch)
//
//	[task]                       # experiment-specific task options
//	subset = 64                  # lst: keep 64 training puzzles
//
// Every number is checked against the same limits as the pelab flags of the
// same name (see [LimitOf]), lower and upper bounds: epochs and eval_every
// 0 … 100000, k and max_m 0 … 1024 and lr ≥ 0 (0 keeps the protocol's
// value), width 1 … 4096, blocks 1 … 64, mask_ratio in (0, 1), sigmas in
// (0, 1000], seeds a count 1 … 1000 or a list of at most 1000, [task]
// subset ≥ 0 and train_runs, test_runs 0 … 65536. The file is at most
// MaxSpecBytes, its arrays and inline tables nested at most MaxSpecDepth
// deep (checked before the TOML decoder reads it). A seed, condition, width, block count or
// mask ratio given twice is an error, as it would train the same models
// twice. Errors name the file, the line and the key.
type Spec struct {
	File       string // where it was read from, for messages
	Experiment string
	Protocol   string
	Conditions []string  // condition names or PE specs, in the experiment's vocabulary
	Sigmas     []float64 // each adds the condition "learn-<σ>"
	Seeds      []int64   // explicit seeds, each once; nil: SeedCount or the protocol's
	SeedCount  int       // > 0: the experiment's first SeedCount seeds (see FirstSeeds)
	Out        string    // default results directory ("" : out/<experiment>-<protocol>)
	Grid       Grid
	Overrides  Overrides
	// Task holds the [task] table: experiment-specific options (string,
	// int64, float64, bool or []any values).
	Task map[string]any
	// Lines holds the line in File of each key: table ("" for the top
	// level) → key → line; nil for a spec built in code. Errors found after
	// parsing use it to name the line.
	Lines map[string]map[string]int
}

// Grid lists the model sizes and masking ratios of a sweep; an empty list
// keeps the protocol's value.
type Grid struct {
	Width, Blocks []int
	MaskRatio     []float64
}

// Overrides replace protocol values in every plan; zero keeps the
// protocol's. They are the one place where pelab's -epochs, -eval-every,
// -lr, -k, -max-m and -matmul flags and a spec's [overrides] reach a plan
// (see [Overrides.Apply]).
type Overrides struct {
	Epochs, EvalEvery, K, MaxM int
	LR                         float64
	// Matmul is the matrix-product operand dtype (model.ParseMatmulDType;
	// the zero value keeps float32).
	Matmul dtypes.DType
	// LastBatch is train.Config.LastBatch ("" keeps the protocol's).
	LastBatch string
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
	doc, lines, err := parseTOML(name, src)
	if err != nil {
		return nil, err
	}
	s := &Spec{File: name, Lines: lines}
	g := getter{spec: s, doc: doc}
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
	if m := g.str("overrides", "matmul"); m != "" && g.err == nil {
		dt, err := model.ParseMatmulDType(m)
		if err != nil {
			return nil, s.Errorf("overrides", "matmul", "matmul = %q: %w", m, err)
		}
		s.Overrides.Matmul = dt
	}
	if lb := g.str("overrides", "last_batch"); lb != "" && g.err == nil {
		if err := train.CheckLastBatch(lb); err != nil {
			return nil, s.Errorf("overrides", "last_batch", "last_batch = %q: %w", lb, err)
		}
		s.Overrides.LastBatch = lb
	}
	s.Task = doc["task"]
	if g.err != nil {
		return nil, g.err
	}
	return s, s.Validate()
}

// Validate reports the first problem with s: a missing experiment or
// conditions, a number outside its limit (see LimitOf; the [overrides], the
// [grid] lists, sigmas, the seed count and the numeric [task] options), or
// a seed, condition or grid value given twice. Errors name the file and,
// when s was read from one, the line.
func (s *Spec) Validate() error {
	switch {
	case s.Experiment == "":
		return fmt.Errorf("sweep: %s: no experiment (want experiment = \"lst\", \"netsim\" or \"fmri\")", s.File)
	case len(s.Conditions) == 0 && len(s.Sigmas) == 0:
		return fmt.Errorf("sweep: %s: no conditions: set conditions = [...] and/or sigmas = [...]", s.File)
	}
	o := s.Overrides
	for _, c := range []struct {
		key string
		x   any // int or float64, printed as given
	}{{"epochs", o.Epochs}, {"eval_every", o.EvalEvery}, {"k", o.K}, {"max_m", o.MaxM}, {"lr", o.LR}} {
		x, isInt := c.x.(int)
		f := float64(x)
		if !isInt {
			f = c.x.(float64)
		}
		if err := CheckSetting(c.key, f); err != nil {
			return s.Errorf("overrides", c.key, "%s = %v: %w", c.key, c.x, err)
		}
	}
	if err := checkList(s, "grid", "width", s.Grid.Width); err != nil {
		return err
	}
	if err := checkList(s, "grid", "blocks", s.Grid.Blocks); err != nil {
		return err
	}
	if err := checkList(s, "grid", "mask_ratio", s.Grid.MaskRatio); err != nil {
		return err
	}
	if err := checkList(s, "", "sigmas", s.Sigmas); err != nil {
		return err
	}
	if s.SeedCount != 0 {
		if err := CheckSetting("seeds", float64(s.SeedCount)); err != nil {
			return s.Errorf("", "seeds", "seeds = %d: %w", s.SeedCount, err)
		}
	}
	if s.Seeds != nil {
		if err := CheckSeeds(s.Seeds); err != nil {
			return s.Errorf("", "seeds", "seeds = %v: %w", s.Seeds, err)
		}
	}
	seen := map[string]int{}
	for i, c := range s.Conditions {
		if strings.TrimSpace(c) == "" {
			return s.Errorf("", "conditions", "conditions: item %d is empty", i+1)
		}
		if j, dup := seen[c]; dup {
			return s.Errorf("", "conditions", "conditions: %q appears twice (items %d and %d)", c, j+1, i+1)
		}
		seen[c] = i
	}
	keys := make([]string, 0, len(s.Task))
	for k := range s.Task {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		l, ok := LimitOf(k)
		if !ok {
			continue
		}
		n, isInt := s.Task[k].(int64)
		if !isInt && l.Int {
			return s.Errorf("task", k, "%s = %v: want %s", k, s.Task[k], l.Want)
		}
		x, isFloat := s.Task[k].(float64)
		if isInt {
			x = float64(n)
		} else if !isFloat {
			return s.Errorf("task", k, "%s = %v: want %s", k, s.Task[k], l.Want)
		}
		if err := l.Check(x); err != nil {
			return s.Errorf("task", k, "%s = %v: %w", k, s.Task[k], err)
		}
	}
	return nil
}

// checkList checks each value of a list setting against its limit and
// reports a value given twice.
func checkList[T int | float64](s *Spec, table, key string, xs []T) error {
	for i, x := range xs {
		if err := CheckSetting(key, float64(x)); err != nil {
			return s.Errorf(table, key, "%s = %v: item %d (%v): %w", key, xs, i+1, x, err)
		}
		for j := range i {
			if xs[j] == x {
				return s.Errorf(table, key, "%s = %v: %v appears twice (items %d and %d)", key, xs, x, j+1, i+1)
			}
		}
	}
	return nil
}

// Errorf returns an error "sweep: <file> line <n>: [<table>] <message>"
// naming the line of key when s was read from a file (the top level when
// table is "").
func (s *Spec) Errorf(table, key, format string, args ...any) error {
	where := s.File
	if n := s.Lines[table][key]; n > 0 {
		where += fmt.Sprintf(" line %d", n)
	}
	if table != "" {
		where += ": [" + table + "]"
	} else {
		where += ":"
	}
	return fmt.Errorf("sweep: "+where+" "+format, args...)
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

// SeedsFrom resolves the spec's seeds: its explicit list (each seed once),
// else the first SeedCount seeds of the experiment's seed list all (see
// FirstSeeds), else the protocol's default seeds def.
func (s *Spec) SeedsFrom(def, all []int64) ([]int64, error) {
	switch {
	case len(s.Seeds) > 0:
		if err := CheckSeeds(s.Seeds); err != nil {
			return nil, s.Errorf("", "seeds", "seeds = %v: %w", s.Seeds, err)
		}
		return s.Seeds, nil
	case s.SeedCount > 0:
		seeds, err := FirstSeeds(s.SeedCount, all)
		if err != nil {
			return nil, s.Errorf("", "seeds", "seeds = %d: %w", s.SeedCount, err)
		}
		return seeds, nil
	}
	return def, nil
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
	if o.Matmul != dtypes.InvalidDType {
		p.Train.Model.MatmulDType = o.Matmul
	}
	if o.LastBatch != "" {
		p.Train.LastBatch = o.LastBatch
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
		return "", s.Errorf("task", key, "%s = %v: want a string", key, v)
	}
	return str, nil
}

// TaskInt returns the [task] option key as an integer (def when absent),
// checked against the limit of key if it has one (see LimitOf).
func (s *Spec) TaskInt(key string, def int) (int, error) {
	v, ok := s.Task[key]
	if !ok {
		return def, nil
	}
	n, ok := v.(int64)
	if !ok || n != int64(int(n)) {
		return 0, s.Errorf("task", key, "%s = %v: want an integer", key, v)
	}
	if l, ok := LimitOf(key); ok {
		if err := l.Check(float64(n)); err != nil {
			return 0, s.Errorf("task", key, "%s = %v: %w", key, v, err)
		}
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
		return nil, s.Errorf("task", key, "%s = %v: want a list of strings", key, v)
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
			return s.Errorf("task", k, "unknown option %q for experiment %s (want one of %s)",
				k, s.Experiment, strings.Join(known, ", "))
		}
	}
	return nil
}

// getter reads typed values from a parsed document, keeping the first
// error.
type getter struct {
	spec *Spec
	doc  tomlDoc
	err  error
}

func (g *getter) fail(table, key, want string) {
	if g.err != nil {
		return
	}
	g.err = g.spec.Errorf(table, key, "%s = %v: want %s", key, g.doc[table][key], want)
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
		return 0
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
		out = append(out, int(n)) // int is 64 bits on every platform pelab builds for
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
