// Package results holds the one results format every pelab experiment uses:
// a Record per trained model, a directory Store of records written
// atomically, JSON-lines and CSV export, and per-condition summaries.
//
// Design choices:
//
//   - One record per model, one file per record (<Dir>/<ID>.json). Shards of a
//     sweep running as separate processes, on one machine or on a shared
//     filesystem, write disjoint files and never need a lock. Each write goes
//     to a temporary file in the same directory, is synced, then renamed over
//     the final name, so a reader sees either the old record, the new one, or
//     none; never a mixture.
//   - A record's ID is derived from its full configuration (ConfigID: SHA-256
//     of canonical JSON), so a sweep can skip the cells already done and redo
//     the rest after a crash.
//   - Every record knows its inputs. An experiment that reads files (lst's
//     CSVs, fmri's subject series, partition and atlas, pelab tokens'
//     coordinates, names, partition and recordings) hashes each once when
//     it makes its task (HashFiles: SHA-256 of each file's bytes, by a
//     name relative to the data set, never an absolute path), and the
//     record config holds InputsKey: {"files": n, "sha256": Digest()},
//     Digest being the SHA-256 of the lines "<name>\t<file SHA-256>\n" in
//     name order. ConfigID therefore depends on every input byte: a changed
//     input file is a new cell, never the old one's record. Records written
//     before input hashes, and records of experiments that read no files
//     (netsim simulates its data; its config fixes it), have no such key:
//     InputDigest reports them as unknown, and they are read and reported
//     as before (pelab report says their data are unchecked and flags
//     records of one condition with different digests).
//   - Every record file embeds the SHA-256 of its record. A truncated,
//     hand-edited or otherwise damaged file is reported as a *CorruptError,
//     never silently used.
//   - Status is "ok", "diverged" (stopped on a NaN/Inf loss, gradient or
//     parameter: a result) or "failed" (could not be trained or analysed);
//     Error says why for the latter two, e.g. "analysis: …" or "setting up
//     training: …". Summaries leave both out of their statistics and count
//     them (Summary.Diverged, Summary.Failed; StatusMarkdown lists the
//     reasons). These are the record format's only statuses since its
//     first version.
//   - Metrics may be NaN or ±Inf (a diverged model's loss); JSON has no such
//     numbers, so they are written as the strings "NaN", "+Inf" and "-Inf".
//     Sweep coordinates (Params), epochs and wall times must be finite.
//   - Summaries use the sample standard deviation (n−1) and a Student-t 95 %
//     confidence interval of the mean; statistics that are undefined (an SD
//     of one value) are left out rather than reported as NaN.
package results

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Record status values.
const (
	StatusOK       = "ok"       // trained to the end of its protocol
	StatusDiverged = "diverged" // stopped on a NaN/Inf loss or parameter
	StatusFailed   = "failed"   // stopped on an error; see Record.Error
)

// Point is one evaluation along a model's training: the optimiser step, the
// (possibly fractional) epoch, and the metrics measured there.
type Point struct {
	Step    int
	Epoch   float64
	Metrics map[string]float64
}

// Record is the result of training one model.
type Record struct {
	ID         string // stable id derived from the full config (ConfigID)
	Experiment string // "lst", "netsim", "fmri", "tutorial", ...
	// Protocol is the training protocol, e.g. "quick". Records written
	// before it was a field carry it in Config only; reading one fills it
	// from there.
	Protocol string
	// Coords are the tokens' true positions, [S][c] (the geometry a PE is
	// compared with). Records written before it was a field carry it in
	// Config only (model.Layout.Coords); reading one fills it from there.
	Coords    [][]float64
	Condition string             // e.g. "learn:normal:0.2", the PE spec or condition label
	Seed      int64              // the model's seed
	Params    map[string]float64 // numeric sweep coordinates, e.g. {"sigma": 0.2}
	Config    json.RawMessage    // the full config (model, optimiser, protocol, task), canonical JSON
	History   []Point            // metrics along training, in step order
	Final     map[string]float64 // final metrics, e.g. "val_acc", "test_acc", "train_acc"
	Status    string             // StatusOK, StatusDiverged or StatusFailed
	Error     string             // why the run diverged or failed
	Backend   string             // compute backend, e.g. "onnx:cpu", "xla:cuda"
	Device    string             // device description
	Version   string             // pelab version that produced the record
	// WallSeconds is the wall time spent on this model. Models trained
	// together on the model axis may each report the whole batch's time.
	WallSeconds       float64
	Started, Finished time.Time
}

