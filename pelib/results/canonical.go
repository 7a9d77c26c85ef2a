package results

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Canonical returns the canonical JSON form of v: v is encoded with
// encoding/json (so struct tags and MarshalJSON methods apply), then rewritten
// with
//   - object keys sorted by their UTF-8 bytes, at every depth;
//   - no insignificant whitespace, and no HTML escaping of <, > and &;
//   - integers (numbers written without '.', 'e' or 'E') exact, in plain
//     decimal form;
//   - other numbers rounded to float64 and written in the shortest form that
//     reads back to the same float64: as an integer when the value is
//     integral and below 1e21 in magnitude (so 2, 2.0 and 2e0 agree), else
//     as strconv's 'g' format.
//
// Two values that encode to the same JSON data, whatever their field order,
// map order or number spelling, have the same canonical form. v may itself be
// JSON ([]byte is not: use json.RawMessage). NaN and ±Inf cannot be encoded
// and give an error.
func Canonical(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("results: canonical JSON: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, fmt.Errorf("results: canonical JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("results: canonical JSON: trailing data after the value")
	}
	var buf bytes.Buffer
	if err := writeCanonical(&buf, tree); err != nil {
		return nil, fmt.Errorf("results: canonical JSON: %w", err)
	}
	return buf.Bytes(), nil
}

// ConfigID returns the first 16 hexadecimal digits (64 bits) of the SHA-256
// of Canonical(v): a stable id for a configuration. ConfigID of a struct and
// ConfigID of its canonical JSON (as json.RawMessage) agree.
func ConfigID(v any) (string, error) {
	c, err := Canonical(v)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(c)
	return hex.EncodeToString(sum[:8]), nil
}

func writeCanonical(buf *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		buf.WriteString(strconv.FormatBool(v))
	case string:
		writeString(buf, v)
	case json.Number:
		s, err := canonicalNumber(string(v))
		if err != nil {
			return err
		}
		buf.WriteString(s)
	case []any:
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeCanonical(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case map[string]any:
		buf.WriteByte('{')
		for i, k := range sortedKeys(v) {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k)
			buf.WriteByte(':')
			if err := writeCanonical(buf, v[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	default:
		return fmt.Errorf("unexpected JSON value of type %T", v)
	}
	return nil
}

func writeString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)           // a string always encodes
	buf.Truncate(buf.Len() - 1) // Encode appends a newline
}

func canonicalNumber(s string) (string, error) {
	if !strings.ContainsAny(s, ".eE") {
		n, ok := new(big.Int).SetString(s, 10)
		if !ok {
			return "", fmt.Errorf("bad integer %q", s)
		}
		return n.String(), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return "", fmt.Errorf("number %q: %w", s, err)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		if f == 0 {
			return "0", nil // also -0
		}
		return strconv.FormatFloat(f, 'f', -1, 64), nil
	}
	return strconv.FormatFloat(f, 'g', -1, 64), nil
}
