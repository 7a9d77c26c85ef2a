package sweep

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// MaxSpecBytes is the largest spec file ParseSpec reads (1 MiB; a spec is
// a few hundred bytes).
const MaxSpecBytes = 1 << 20

// MaxSpecDepth is the deepest nesting of arrays and inline tables that
// ParseSpec hands to the TOML decoder (a spec's values are flat: depth 1,
// and 2 for a table header [[x]]); deeper nesting is refused by
// checkNesting first, as the decoder's time and memory grow with it (a
// 40 KB file of depth 10,000 took 4 GB and 30 s).
const MaxSpecDepth = 16

// tomlDoc is a parsed spec file: table name ("" for the top level) → key →
// value. A value is a string, int64, float64, bool or []any of those.
type tomlDoc map[string]map[string]any

// tomlLines holds the line number of each key of a tomlDoc (table → key →
// line), so that errors found after parsing can still name the line.
type tomlLines = map[string]map[string]int

// specFile is the shape of a spec file for the TOML decoder: every key it
// knows. Values stay untyped so that getter can name the key, line and
// expectation of a value of the wrong type; keys that are not here are
// rejected through toml.MetaData.Undecoded.
type specFile struct {
	Experiment any `toml:"experiment"`
	Protocol   any `toml:"protocol"`
	Conditions any `toml:"conditions"`
	Sigmas     any `toml:"sigmas"`
	Seeds      any `toml:"seeds"`
	Out        any `toml:"out"`
	Grid       struct {
		Width     any `toml:"width"`
		Blocks    any `toml:"blocks"`
		MaskRatio any `toml:"mask_ratio"`
	} `toml:"grid"`
	Overrides struct {
		Epochs    any `toml:"epochs"`
		EvalEvery any `toml:"eval_every"`
		LR        any `toml:"lr"`
		K         any `toml:"k"`
		MaxM      any `toml:"max_m"`
		Matmul    any `toml:"matmul"`
		LastBatch any `toml:"last_batch"`
	} `toml:"overrides"`
	Task map[string]any `toml:"task"`
}

// specTables and specKeys are the tables and keys of specFile, for error
// messages.
var specTables = []string{"grid", "overrides", "task"}

var specKeys = map[string][]string{
	"":          {"experiment", "protocol", "conditions", "sigmas", "seeds", "out"},
	"grid":      {"width", "blocks", "mask_ratio"},
	"overrides": {"epochs", "eval_every", "lr", "k", "max_m", "matmul", "last_batch"},
}

// parseTOML parses src with github.com/BurntSushi/toml into the tables and
// keys of specFile and returns the document with the line of every key.
// Syntax errors, unknown tables and keys, nested arrays and inline tables
// are errors "sweep: <name> line <n>: …" (or "sweep: <name>: …" where the
// decoder gives no line).
func parseTOML(name, src string) (tomlDoc, tomlLines, error) {
	if len(src) > MaxSpecBytes {
		return nil, nil, fmt.Errorf("sweep: %s: %d bytes, larger than %d (MaxSpecBytes): not a spec file", name, len(src), MaxSpecBytes)
	}
	if err := checkNesting(name, src); err != nil {
		return nil, nil, err
	}
	var f specFile
	md, err := toml.Decode(src, &f)
	if err != nil {
		return nil, nil, tomlError(name, err)
	}
	lines := keyLines(src)
	if und := md.Undecoded(); len(und) > 0 {
		k := und[0]
		if len(k) == 1 && md.Type(k[0]) == "Hash" {
			return nil, nil, fmt.Errorf("sweep: %s: unknown table [%s] (want %s)", name, k[0], strings.Join(specTables, ", "))
		}
		table, key := "", k[0]
		if len(k) > 1 {
			table, key = k[0], k[1]
		} else {
			k = append(toml.Key{""}, k...)
		}
		if table != "" && !isSpecTable(table) {
			return nil, nil, fmt.Errorf("sweep: %s: unknown table [%s] (want %s)", name, table, strings.Join(specTables, ", "))
		}
		if table == "task" { // a table inside [task]: its keys are the experiment's, its values flat
			return nil, nil, (&Spec{File: name, Lines: lines}).Errorf(table, key, "key %q: nested tables are not supported", key)
		}
		where := "top level"
		if table != "" {
			where = "table"
		}
		return nil, nil, (&Spec{File: name, Lines: lines}).Errorf(table, key, "unknown key %q at the %s (want one of %s)",
			strings.Join(k[1:], "."), where, strings.Join(specKeys[table], ", "))
	}
	doc := tomlDoc{"": {}}
	set := func(table, key string, v any) {
		if v == nil {
			return
		}
		if doc[table] == nil {
			doc[table] = map[string]any{}
		}
		doc[table][key] = v
	}
	set("", "experiment", f.Experiment)
	set("", "protocol", f.Protocol)
	set("", "conditions", f.Conditions)
	set("", "sigmas", f.Sigmas)
	set("", "seeds", f.Seeds)
	set("", "out", f.Out)
	set("grid", "width", f.Grid.Width)
	set("grid", "blocks", f.Grid.Blocks)
	set("grid", "mask_ratio", f.Grid.MaskRatio)
	set("overrides", "epochs", f.Overrides.Epochs)
	set("overrides", "eval_every", f.Overrides.EvalEvery)
	set("overrides", "lr", f.Overrides.LR)
	set("overrides", "k", f.Overrides.K)
	set("overrides", "max_m", f.Overrides.MaxM)
	set("overrides", "matmul", f.Overrides.Matmul)
	set("overrides", "last_batch", f.Overrides.LastBatch)
	if f.Task != nil || md.IsDefined("task") {
		doc["task"] = map[string]any{}
		for k, v := range f.Task {
			set("task", k, v)
		}
	}
	// Values are scalars or flat arrays of scalars.
	tables := make([]string, 0, len(doc))
	for t := range doc {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	for _, t := range tables {
		keys := make([]string, 0, len(doc[t]))
		for k := range doc[t] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if msg := flatValue(doc[t][k]); msg != "" {
				return nil, nil, (&Spec{File: name, Lines: lines}).Errorf(t, k, "key %q: %s", k, msg)
			}
		}
	}
	return doc, lines, nil
}

