package tokens

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/pelab/pelab/internal/regular"
	"github.com/pelab/pelab/pelib/npy"
	"github.com/pelab/pelab/pelib/pe"
)

// Tokens are a researcher's tokens: their names, positions and, optionally,
// a partition into networks.
type Tokens struct {
	// Source is the coordinates file.
	Source string
	// Names are the S token names, unique, in token order (token s is row s
	// of every recording).
	Names []string
	// Axes name the c coordinates (the CSV header's coordinate columns;
	// x0, x1, … for NPY).
	Axes []string
	// Coords are the positions, [S][c], finite.
	Coords [][]float64
	// Partition, when not nil, gives each token's network as an index into
	// Networks, [S]; Networks are the K ≥ 2 network names in order of first
	// appearance.
	Partition []int
	Networks  []string
	// Files are the files read, by role: "coords" (Source), "names" (the
	// names file of NPY coordinates) and "partition" (a partition file, not
	// a column), each → its path; NewTask hashes them (results.Inputs).
	Files map[string]string
}

// S returns the number of tokens.
func (t *Tokens) S() int { return len(t.Names) }

// Dim returns the number of coordinates per token, c.
func (t *Tokens) Dim() int { return len(t.Axes) }

// TokenOptions say where ReadTokens finds names and the partition.
type TokenOptions struct {
	// Names is a file of token names for NPY coordinates: a CSV file with a
	// header and a column "name" (or a single column), one row per token.
	// Ignored for CSV coordinates, whose "name" column names the tokens.
	// Empty: tokens are named 0, 1, …, S−1.
	Names string
	// Partition is either the name of a column of the coordinates CSV, or a
	// CSV file with a header and the columns name and network (tokens
	// matched by name, in any order, each exactly once) or network alone
	// (one row per token, in token order). Network labels are strings; an
	// empty Partition means none.
	Partition string
}

// MinTokens is the least number of tokens: the geometry metrics need ≥ 4
// (cross-validated decoding, Mantel permutations).
const MinTokens = 4

// ReadTokens reads token coordinates from path, a CSV file or an NPY file
// [S, c] (little-endian float64 or float32, C order), with names and a
// partition as opt says.
//
// CSV coordinates have a header; a column called "name" (any case) names
// the tokens, the partition column (TokenOptions.Partition, when it is a
// column) holds their networks, and every other column is one coordinate
// and must hold a finite number in every row. Blank lines are skipped, and
// so are lines starting with '#' before the header (notes about the file);
// after the header every line is a token row, so a name may start with '#'
// ("#t3,1,2" is token #t3) and a row cannot be commented out. A UTF-8 byte
// order mark at the start of the file is skipped.
//
// Errors name the file, the line (1-based, as an editor shows it) or the
// token, and what was expected: fewer than MinTokens tokens, a missing or
// non-numeric value, NaN or ±Inf, a row with another number of fields, a
// name given twice, a partition with one network or that misses a token.
func ReadTokens(path string, opt TokenOptions) (*Tokens, error) {
	var t *Tokens
	var err error
	partCol := ""
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		t, partCol, err = readCoordsCSV(path, opt.Partition)
	case ".npy":
		t, err = readCoordsNPY(path, opt.Names)
	default:
		return nil, fmt.Errorf("tokens: %s: want coordinates as .csv (with a header) or .npy [S, c]", path)
	}
	if err != nil {
		return nil, err
	}
	t.Files = map[string]string{"coords": path}
	if opt.Names != "" && strings.ToLower(filepath.Ext(path)) == ".npy" {
		t.Files["names"] = opt.Names
	}
	if t.S() < MinTokens {
		return nil, fmt.Errorf("tokens: %s: %d tokens, want at least %d", path, t.S(), MinTokens)
	}
	if opt.Partition != "" && partCol == "" {
		if err := t.readPartitionFile(opt.Partition); err != nil {
			return nil, err
		}
		t.Files["partition"] = opt.Partition
	}
	if t.Partition != nil && len(t.Networks) < 2 {
		src := opt.Partition
		if partCol != "" {
			src = path + " column " + partCol
		}
		return nil, fmt.Errorf("tokens: partition %s: every token is in network %q; modularity and segregation need at least 2 networks", src, t.Networks[0])
	}
	return t, nil
}

// csvReader returns a CSV reader of f that skips a UTF-8 byte order mark,
// skips '#' comment lines before the header and allows rows of any length
// (checked by the caller, with the line). Read the header with
// readHeader, which ends the comments: after it every line is a row, so a
// token may be named "#t3".
func csvReader(f io.Reader) *csv.Reader {
	cr := csv.NewReader(regular.TextReader(f))
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	return cr
}

