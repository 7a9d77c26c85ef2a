package lst

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pelab/pelab/internal/atomicfile"
)

// The reference files (github.com/ljhearne/LSTNN_public, processed_data/).
const (
	FileBinary     = "generated_puzzle_data_binary_dist80.csv"     // 3,000 generated Binary puzzles
	FileTernary    = "generated_puzzle_data_ternary_dist80.csv"    // 3,000 generated Ternary puzzles
	FileQuaternary = "generated_puzzle_data_quaternary_dist80.csv" // 3,000 generated Quaternary puzzles
	FileOriginal   = "puzzle_data_original.csv"                    // the 108 puzzles of the human fMRI study
	FileLicense    = "LICENSE"                                     // MIT licence of the reference data
)

// PoolFiles lists the training-pool files in pool order, one per condition.
var PoolFiles = [...]string{FileBinary, FileTernary, FileQuaternary}

// csvHeader is the reference files' header.
var csvHeader = []string{"ID", "LST_num", "condition", "puzzles", "solutions"}

// ReadCSV reads puzzles in the reference format from r: a header
// `ID,LST_num,condition,puzzles,solutions`, then one puzzle per line with an
// integer ID, an optional integer LST_num, a condition name (Binary, Ternary,
// Quaternary), a 16-digit row-major grid and a solution 1–4. Every row is
// validated (see Puzzle.Validate); errors name the file (name) and line.
func ReadCSV(r io.Reader, name string) ([]Puzzle, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(csvHeader)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("lst: %s: empty file, want a header %q", name, strings.Join(csvHeader, ","))
	}
	if err != nil {
		return nil, fmt.Errorf("lst: %s: %w", name, err)
	}
	for i, h := range csvHeader {
		if strings.TrimPrefix(head[i], "\ufeff") != h {
			return nil, fmt.Errorf("lst: %s line 1: header %q, want %q", name, strings.Join(head, ","), strings.Join(csvHeader, ","))
		}
	}
	var out []Puzzle
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("lst: %s line %d: %w", name, pe.Line, pe.Err)
			}
			return nil, fmt.Errorf("lst: %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		p, err := parseRecord(rec)
		if err != nil {
			return nil, fmt.Errorf("lst: %s line %d: %w", name, line, err)
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("lst: %s: no puzzles after the header", name)
	}
	return out, nil
}

func parseRecord(rec []string) (Puzzle, error) {
	var p Puzzle
	var err error
	if p.ID, err = strconv.Atoi(strings.TrimSpace(rec[0])); err != nil {
		return p, fmt.Errorf("ID %q is not an integer", rec[0])
	}
	if s := strings.TrimSpace(rec[1]); s != "" {
		if p.LSTNum, err = strconv.Atoi(s); err != nil || p.LSTNum < 1 {
			return p, fmt.Errorf("LST_num %q is not a positive integer", rec[1])
		}
	}
	if p.Condition, err = ParseCondition(rec[2]); err != nil {
		return p, fmt.Errorf("condition %q: want Binary, Ternary or Quaternary", rec[2])
	}
	if p.Cells, err = ParseGrid(strings.TrimSpace(rec[3])); err != nil {
		return p, err
	}
	sol, err := strconv.Atoi(strings.TrimSpace(rec[4]))
	if err != nil || sol < 1 || sol > Shapes {
		return p, fmt.Errorf("solution %q is outside 1–%d", rec[4], Shapes)
	}
	p.Solution = uint8(sol)
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("puzzle %s: %w", rec[3], err)
	}
	return p, nil
}

// ReadFile reads a reference-format CSV file; see ReadCSV.
func ReadFile(path string) ([]Puzzle, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("lst: %w", err)
	}
	defer f.Close()
	return ReadCSV(f, path)
}

// LoadReference reads the reference data in dir: the training pool (the
// three generated files, Binary then Ternary then Quaternary; 9,000 puzzles)
// and the original set (108 puzzles, the generalisation set). Each pool
// file's rows must carry that file's condition.
func LoadReference(dir string) (pool, original []Puzzle, err error) {
	for i, name := range PoolFiles {
		ps, err := ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, nil, err
		}
		want := Conditions[i]
		for _, p := range ps {
			if p.Condition != want {
				return nil, nil, fmt.Errorf("lst: %s: puzzle ID %d is %v, but the file holds %v puzzles", filepath.Join(dir, name), p.ID, p.Condition, want)
			}
		}
		pool = append(pool, ps...)
	}
	original, err = ReadFile(filepath.Join(dir, FileOriginal))
	if err != nil {
		return nil, nil, err
	}
	return pool, original, nil
}

// WriteCSV writes puzzles in the reference format (the inverse of ReadCSV).
func WriteCSV(w io.Writer, ps []Puzzle) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for i := range ps {
		p := &ps[i]
		num := ""
		if p.LSTNum > 0 {
			num = strconv.Itoa(p.LSTNum)
		}
		rec := []string{strconv.Itoa(p.ID), num, p.Condition.String(), p.GridString(), strconv.Itoa(int(p.Solution))}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteFile writes puzzles to path in the reference format, atomically: a
// temporary file in the same folder is renamed over path once complete.
func WriteFile(path string, ps []Puzzle) error {
	err := atomicfile.WriteFunc(path, func(w io.Writer) error { return WriteCSV(w, ps) })
	if err != nil {
		return fmt.Errorf("lst: %w", err)
	}
	return nil
}
