package pe

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Syntax is the grammar of spec strings, one line, for flag help and errors.
const Syntax = "none | random | learn[:<σ> | :normal:<σ> | :uniform:<low>:<high> | :xavier | :zeros] | " +
	"sin1d | sin2d | sinnd | rope1d | rope2d | ropend | shaw[:<init>] | t5[:<init>] | alibi | alibind | " +
	"coordlin[:<init>] | coordmlp[:<init>] | dpb[:<init>]; " +
	"options after commas: wd=<x> (trainable kinds), input | every (learn, random, sin*, coord*, dpb), " +
	"causal (shaw, t5, alibi, alibind), noout (any), maxdist=<n> (shaw, t5), buckets=<n> (t5), base=<x> (sin*, rope*), " +
	"hidden=<n> and depth=<n> (coordmlp, dpb), fourier=<n> (coord*, dpb); " +
	"aliases: nope, learn-<σ>, coordlin-<σ>, coordmlp-<σ>, dpb-<σ>, uniform (= learn:uniform:0:1), 1d-fixed, 2d-fixed, rope, relative (= shaw,causal,noout)"

// Parse reads a spec string (see Syntax and the package documentation),
// case-insensitively and ignoring spaces around its parts, and returns the
// normalized, validated Spec. An invalid string gives an error that says what
// was wrong and lists the valid forms.
func Parse(str string) (Spec, error) {
	s, err := parse(str)
	if err != nil {
		return Spec{}, fmt.Errorf("pe: spec %q: %w; valid forms: %s", str, err, Syntax)
	}
	return s, nil
}

func parse(str string) (Spec, error) {
	parts := strings.Split(strings.ToLower(str), ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	if parts[0] == "" {
		return Spec{}, errors.New("empty kind")
	}
	s, err := parseHead(parts[0])
	if err != nil {
		return Spec{}, err
	}
	seen := make(map[string]bool)
	for _, opt := range parts[1:] {
		if err := parseOption(&s, opt, seen); err != nil {
			return Spec{}, err
		}
	}
	s = s.Normalize()
	if err := s.Validate(); err != nil {
		return Spec{}, errors.New(strings.TrimPrefix(err.Error(), "pe: "))
	}
	return s, nil
}

func parseNumber(what, v string) (float64, error) {
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("%s %q is not a finite number", what, v)
	}
	return x, nil
}

func parseHead(head string) (Spec, error) {
	switch head {
	case "nope":
		return Spec{Kind: None}, nil
	case "1d-fixed":
		return Spec{Kind: Sin1D}, nil
	case "2d-fixed":
		return Spec{Kind: Sin2D}, nil
	case "rope":
		return Spec{Kind: RoPE1D}, nil
	case "relative":
		return Spec{Kind: Shaw, Causal: true, NoOutProj: true}, nil
	case "uniform":
		return Spec{Kind: Learned, Init: Uniform, Low: 0, High: 1}, nil
	}
	for _, k := range []Kind{Learned, CoordLin, CoordMLP, DPB} {
		if v, ok := strings.CutPrefix(head, string(k)+"-"); ok {
			sigma, err := parseNumber("σ", v)
			if err != nil {
				return Spec{}, err
			}
			if sigma < 0 {
				return Spec{}, fmt.Errorf("σ must be ≥ 0, got %v", sigma)
			}
			return Spec{Kind: k, Init: Normal, Sigma: sigma}, nil
		}
	}
	fields := strings.Split(head, ":")
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
	}
	s := Spec{Kind: Kind(fields[0])}
	if !s.Kind.Valid() {
		return Spec{}, fmt.Errorf("unknown kind %q", fields[0])
	}
	args := fields[1:]
	if !s.Trainable() {
		if len(args) > 0 {
			return Spec{}, fmt.Errorf("%s takes no ':' arguments (only the trainable kinds learn, shaw, t5, coordlin, coordmlp and dpb take an init)", s.Kind)
		}
		return s, nil
	}
	if len(args) == 0 {
		return s, nil
	}
	const want = "want <σ>, normal:<σ>, uniform:<low>:<high>, xavier or zeros"
	nargs := map[InitKind]int{Normal: 1, Uniform: 2, Xavier: 0, Zeros: 0}
	init := InitKind(args[0])
	n, known := nargs[init]
	switch {
	case init == Func:
		return Spec{}, errors.New("a function init cannot be written as a string: set Spec.Init = pe.Func and Spec.InitFunc in code")
	case !known:
		if len(args) == 1 {
			if sigma, err := parseNumber("σ", args[0]); err == nil {
				if sigma < 0 {
					return Spec{}, fmt.Errorf("σ must be ≥ 0, got %v", sigma)
				}
				s.Init, s.Sigma = Normal, sigma
				return s, nil
			}
		}
		return Spec{}, fmt.Errorf("unknown init %q (%s)", args[0], want)
	case len(args)-1 != n:
		return Spec{}, fmt.Errorf("init %s takes %d ':' argument(s), got %d (%s)", init, n, len(args)-1, want)
	}
	s.Init = init
	switch init {
	case Normal:
		sigma, err := parseNumber("σ", args[1])
		if err != nil {
			return Spec{}, err
		}
		if sigma < 0 {
			return Spec{}, fmt.Errorf("σ must be ≥ 0, got %v", sigma)
		}
		s.Sigma = sigma
	case Uniform:
		lo, err := parseNumber("low", args[1])
		if err != nil {
			return Spec{}, err
		}
		hi, err := parseNumber("high", args[2])
		if err != nil {
			return Spec{}, err
		}
		if lo >= hi {
			return Spec{}, fmt.Errorf("uniform init needs low < high, got %v, %v", lo, hi)
		}
		s.Low, s.High = lo, hi
	}
	return s, nil
}