// maxIDLen bounds an ID so that <ID>.json and its temporary file names stay
// well inside the 255-byte file name limit of common filesystems.
const maxIDLen = 128

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// ValidID reports whether id can name a record: 1 to 128 characters from
// [A-Za-z0-9_-], starting with a letter or digit. The ids from ConfigID are
// valid.
func ValidID(id string) bool {
	return len(id) <= maxIDLen && idPattern.MatchString(id)
}

// Validate checks that r can be stored and read back unchanged: a valid ID,
// a non-empty Experiment, a known Status, finite Params, epochs and wall time,
// non-empty metric names, start and finish times that JSON can hold (years
// 0 to 9999, zone offsets under 24 h) and, where set, a Config that is valid
// JSON.
func (r Record) Validate() error {
	if !ValidID(r.ID) {
		return fmt.Errorf("results: record id %q: want 1 to %d characters from [A-Za-z0-9_-], starting with a letter or digit", r.ID, maxIDLen)
	}
	if r.Experiment == "" {
		return fmt.Errorf("results: record %s: empty experiment", r.ID)
	}
	switch r.Status {
	case StatusOK, StatusDiverged, StatusFailed:
	default:
		return fmt.Errorf("results: record %s: status %q: want %q, %q or %q", r.ID, r.Status, StatusOK, StatusDiverged, StatusFailed)
	}
	for k, v := range r.Params {
		if k == "" {
			return fmt.Errorf("results: record %s: empty parameter name", r.ID)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("results: record %s: parameter %q = %v: want a finite number", r.ID, k, v)
		}
	}
	if math.IsNaN(r.WallSeconds) || math.IsInf(r.WallSeconds, 0) || r.WallSeconds < 0 {
		return fmt.Errorf("results: record %s: wall time %v s: want a finite number ≥ 0", r.ID, r.WallSeconds)
	}
	if len(r.Config) > 0 && !json.Valid(r.Config) {
		return fmt.Errorf("results: record %s: config is not valid JSON", r.ID)
	}
	for i, p := range r.History {
		if math.IsNaN(p.Epoch) || math.IsInf(p.Epoch, 0) {
			return fmt.Errorf("results: record %s: history point %d: epoch %v: want a finite number", r.ID, i, p.Epoch)
		}
		if _, ok := p.Metrics[""]; ok {
			return fmt.Errorf("results: record %s: history point %d: empty metric name", r.ID, i)
		}
	}
	if _, ok := r.Final[""]; ok {
		return fmt.Errorf("results: record %s: empty final metric name", r.ID)
	}
	// RFC 3339 reads zone offsets up to ±99:59 that it cannot write back.
	for _, tm := range []struct {
		name string
		t    time.Time
	}{{"started", r.Started}, {"finished", r.Finished}} {
		if _, err := tm.t.MarshalJSON(); err != nil {
			return fmt.Errorf("results: record %s: %s time %v: %w", r.ID, tm.name, tm.t, err)
		}
	}
	return nil
}