// readHeader reads the header of cr (a csvReader): the first line that is
// neither blank nor a comment. Lines after it are never comments.
func readHeader(cr *csv.Reader) ([]string, error) {
	header, err := cr.Read()
	cr.Comment = 0
	return header, err
}

func readCoordsCSV(path, partition string) (*Tokens, string, error) {
	f, _, err := regular.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("tokens: %w", err)
	}
	defer f.Close()
	cr := csvReader(f)
	header, err := readHeader(cr)
	if err == io.EOF {
		return nil, "", fmt.Errorf("tokens: %s: empty file, want a header and one row per token", path)
	}
	if err != nil {
		return nil, "", fmt.Errorf("tokens: %s: %w", path, err)
	}
	headLine, _ := cr.FieldPos(0)
	nameCol, partCol := -1, -1
	t := &Tokens{Source: path}
	var axes []int
	seen := map[string]bool{}
	for j, h := range header {
		h = strings.TrimSpace(h)
		if h == "" {
			return nil, "", fmt.Errorf("tokens: %s line %d: column %d has no name in the header", path, headLine, j+1)
		}
		if seen[h] {
			return nil, "", fmt.Errorf("tokens: %s line %d: column %q appears twice in the header", path, headLine, h)
		}
		seen[h] = true
		switch {
		case strings.EqualFold(h, "name"):
			nameCol = j
		case partition != "" && h == partition:
			partCol = j
		default:
			axes = append(axes, j)
			t.Axes = append(t.Axes, h)
		}
	}
	if len(axes) == 0 {
		return nil, "", fmt.Errorf("tokens: %s line %d: no coordinate column (header %v; every column but name and the partition is a coordinate)", path, headLine, header)
	}
	labels := []string{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", fmt.Errorf("tokens: %s: %w", path, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			return nil, "", fmt.Errorf("tokens: %s line %d: %d fields, the header has %d", path, line, len(rec), len(header))
		}
		s := len(t.Coords)
		name := strconv.Itoa(s)
		if nameCol >= 0 {
			name = strings.TrimSpace(rec[nameCol])
			if name == "" {
				return nil, "", fmt.Errorf("tokens: %s line %d: empty name", path, line)
			}
		}
		p := make([]float64, len(axes))
		for k, j := range axes {
			v, err := strconv.ParseFloat(strings.TrimSpace(rec[j]), 64)
			if err != nil {
				return nil, "", fmt.Errorf("tokens: %s line %d (token %s), column %s: %q is not a number", path, line, name, header[j], rec[j])
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, "", fmt.Errorf("tokens: %s line %d (token %s), column %s: %v, want a finite coordinate", path, line, name, header[j], v)
			}
			p[k] = v
		}
		t.Names = append(t.Names, name)
		t.Coords = append(t.Coords, p)
		if partCol >= 0 {
			l := strings.TrimSpace(rec[partCol])
			if l == "" {
				return nil, "", fmt.Errorf("tokens: %s line %d (token %s): empty %s, want a network label", path, line, name, partition)
			}
			labels = append(labels, l)
		}
	}
	if err := checkNames(path, t.Names); err != nil {
		return nil, "", err
	}
	if partCol >= 0 {
		t.setPartition(labels)
		return t, partition, nil
	}
	return t, "", nil
}

// checkNames reports a name given twice.
func checkNames(path string, names []string) error {
	first := map[string]int{}
	for s, n := range names {
		if p, dup := first[n]; dup {
			return fmt.Errorf("tokens: %s: token name %q given twice (tokens %d and %d, 0-based); names must be unique", path, n, p, s)
		}
		first[n] = s
	}
	return nil
}

// setPartition codes the networks of labels 0, 1, … in natural order of
// their names (digit runs compared as numbers: "net2" before "net10"), so
// that figures and tables list them in an order a reader expects, whatever
// the order of the tokens.
func (t *Tokens) setPartition(labels []string) {
	t.Networks = slices.Compact(slices.SortedFunc(slices.Values(labels), naturalCompare))
	index := make(map[string]int, len(t.Networks))
	for k, n := range t.Networks {
		index[n] = k
	}
	t.Partition = make([]int, len(labels))
	for s, l := range labels {
		t.Partition[s] = index[l]
	}
}