// checkNesting scans src as TOML's lexer would, cheaply (one pass, no
// allocation), and refuses nesting of arrays and inline tables ('[', '{')
// deeper than MaxSpecDepth with an error naming the line where the limit
// is passed. Brackets in strings ("…", '…', """…""", ”'…”') and
// comments do not count; a document that is not valid TOML otherwise is
// left to the decoder.
func checkNesting(name, src string) error {
	depth, line := 0, 1
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '\n':
			line++
		case '#':
			for i+1 < len(src) && src[i+1] != '\n' {
				i++
			}
		case '"', '\'':
			if strings.HasPrefix(src[i:], strings.Repeat(string(c), 3)) { // multi-line string
				end := strings.Index(src[i+3:], strings.Repeat(string(c), 3))
				if end < 0 {
					return nil // unterminated: the decoder says so
				}
				line += strings.Count(src[i:i+3+end], "\n")
				i += 3 + end + 2
				for i+1 < len(src) && src[i+1] == c { // """"" ends with quotes inside
					i++
				}
				continue
			}
			// A one-line string ends at its quote, or at the end of the line
			// (an error left to the decoder); in "…", \ escapes the next byte.
			for i++; i < len(src) && src[i] != c && src[i] != '\n'; i++ {
				if c == '"' && src[i] == '\\' && i+1 < len(src) && src[i+1] != '\n' {
					i++
				}
			}
			if i < len(src) && src[i] == '\n' {
				line++
			}
		case '[', '{':
			if depth++; depth > MaxSpecDepth {
				return fmt.Errorf("sweep: %s line %d: nesting deeper than %d arrays or inline tables (a spec's values are flat)", name, line, MaxSpecDepth)
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return nil
}

// flatValue says what is wrong with a value that is not a string, number,
// boolean or flat array of those ("" when nothing is).
func flatValue(v any) string {
	switch v := v.(type) {
	case string, int64, float64, bool:
		return ""
	case []any:
		for _, x := range v {
			switch x.(type) {
			case []any:
				return "nested arrays are not supported"
			case string, int64, float64, bool:
			default:
				return fmt.Sprintf("array item %v: want a \"string\", a number or true/false", x)
			}
		}
		return ""
	case map[string]any:
		return "nested tables are not supported"
	}
	return fmt.Sprintf("value %v: want a \"string\", a number, true/false or an [array]", v)
}

func isSpecTable(t string) bool {
	for _, s := range specTables {
		if s == t {
			return true
		}
	}
	return false
}

var (
	alreadyDefined = regexp.MustCompile(`^Key '(.*)' has already been defined\.$`)
	outOfRange     = regexp.MustCompile(`^(\S+) is out of range for (\S+)$`)
)

// tomlError rewrites a decoder error as "sweep: <name> line <n>: …".
func tomlError(name string, err error) error {
	var pe toml.ParseError
	if !errors.As(err, &pe) || pe.Position.Line < 1 {
		return fmt.Errorf("sweep: %s: %v", name, strings.TrimPrefix(err.Error(), "toml: "))
	}
	msg := pe.Message
	if i := strings.LastIndex(pe.LastKey, "."); i >= 0 {
		pe.LastKey = pe.LastKey[i+1:] // the key within its table
	}
	if m := alreadyDefined.FindStringSubmatch(msg); m != nil {
		msg = fmt.Sprintf("key %q set twice", m[1])
	} else if m := outOfRange.FindStringSubmatch(msg); m != nil && pe.LastKey != "" {
		msg = fmt.Sprintf("key %q: value %q is out of range for %s", pe.LastKey, m[1], m[2])
	} else if pe.LastKey != "" {
		msg = fmt.Sprintf("key %q: %s", pe.LastKey, msg)
	}
	return fmt.Errorf("sweep: %s line %d: %s", name, pe.Position.Line, msg)
}

var (
	headerLine = regexp.MustCompile(`^\s*\[\s*([A-Za-z0-9_-]+)\s*\]\s*(#.*)?$`)
	keyLine    = regexp.MustCompile(`^\s*"?([A-Za-z0-9_-]+)"?\s*=`)
)

// keyLines finds the line of each key of a spec file that the decoder has
// accepted: table → key → line (1-based). Keys it cannot place (dotted
// keys, say) are left out; errors about them name the file only.
func keyLines(src string) tomlLines {
	lines := tomlLines{"": {}}
	table := ""
	for i, l := range strings.Split(src, "\n") {
		if m := headerLine.FindStringSubmatch(l); m != nil {
			table = m[1]
			if lines[table] == nil {
				lines[table] = map[string]int{}
			}
			continue
		}
		if m := keyLine.FindStringSubmatch(l); m != nil {
			if _, dup := lines[table][m[1]]; !dup {
				lines[table][m[1]] = i + 1
			}
		}
	}
	return lines
}