// Compare orders records by (Experiment, Condition, Params, Seed, ID).
// Params compare as their key-sorted (name, value) lists, lexicographically.
// It returns -1, 0 or +1, for use with slices.SortFunc.
func Compare(a, b Record) int {
	if c := strings.Compare(a.Experiment, b.Experiment); c != 0 {
		return c
	}
	if c := strings.Compare(a.Condition, b.Condition); c != 0 {
		return c
	}
	if c := compareParams(a.Params, b.Params); c != 0 {
		return c
	}
	if a.Seed != b.Seed {
		if a.Seed < b.Seed {
			return -1
		}
		return 1
	}
	return strings.Compare(a.ID, b.ID)
}

// Sort sorts rs in place in the order of Compare.
func Sort(rs []Record) { slices.SortStableFunc(rs, Compare) }

func compareParams(a, b map[string]float64) int {
	ka, kb := sortedKeys(a), sortedKeys(b)
	for i := 0; i < len(ka) && i < len(kb); i++ {
		if c := strings.Compare(ka[i], kb[i]); c != 0 {
			return c
		}
		va, vb := a[ka[i]], b[kb[i]]
		if va < vb {
			return -1
		}
		if va > vb {
			return 1
		}
	}
	return cmp.Compare(len(ka), len(kb))
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// metricMap is a map of metrics whose JSON form writes NaN and ±Inf as the
// strings "NaN", "+Inf" and "-Inf".
type metricMap map[string]float64

// MarshalJSON writes m with sorted keys.
func (m metricMap) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		buf.Write(kb)
		buf.WriteByte(':')
		buf.WriteString(formatJSONFloat(m[k]))
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON reads numbers and the strings "NaN", "+Inf", "Inf", "-Inf".
func (m *metricMap) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == nil {
		*m = nil
		return nil
	}
	out := make(metricMap, len(raw))
	for k, v := range raw {
		f, err := parseJSONFloat(v)
		if err != nil {
			return fmt.Errorf("metric %q: %w", k, err)
		}
		out[k] = f
	}
	*m = out
	return nil
}

func formatJSONFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return `"NaN"`
	case math.IsInf(v, 1):
		return `"+Inf"`
	case math.IsInf(v, -1):
		return `"-Inf"`
	}
	b, _ := json.Marshal(v) // cannot fail for a finite float
	return string(b)
}

func parseJSONFloat(b []byte) (float64, error) {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return 0, err
		}
		switch s {
		case "NaN":
			return math.NaN(), nil
		case "+Inf", "Inf":
			return math.Inf(1), nil
		case "-Inf":
			return math.Inf(-1), nil
		}
		return 0, fmt.Errorf("value %q: want a number, \"NaN\", \"+Inf\" or \"-Inf\"", s)
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return 0, fmt.Errorf("value %s: want a number: %w", b, err)
	}
	return f, nil
}

type pointJSON struct {
	Step    int       `json:"step"`
	Epoch   float64   `json:"epoch"`
	Metrics metricMap `json:"metrics,omitempty"`
}

// MarshalJSON writes p as {"step":…, "epoch":…, "metrics":{…}}, with
// non-finite metrics as strings.
func (p Point) MarshalJSON() ([]byte, error) {
	return json.Marshal(pointJSON{p.Step, p.Epoch, p.Metrics})
}

// UnmarshalJSON reads the form written by MarshalJSON.
func (p *Point) UnmarshalJSON(b []byte) error {
	var j pointJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*p = Point{Step: j.Step, Epoch: j.Epoch, Metrics: j.Metrics}
	return nil
}

type recordJSON struct {
	ID          string             `json:"id"`
	Experiment  string             `json:"experiment"`
	Protocol    string             `json:"protocol,omitempty"`
	Coords      [][]float64        `json:"coords,omitempty"`
	Condition   string             `json:"condition"`
	Seed        int64              `json:"seed"`
	Params      map[string]float64 `json:"params,omitempty"`
	Config      json.RawMessage    `json:"config,omitempty"`
	History     []Point            `json:"history,omitempty"`
	Final       metricMap          `json:"final,omitempty"`
	Status      string             `json:"status"`
	Error       string             `json:"error,omitempty"`
	Backend     string             `json:"backend,omitempty"`
	Device      string             `json:"device,omitempty"`
	Version     string             `json:"version,omitempty"`
	WallSeconds float64            `json:"wall_s"`
	Started     time.Time          `json:"started,omitzero"`
	Finished    time.Time          `json:"finished,omitzero"`
}