// naturalCompare orders strings with their runs of ASCII digits compared as
// numbers and the rest byte by byte; strings equal that way ("net02",
// "net2") are ordered byte by byte.
func naturalCompare(a, b string) int {
	if c := natural(a, b); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func natural(a, b string) int {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := cmp.Compare(len(na), len(nb)); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

// digitRun is the length of the run of ASCII digits that starts s.
func digitRun(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

func readCoordsNPY(path, namesFile string) (*Tokens, error) {
	data, shape, err := npy.Read(path)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	if len(shape) != 2 || shape[0] == 0 || shape[1] == 0 {
		return nil, fmt.Errorf("tokens: %s: array of shape %v, want [S, c] (one row of c coordinates per token)", path, shape)
	}
	S, c := shape[0], shape[1]
	t := &Tokens{Source: path, Coords: make([][]float64, S), Names: make([]string, S), Axes: make([]string, c)}
	for j := range c {
		t.Axes[j] = "x" + strconv.Itoa(j)
	}
	for s := range S {
		t.Coords[s] = data[s*c : (s+1)*c : (s+1)*c]
		for j, v := range t.Coords[s] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("tokens: %s: row %d (0-based), coordinate %d: %v, want a finite coordinate", path, s, j, v)
			}
		}
		t.Names[s] = strconv.Itoa(s)
	}
	if namesFile == "" {
		return t, nil
	}
	cols, lines, err := readTable(namesFile)
	if err != nil {
		return nil, err
	}
	col := 0
	if len(cols) > 1 {
		if col = slices.IndexFunc(cols, func(h string) bool { return strings.EqualFold(h, "name") }); col < 0 {
			return nil, fmt.Errorf("tokens: %s: columns %v, want a column \"name\" (or a single column)", namesFile, cols)
		}
	}
	if len(lines) != S {
		return nil, fmt.Errorf("tokens: %s: %d names, the coordinates %s have %d tokens", namesFile, len(lines), path, S)
	}
	for s, r := range lines {
		if r.fields[col] == "" {
			return nil, fmt.Errorf("tokens: %s line %d: empty name", namesFile, r.line)
		}
		t.Names[s] = r.fields[col]
	}
	if err := checkNames(namesFile, t.Names); err != nil {
		return nil, err
	}
	return t, nil
}

type row struct {
	line   int
	fields []string
}

// readTable reads a CSV file with a header; every row must have the
// header's number of fields.
func readTable(path string) (header []string, rows []row, err error) {
	f, _, err := regular.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("tokens: %w", err)
	}
	defer f.Close()
	cr := csvReader(f)
	header, err = readHeader(cr)
	if err == io.EOF {
		return nil, nil, fmt.Errorf("tokens: %s: empty file, want a header", path)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("tokens: %s: %w", path, err)
	}
	for j := range header {
		header[j] = strings.TrimSpace(header[j])
	}
	header = slices.Clone(header)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("tokens: %s: %w", path, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			return nil, nil, fmt.Errorf("tokens: %s line %d: %d fields, the header has %d", path, line, len(rec), len(header))
		}
		fs := make([]string, len(rec))
		for j, v := range rec {
			fs[j] = strings.TrimSpace(v)
		}
		rows = append(rows, row{line, fs})
	}
	return header, rows, nil
}

// readPartitionFile reads the partition from a CSV file (see
// TokenOptions.Partition).
func (t *Tokens) readPartitionFile(path string) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("tokens: partition %q is neither a column of %s nor a file", path, t.Source)
	}
	header, rows, err := readTable(path)
	if err != nil {
		return err
	}
	nameCol := slices.IndexFunc(header, func(h string) bool { return strings.EqualFold(h, "name") })
	labelCol := -1
	for j := range header {
		if j != nameCol {
			if labelCol >= 0 {
				return fmt.Errorf("tokens: %s: columns %v, want name and network, or network alone", path, header)
			}
			labelCol = j
		}
	}
	if labelCol < 0 {
		return fmt.Errorf("tokens: %s: columns %v, want name and network, or network alone", path, header)
	}
	labels := make([]string, t.S())
	if nameCol < 0 {
		if len(rows) != t.S() {
			return fmt.Errorf("tokens: %s: %d rows, the coordinates %s have %d tokens (without a name column, one row per token in token order)", path, len(rows), t.Source, t.S())
		}
		for s, r := range rows {
			if r.fields[labelCol] == "" {
				return fmt.Errorf("tokens: %s line %d: empty network label", path, r.line)
			}
			labels[s] = r.fields[labelCol]
		}
	} else {
		index := map[string]int{}
		for s, n := range t.Names {
			index[n] = s
		}
		where := make([]int, t.S())
		for _, r := range rows {
			name := r.fields[nameCol]
			s, ok := index[name]
			switch {
			case !ok:
				return fmt.Errorf("tokens: %s line %d: token %q is not in the coordinates %s", path, r.line, name, t.Source)
			case where[s] != 0:
				return fmt.Errorf("tokens: %s line %d: token %q given twice (first on line %d)", path, r.line, name, where[s])
			case r.fields[labelCol] == "":
				return fmt.Errorf("tokens: %s line %d: empty network label", path, r.line)
			}
			where[s] = r.line
			labels[s] = r.fields[labelCol]
		}
		for s, l := range where {
			if l == 0 {
				return fmt.Errorf("tokens: %s: token %q has no network", path, t.Names[s])
			}
		}
	}
	t.setPartition(labels)
	return nil
}