func parseOption(s *Spec, opt string, seen map[string]bool) error {
	key, val, hasVal := strings.Cut(opt, "=")
	key, val = strings.TrimSpace(key), strings.TrimSpace(val)
	name := key
	if key == "input" || key == "every" {
		name = "placement"
	}
	if seen[name] {
		return fmt.Errorf("option %q given twice", name)
	}
	seen[name] = true
	flag := func() error {
		if hasVal {
			return fmt.Errorf("option %q takes no value", key)
		}
		return nil
	}
	parseInt := func() (int, error) {
		n, err := strconv.Atoi(val)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("option %s=%q: want an integer > 0", key, val)
		}
		return n, nil
	}
	switch key {
	case "input", "every":
		if err := flag(); err != nil {
			return err
		}
		s.Placement = Placement(key)
	case "causal":
		if err := flag(); err != nil {
			return err
		}
		s.Causal = true
	case "noout":
		if err := flag(); err != nil {
			return err
		}
		s.NoOutProj = true
	case "wd":
		x, err := parseNumber("option wd", val)
		if err != nil {
			return err
		}
		if x < 0 {
			return fmt.Errorf("option wd must be ≥ 0, got %v", x)
		}
		s.WeightDecay = x
	case "base":
		x, err := parseNumber("option base", val)
		if err != nil {
			return err
		}
		if x <= 0 {
			return fmt.Errorf("option base must be > 0, got %v", x)
		}
		s.Base = x
	case "maxdist":
		n, err := parseInt()
		if err != nil {
			return err
		}
		s.MaxDist = n
	case "buckets":
		n, err := parseInt()
		if err != nil {
			return err
		}
		s.Buckets = n
	case "hidden":
		n, err := parseInt()
		if err != nil {
			return err
		}
		s.Hidden = n
	case "depth":
		n, err := parseInt()
		if err != nil {
			return err
		}
		s.Depth = n
	case "fourier":
		n, err := parseInt()
		if err != nil {
			return err
		}
		s.Fourier = n
	case "":
		return errors.New("empty option")
	default:
		return fmt.Errorf("unknown option %q (want wd=<x>, input, every, causal, noout, maxdist=<n>, buckets=<n>, base=<x>, hidden=<n>, depth=<n> or fourier=<n>)", key)
	}
	return nil
}

// optionKeys are the option names of the spec grammar (see Syntax).
var optionKeys = [...]string{"wd", "input", "every", "causal", "noout", "maxdist", "buckets", "base", "hidden", "depth", "fourier"}

// isOption reports whether part (one comma-separated piece of a spec) is an
// option: its name, before any '=', is one of optionKeys.
func isOption(part string) bool {
	key, _, _ := strings.Cut(part, "=")
	key = strings.ToLower(strings.TrimSpace(key))
	for _, k := range optionKeys {
		if key == k {
			return true
		}
	}
	return false
}