// MarshalJSON writes r as one JSON object with snake_case keys; see the
// package documentation for how non-finite metrics are written. Empty maps
// and slices are left out, so they read back as nil.
func (r Record) MarshalJSON() ([]byte, error) {
	return json.Marshal(recordJSON{
		ID: r.ID, Experiment: r.Experiment, Protocol: r.Protocol, Coords: r.Coords, Condition: r.Condition, Seed: r.Seed,
		Params: r.Params, Config: r.Config, History: r.History, Final: r.Final,
		Status: r.Status, Error: r.Error, Backend: r.Backend, Device: r.Device,
		Version: r.Version, WallSeconds: r.WallSeconds, Started: r.Started, Finished: r.Finished,
	})
}

// UnmarshalJSON reads the form written by MarshalJSON. Config is compacted,
// and a JSON null config reads as nil.
func (r *Record) UnmarshalJSON(b []byte) error {
	var j recordJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	var cfg json.RawMessage
	if len(j.Config) > 0 && string(j.Config) != "null" {
		var buf bytes.Buffer
		if err := json.Compact(&buf, j.Config); err != nil {
			return fmt.Errorf("config: %w", err)
		}
		cfg = buf.Bytes()
	}
	if j.Protocol == "" && len(cfg) > 0 {
		j.Protocol = configProtocol(cfg)
	}
	if j.Coords == nil && len(cfg) > 0 {
		j.Coords = configCoords(cfg)
	}
	*r = Record{
		ID: j.ID, Experiment: j.Experiment, Protocol: j.Protocol, Coords: j.Coords, Condition: j.Condition, Seed: j.Seed,
		Params: j.Params, Config: cfg, History: j.History, Final: j.Final,
		Status: j.Status, Error: j.Error, Backend: j.Backend, Device: j.Device,
		Version: j.Version, WallSeconds: j.WallSeconds, Started: j.Started, Finished: j.Finished,
	}
	return nil
}

// configProtocol is the "protocol" of a record's config ("" when it has
// none): the fallback for records written before Record.Protocol.
func configProtocol(cfg json.RawMessage) string {
	var m struct {
		Protocol string `json:"protocol"`
	}
	if json.Unmarshal(cfg, &m) != nil {
		return ""
	}
	return m.Protocol
}

// configCoords is the model.Layout.Coords of a record's config (nil when it
// has none): the fallback for records written before Record.Coords.
func configCoords(cfg json.RawMessage) [][]float64 {
	var m struct {
		Model struct {
			Layout struct {
				Coords [][]float64
			}
		} `json:"model"`
	}
	if json.Unmarshal(cfg, &m) != nil {
		return nil
	}
	return m.Model.Layout.Coords
}

// ProtocolName is r.Protocol, or for a record built without it, the
// protocol of its config.
func (r Record) ProtocolName() string {
	if r.Protocol != "" {
		return r.Protocol
	}
	return configProtocol(r.Config)
}

// Select returns the records of experiment and protocol ("" matches any
// protocol), in their order: the one way reports pick records.
func Select(recs []Record, experiment, protocol string) []Record {
	var out []Record
	for _, r := range recs {
		if r.Experiment == experiment && (protocol == "" || r.ProtocolName() == protocol) {
			out = append(out, r)
		}
	}
	return out
}

// formatFloat writes v in the shortest form that reads back exactly, with
// "NaN", "+Inf" and "-Inf" for the non-finite values.
func formatFloat(v float64) string {
	if math.IsInf(v, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