// Unit returns the coordinate unit of the tokens: given when > 0, else
// (-coord-unit auto) the median, over tokens, of the distance to the
// nearest other token (pe.Layout.NearestNeighbourSpacing), so that
// neighbouring tokens are about one unit apart whatever unit the file
// uses. The coordinates divided by it must pass CheckSpread. Errors name
// the coordinates file and the flag.
func (t *Tokens) Unit(given float64) (float64, error) {
	if given > 0 {
		return given, t.CheckSpread(given)
	}
	lay, err := pe.Points(t.Coords)
	if err != nil {
		return 0, fmt.Errorf("tokens: %s: %w", t.Source, err)
	}
	d, err := lay.NearestNeighbourSpacing()
	if err != nil {
		if spreadErr := t.CheckSpread(1); spreadErr != nil {
			return 0, spreadErr // every token at one point: say that
		}
		return 0, fmt.Errorf("tokens: %s: -coord-unit auto: %w; give -coord-unit (the distance between neighbouring tokens)", t.Source, err)
	}
	if d < minAutoUnit {
		return 0, fmt.Errorf("tokens: %s: -coord-unit auto: neighbouring tokens are %g apart, below %g: the coordinates have lost their precision; write them in a larger unit",
			t.Source, d, minAutoUnit)
	}
	return d, t.CheckSpread(d)
}

// minAutoUnit is the least unit -coord-unit auto takes from the data: the
// smallest normal float64 (below it the coordinates are subnormal and have
// lost digits).
const minAutoUnit = 0x1p-1022

// Layout returns the tokens' layout in the given unit: the coordinates
// divided by unit (pe.Layout.Scaled(1/unit); as given when unit is 1).
func (t *Tokens) Layout(unit float64) (pe.Layout, error) {
	lay, err := pe.Points(t.Coords)
	if err != nil {
		return pe.Layout{}, fmt.Errorf("tokens: %s: %w", t.Source, err)
	}
	if unit != 1 {
		lay = lay.Scaled(1 / unit)
	}
	return lay, nil
}

// Bounds of the token coordinates after dividing by the coordinate unit
// (CheckSpread): the N-D PEs (sinnd, ropend) and the geometry expect
// neighbouring tokens about one unit apart; beyond these bounds the
// distances between tokens lose all precision, overflow or underflow.
const (
	// MaxCoord bounds |x| of every coordinate.
	MaxCoord = 1e6
	// MinSpread is the least spread: the largest range, max − min, of the
	// tokens' coordinates along any axis.
	MinSpread = 1e-6
)

// CheckSpread checks the coordinates divided by unit (> 0): every x/unit
// finite with |x/unit| ≤ MaxCoord, and the spread, max over axes j of
// (maxₛ xₛⱼ − minₛ xₛⱼ)/unit, at least MinSpread (0 when every token is at
// one point). Errors name the coordinates file, the token and axis, and
// the unit (the -coord-unit flag, or the median nearest-neighbour
// distance of -coord-unit auto).
func (t *Tokens) CheckSpread(unit float64) error {
	spread, axis := 0.0, 0
	for j := range t.Dim() {
		lo, hi := math.Inf(1), math.Inf(-1)
		for s, p := range t.Coords {
			v := p[j] / unit
			if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > MaxCoord {
				return fmt.Errorf("tokens: %s: token %s, coordinate %s: %g / -coord-unit %g = %g, want a finite value within ±%g (neighbouring tokens about one unit apart; change -coord-unit)",
					t.Source, t.Names[s], t.Axes[j], p[j], unit, v, float64(MaxCoord))
			}
			lo, hi = min(lo, v), max(hi, v)
		}
		if hi-lo > spread {
			spread, axis = hi-lo, j
		}
	}
	switch {
	case spread == 0:
		return fmt.Errorf("tokens: %s: every token is at the same point %v: the coordinates have no spread, so position cannot be learnt or compared", t.Source, t.Coords[0])
	case spread < MinSpread:
		return fmt.Errorf("tokens: %s: the coordinates span %g (along %s, after -coord-unit %g), want at least %g (neighbouring tokens about one unit apart; change -coord-unit)",
			t.Source, spread, t.Axes[axis], unit, float64(MinSpread))
	}
	return nil
}
