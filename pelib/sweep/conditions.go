package sweep

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/pelab/pelab/pelib/pe"
)

// Vocabulary is an experiment's language of condition names:
//
//   - "learn-<σ>": a learned PE initialised Normal(0, σ²);
//   - "learn-<σ>-wd": the same with decoupled weight decay WeightDecay on
//     the PE alone (only when WeightDecay > 0);
//   - an alias (e.g. "2d-fixed" → "sin2d");
//   - any PE spec string (pe.Syntax).
//
// In a list, a name of Lists expands to its conditions (e.g. "paper" to every
// condition of the experiment, "sigmas" to the σ sweep).
//
// Whatever the spelling, a condition is named by its PE's canonical name
// (CanonicalName), which names its cells, records and report rows.
type Vocabulary struct {
	Experiment  string              // names the experiment in errors, e.g. "lst"
	Aliases     map[string]string   // condition name → PE spec
	Lists       map[string][]string // list name → condition names
	WeightDecay float64             // PE weight decay of "learn-<σ>-wd"; 0: no such conditions
	// First are the conditions that tables and figures list first (the
	// experiment's ground-truth references, e.g. 2d-fixed); see
	// CompareConditions.
	First []string
}

// SigmaNames returns "learn-<σ>" for each σ.
func SigmaNames(sigmas []float64) []string {
	names := make([]string, len(sigmas))
	for i, s := range sigmas {
		names[i] = "learn-" + strconv.FormatFloat(s, 'g', -1, 64)
	}
	return names
}

// SigmaOf is the inverse of SigmaNames: the σ of a "learn-<σ>" condition
// name, and false for any other name ("learn-<σ>-wd" included).
func SigmaOf(name string) (float64, bool) {
	rest, ok := strings.CutPrefix(name, "learn-")
	if !ok {
		return 0, false
	}
	s, err := strconv.ParseFloat(rest, 64)
	return s, err == nil
}

// FamilyOf returns the PE family and σ of a "<family>-<σ>" condition name
// of a trainable PE initialised Normal(0, σ²) — family learn (SigmaOf),
// coordlin, coordmlp or dpb — and false for any other name.
func FamilyOf(name string) (family string, sigma float64, ok bool) {
	for _, k := range []pe.Kind{pe.Learned, pe.CoordLin, pe.CoordMLP, pe.DPB} {
		rest, found := strings.CutPrefix(name, string(k)+"-")
		if !found {
			continue
		}
		s, err := strconv.ParseFloat(rest, 64)
		if err != nil {
			return "", 0, false
		}
		return string(k), s, true
	}
	return "", 0, false
}

