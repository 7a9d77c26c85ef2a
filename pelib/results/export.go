package results

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
)

// WriteJSONL writes rs to path atomically as JSON lines: one record per line,
// in the given order, in the form of Record.MarshalJSON. Every record must be
// valid (Record.Validate).
func WriteJSONL(path string, rs []Record) error {
	for i, r := range rs {
		if err := r.Validate(); err != nil {
			return fmt.Errorf("results: write %s: record %d: %w", path, i, err)
		}
	}
	return writeFileAtomic(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		for _, r := range rs {
			b, err := json.Marshal(r)
			if err != nil {
				return fmt.Errorf("record %s: %w", r.ID, err)
			}
			bw.Write(b)
			bw.WriteByte('\n')
		}
		return bw.Flush()
	})
}

// ReadJSONL reads records written by WriteJSONL, in file order. Blank lines
// are skipped. A line that is not one valid record is an error naming the
// file and the line.
func ReadJSONL(path string) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var rs []Record
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("results: %s line %d: %w", path, line, err)
		}
		if t := bytes.TrimSpace(b); len(t) > 0 {
			var r Record
			if uerr := json.Unmarshal(t, &r); uerr != nil {
				return nil, fmt.Errorf("results: %s line %d: want one JSON record: %w", path, line, uerr)
			}
			if verr := r.Validate(); verr != nil {
				return nil, fmt.Errorf("results: %s line %d: %w", path, line, verr)
			}
			rs = append(rs, r)
		}
		if errors.Is(err, io.EOF) {
			return rs, nil
		}
	}
}

// WriteCSV writes rs to path atomically as CSV, one row per record, in the
// given order, with the columns
//
//	id, experiment, condition, seed, params.<name>…, final.<name>…, status, backend, wall_s
//
// where the params and final columns are the union of the records' keys,
// sorted by name. A value a record lacks is an empty cell; non-finite metrics
// are written NaN, +Inf and -Inf; numbers use the shortest form that reads
// back exactly.
func WriteCSV(path string, rs []Record) error {
	params, finals := map[string]bool{}, map[string]bool{}
	for _, r := range rs {
		for k := range r.Params {
			params[k] = true
		}
		for k := range r.Final {
			finals[k] = true
		}
	}
	pk, fk := sortedKeys(params), sortedKeys(finals)
	header := []string{"id", "experiment", "condition", "seed"}
	for _, k := range pk {
		header = append(header, "params."+k)
	}
	for _, k := range fk {
		header = append(header, "final."+k)
	}
	header = append(header, "status", "backend", "wall_s")
	return writeFileAtomic(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(header); err != nil {
			return err
		}
		row := make([]string, 0, len(header))
		for _, r := range rs {
			row = append(row[:0], r.ID, r.Experiment, r.Condition, strconv.FormatInt(r.Seed, 10))
			for _, k := range pk {
				row = append(row, cell(r.Params, k))
			}
			for _, k := range fk {
				row = append(row, cell(r.Final, k))
			}
			row = append(row, r.Status, r.Backend, formatFloat(r.WallSeconds))
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
}

func cell(m map[string]float64, k string) string {
	v, ok := m[k]
	if !ok {
		return ""
	}
	return formatFloat(v)
}
