package sweep

import (
	"fmt"
	"strconv"
	"strings"
)

// tomlDoc is a parsed spec file: table name ("" for the top level) → key →
// value. A value is a string, int64, float64, bool or []any of those.
type tomlDoc map[string]map[string]any

// tomlLines holds the line number of each key of a tomlDoc (table → key →
// line), so that errors found after parsing can still name the line.
type tomlLines = map[string]map[string]int

// parseTOML reads the TOML subset documented at [ParseSpec]: comments,
// [table] headers, key = value lines with bare keys, and values that are
// basic strings, integers, floats, booleans or arrays of those (an array
// may span lines). Anything else is an error naming the line. It also
// returns the line of every key.
func parseTOML(name, src string) (tomlDoc, tomlLines, error) {
	doc := tomlDoc{"": {}}
	lines := tomlLines{"": {}}
	table := ""
	text := strings.Split(src, "\n")
	for i := 0; i < len(text); i++ {
		lineNo := i + 1
		line := strings.TrimSpace(stripComment(text[i]))
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "[") {
			if !strings.HasSuffix(line, "]") || strings.HasPrefix(line, "[[") {
				return nil, nil, fmt.Errorf("sweep: %s line %d: table header %q: want [name]", name, lineNo, line)
			}
			table = strings.TrimSpace(line[1 : len(line)-1])
			if !validKey(table) {
				return nil, nil, fmt.Errorf("sweep: %s line %d: table name %q: want letters, digits, _ or -", name, lineNo, table)
			}
			if _, dup := doc[table]; dup {
				return nil, nil, fmt.Errorf("sweep: %s line %d: table [%s] appears twice", name, lineNo, table)
			}
			doc[table] = map[string]any{}
			lines[table] = map[string]int{}
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if !ok || !validKey(key) {
			return nil, nil, fmt.Errorf("sweep: %s line %d: %q: want key = value with a bare key", name, lineNo, line)
		}
		val = strings.TrimSpace(val)
		// An array may continue on the following lines until its brackets
		// balance.
		for strings.HasPrefix(val, "[") && bracketDepth(val) > 0 && i+1 < len(text) {
			i++
			val += " " + strings.TrimSpace(stripComment(text[i]))
		}
		v, rest, err := parseValue(val)
		if err == nil && strings.TrimSpace(rest) != "" {
			err = fmt.Errorf("unexpected %q after the value", rest)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("sweep: %s line %d: key %q: %w", name, lineNo, key, err)
		}
		if _, dup := doc[table][key]; dup {
			return nil, nil, fmt.Errorf("sweep: %s line %d: key %q set twice", name, lineNo, key)
		}
		doc[table][key] = v
		lines[table][key] = lineNo
	}
	return doc, lines, nil
}

func validKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// stripComment removes a # comment that is not inside a string.
func stripComment(s string) string {
	in := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && in:
			i++
		case s[i] == '"':
			in = !in
		case s[i] == '#' && !in:
			return s[:i]
		}
	}
	return s
}

func bracketDepth(s string) int {
	d, in := 0, false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && in:
			i++
		case s[i] == '"':
			in = !in
		case !in && s[i] == '[':
			d++
		case !in && s[i] == ']':
			d--
		}
	}
	return d
}

// parseValue reads one value from the start of s and returns the rest.
func parseValue(s string) (any, string, error) {
	s = strings.TrimLeft(s, " \t")
	switch {
	case s == "":
		return nil, "", fmt.Errorf("missing value")
	case s[0] == '"':
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			c := s[i]
			switch c {
			case '"':
				return b.String(), s[i+1:], nil
			case '\\':
				if i+1 >= len(s) {
					return nil, "", fmt.Errorf("unterminated string")
				}
				i++
				switch s[i] {
				case '"', '\\':
					b.WriteByte(s[i])
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				default:
					return nil, "", fmt.Errorf(`escape \%c: want \", \\, \n or \t`, s[i])
				}
			default:
				b.WriteByte(c)
			}
		}
		return nil, "", fmt.Errorf("unterminated string")
	case s[0] == '[':
		var out []any
		rest := strings.TrimLeft(s[1:], " \t")
		if strings.HasPrefix(rest, "]") {
			return out, rest[1:], nil
		}
		for {
			if strings.HasPrefix(rest, "[") { // before recursing: no depth to exhaust
				return nil, "", fmt.Errorf("nested arrays are not supported")
			}
			v, r, err := parseValue(rest)
			if err != nil {
				return nil, "", err
			}
			if _, nested := v.([]any); nested {
				return nil, "", fmt.Errorf("nested arrays are not supported")
			}
			out = append(out, v)
			r = strings.TrimLeft(r, " \t")
			switch {
			case strings.HasPrefix(r, ","):
				r = strings.TrimLeft(r[1:], " \t")
				if strings.HasPrefix(r, "]") { // trailing comma
					return out, r[1:], nil
				}
				rest = r
			case strings.HasPrefix(r, "]"):
				return out, r[1:], nil
			default:
				return nil, "", fmt.Errorf("array: want , or ] at %q", r)
			}
		}
	}
	end := strings.IndexAny(s, ",] \t")
	if end < 0 {
		end = len(s)
	}
	tok, rest := s[:end], s[end:]
	switch tok {
	case "true":
		return true, rest, nil
	case "false":
		return false, rest, nil
	}
	clean := strings.ReplaceAll(tok, "_", "")
	if n, err := strconv.ParseInt(clean, 10, 64); err == nil {
		return n, rest, nil
	}
	if f, err := strconv.ParseFloat(clean, 64); err == nil && !strings.ContainsAny(clean, "nN") {
		return f, rest, nil
	}
	return nil, "", fmt.Errorf("value %q: want a \"string\", a number, true/false or an [array]", tok)
}