func (v Vocabulary) aliasNames() []string {
	names := make([]string, 0, len(v.Aliases))
	for n := range v.Aliases {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Condition returns the condition called name, named by its canonical
// name (CanonicalName): every spelling of one PE — case ("LEARN-0.1"),
// trailing zeros ("learn-0.10"), the ':' form ("learn:0.1",
// "learn:normal:0.1"), an alias ("nope" for none) — gives one Condition,
// and so one cell ID and one report row.
func (v Vocabulary) Condition(name string) (Condition, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	spec, err := v.spec(name)
	if err != nil {
		return Condition{}, err
	}
	return Condition{Name: v.CanonicalName(spec), PE: spec}, nil
}

// spec returns the PE of the condition called name (lower case, trimmed).
func (v Vocabulary) spec(name string) (pe.Spec, error) {
	if rest, ok := strings.CutPrefix(name, "learn-"); ok && !strings.Contains(rest, ",") {
		wd := false
		if r, ok := strings.CutSuffix(rest, "-wd"); ok && v.WeightDecay > 0 {
			rest, wd = r, true
		}
		s, err := strconv.ParseFloat(rest, 64)
		if err != nil || !(s > 0) || math.IsInf(s, 0) {
			return pe.Spec{}, fmt.Errorf("%s: condition %q: want learn-<σ> with σ > 0, e.g. learn-0.2", v.Experiment, name)
		}
		spec := pe.Spec{Kind: pe.Learned, Init: pe.Normal, Sigma: s}
		if wd {
			spec.WeightDecay = v.WeightDecay
		}
		spec = spec.Normalize()
		if err := spec.Validate(); err != nil {
			return pe.Spec{}, fmt.Errorf("%s: condition %q: %w", v.Experiment, name, err)
		}
		return spec, nil
	}
	specStr := name
	if a, ok := v.Aliases[name]; ok {
		specStr = a
	}
	spec, err := pe.Parse(specStr)
	if err != nil {
		learn := "learn-<σ>"
		if v.WeightDecay > 0 {
			learn += ", learn-<σ>-wd"
		}
		return pe.Spec{}, fmt.Errorf("%s: condition %q is neither a condition of the experiment (%s, %s) nor a PE spec: %w",
			v.Experiment, name, learn, strings.Join(v.aliasNames(), ", "), err)
	}
	return spec, nil
}

// CanonicalName is the one name of the PE s in this vocabulary, the name
// of its cells, records and report rows:
//
//   - a learned PE initialised Normal(0, σ²), σ > 0, with no other option:
//     "learn-<σ>", σ in the shortest decimal form that reads back to it
//     (SigmaNames: "learn-0.1", "learn-2");
//   - the same with the vocabulary's PE weight decay: "learn-<σ>-wd";
//   - a coordinate-function PE initialised Normal(0, σ²), σ > 0, with no
//     other option: "<kind>-<σ>" ("coordlin-0.1", "coordmlp-2", "dpb-0.5");
//   - else the alias that gives s: an alias naming its own spec ("none":
//     "none", "shaw": "shaw") before the others, then the first in byte
//     order ("2d-fixed" for sin2d in lst);
//   - else s.String(), the PE's canonical spec ("learn:xavier",
//     "shaw:normal:1,causal").
//
// Two specs with the same String() have the same name.
func (v Vocabulary) CanonicalName(s pe.Spec) string {
	key := s.String()
	if s.Kind == pe.Learned && s.Init == pe.Normal && s.Sigma > 0 && !math.IsInf(s.Sigma, 0) {
		plain := pe.Spec{Kind: pe.Learned, Init: pe.Normal, Sigma: s.Sigma}
		name := SigmaNames([]float64{s.Sigma})[0]
		if plain.String() == key {
			return name
		}
		if v.WeightDecay > 0 {
			plain.WeightDecay = v.WeightDecay
			if plain.String() == key {
				return name + "-wd"
			}
		}
	}
	for _, k := range []pe.Kind{pe.CoordLin, pe.CoordMLP, pe.DPB} {
		if s.Kind == k && s.Init == pe.Normal && s.Sigma > 0 && !math.IsInf(s.Sigma, 0) {
			if plain := (pe.Spec{Kind: k, Init: pe.Normal, Sigma: s.Sigma}); plain.String() == key {
				return string(k) + "-" + strconv.FormatFloat(s.Sigma, 'g', -1, 64)
			}
		}
	}
	best, bestSelf := "", false
	for _, a := range v.aliasNames() { // byte order
		spec, err := pe.Parse(v.Aliases[a])
		if err != nil || spec.String() != key {
			continue
		}
		self := strings.EqualFold(a, strings.TrimSpace(v.Aliases[a]))
		if best == "" || (self && !bestSelf) {
			best, bestSelf = a, self
		}
	}
	if best != "" {
		return best
	}
	return key
}

// Canonical returns the canonical name (CanonicalName) of the condition
// called name, or name itself when it names no PE of the vocabulary (a
// record of another experiment, say). Reports use it to read records
// written under other spellings ("learn-0.10", "LEARN-0.1", "learn:0.1")
// as one condition.
func (v Vocabulary) Canonical(name string) string {
	c, err := v.Condition(name)
	if err != nil {
		return name
	}
	return c.Name
}

// Parse reads a list of conditions separated by commas or semicolons. A
// comma followed by a PE spec option (causal, wd=…, maxdist=…; see
// pe.SplitList) belongs to the spec before it, so "learn-0.1,shaw,causal"
// is two conditions, learn-0.1 and shaw,causal; a semicolon always
// separates. Empty items are skipped. Two items that give the same PE (after
// normalisation, e.g. learn-0.1 and learn-0.10, or relative and
// shaw,causal) are an error naming both, since they would train the same
// model twice.
func (v Vocabulary) Parse(list string) ([]Condition, error) {
	var out []Condition
	origin := map[string]string{} // PE spec → how the list named it
	for i, f := range pe.SplitList(list) {
		if f == "" {
			continue
		}
		names, from := []string{f}, ""
		if l, ok := v.Lists[f]; ok {
			names, from = l, fmt.Sprintf(" (from list %q)", f)
		}
		for _, n := range names {
			c, err := v.Condition(n)
			if err != nil {
				return nil, fmt.Errorf("item %d: %w", i+1, err)
			}
			here := fmt.Sprintf("%q%s at item %d", n, from, i+1)
			key := c.PE.String()
			if prev, dup := origin[key]; dup {
				return nil, fmt.Errorf("%s: conditions %s and %s are the same PE, %s: give it once", v.Experiment, prev, here, key)
			}
			origin[key] = here
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: empty condition list %q", v.Experiment, list)
	}
	return out, nil
}