// SplitList splits a list of specs or condition names separated by commas
// or semicolons, keeping each spec's options with it: a semicolon always
// separates, a comma only when the piece after it is not an option (wd=…,
// input, every, causal, noout, maxdist=…, buckets=…, base=…, hidden=…,
// depth=…, fourier=…). So
// "learn-0.1,shaw,causal,sin2d" is ["learn-0.1", "shaw,causal", "sin2d"],
// and "shaw,causal;t5" is ["shaw,causal", "t5"]. Elements are trimmed;
// empty elements are kept (as ""), so that callers can report them by
// position.
func SplitList(list string) []string {
	var out []string
	for _, group := range strings.Split(list, ";") {
		var cur []string
		for _, part := range strings.Split(group, ",") {
			if len(cur) > 0 && strings.TrimSpace(cur[0]) != "" && isOption(part) {
				cur = append(cur, strings.TrimSpace(part))
				continue
			}
			if cur != nil {
				out = append(out, strings.Join(cur, ","))
			}
			cur = []string{strings.TrimSpace(part)}
		}
		out = append(out, strings.Join(cur, ","))
	}
	return out
}

// ParseList parses a list of specs separated by ';', e.g.
// "learn:0.1; learn:0.2; sin2d" (commas belong to each spec's options). An
// element may also be a σ sweep, learn:<from>..<to>/<step> or
// learn:normal:<from>..<to>/<step> with options after it, which expands to
// one spec per σ of SigmaRange(from, to, step). Empty elements are skipped; a
// list with no spec is an error.
func ParseList(list string) ([]Spec, error) {
	var out []Spec
	for i, elem := range strings.Split(list, ";") {
		elem = strings.TrimSpace(elem)
		if elem == "" {
			continue
		}
		specs, err := parseElement(elem)
		if err != nil {
			return nil, fmt.Errorf("pe: spec list %q element %d: %w", list, i+1, err)
		}
		out = append(out, specs...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("pe: spec list %q holds no spec (want specs separated by ';', each %s)", list, Syntax)
	}
	return out, nil
}

// parseElement parses one list element: a spec or a σ sweep.
func parseElement(elem string) ([]Spec, error) {
	head, opts, _ := strings.Cut(elem, ",")
	if !strings.Contains(head, "..") {
		s, err := Parse(elem)
		if err != nil {
			return nil, err
		}
		return []Spec{s}, nil
	}
	prefix, ok := strings.CutPrefix(strings.ToLower(strings.TrimSpace(head)), "learn:")
	if !ok {
		return nil, fmt.Errorf("pe: sweep %q: only learn σ sweeps exist (want learn:<from>..<to>/<step>)", elem)
	}
	prefix = strings.TrimPrefix(prefix, "normal:")
	from, rest, _ := strings.Cut(prefix, "..")
	to, step, ok := strings.Cut(rest, "/")
	if !ok {
		return nil, fmt.Errorf("pe: sweep %q: no step (want learn:<from>..<to>/<step>)", elem)
	}
	var xs [3]float64
	for i, v := range []string{from, to, step} {
		x, err := parseNumber("sweep bound", strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("pe: sweep %q: %w (want learn:<from>..<to>/<step>)", elem, err)
		}
		xs[i] = x
	}
	sigmas, err := SigmaRange(xs[0], xs[1], xs[2])
	if err != nil {
		return nil, fmt.Errorf("pe: sweep %q: %w", elem, err)
	}
	out := make([]Spec, 0, len(sigmas))
	for _, sigma := range sigmas {
		str := "learn:normal:" + formatFloat(sigma)
		if opts != "" {
			str += "," + opts
		}
		s, err := Parse(str)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// maxRange bounds the length of a SigmaRange.
const maxRange = 100000

// SigmaRange returns from, from+step, …, up to and including to (within
// 1e-9·step), each rounded to 12 significant digits so that decimal steps
// give decimal values (0.1, 0.2, 0.3, not 0.30000000000000004). It needs
// finite 0 ≤ from ≤ to, step > 0 and at most 100000 values.
func SigmaRange(from, to, step float64) ([]float64, error) {
	if !finite(from) || !finite(to) || !finite(step) || from < 0 || from > to || step <= 0 {
		return nil, fmt.Errorf("pe: SigmaRange(%v, %v, %v): want finite 0 ≤ from ≤ to and step > 0", from, to, step)
	}
	n := math.Floor((to-from)/step+1e-9) + 1
	if n > maxRange {
		return nil, fmt.Errorf("pe: SigmaRange(%v, %v, %v): %v values, more than %d", from, to, step, n, maxRange)
	}
	out := make([]float64, int(n))
	for i := range out {
		x := from + float64(i)*step
		out[i], _ = strconv.ParseFloat(strconv.FormatFloat(x, 'g', 12, 64), 64)
	}
	return out, nil
}
