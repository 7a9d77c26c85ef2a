package masked

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/pelab/pelab/internal/regular"
	"github.com/pelab/pelab/pelib/experiment"
	"github.com/pelab/pelab/pelib/npy"
	"github.com/scigolib/hdf5"
	"gonum.org/v1/gonum/mat"
)

// Series is one recording: S tokens (rows; brain regions, network
// nodes, electrodes) × T time points (columns).
type Series struct {
	// Name identifies the recording: the readers set it to the file name
	// without its extension (fmri.ReadSeries to the HCP subject ID).
	Name string
	// Data is regions × time (row r is region r's time course).
	Data *mat.Dense
}

// Regions returns the number of regions (rows).
func (s *Series) Regions() int { r, _ := s.Data.Dims(); return r }

// Times returns the number of time points (columns).
func (s *Series) Times() int { _, t := s.Data.Dims(); return t }

// ReadOptions says what a time-series reader must find.
type ReadOptions struct {
	// Regions, when positive, is the required number of regions (rows);
	// a file with another count is an error.
	Regions int
	// MinTimes, when positive, is the least number of time points (columns).
	MinTimes int
	// MaxOutlierZ is the plausibility bound k of CheckPlausible: no value may
	// lie more than k robust standard deviations from its row's median.
	// 0 means DefaultMaxOutlierZ; +Inf turns the outlier bound off (values
	// must still be finite and within ±MaxAbsValue).
	MaxOutlierZ float64
}

// check checks an r × t matrix read from where (a file path, or a path and
// dataset) against o.
func (o ReadOptions) check(where string, r, t int) error {
	if o.Regions > 0 && r != o.Regions {
		hint := ""
		if t == o.Regions {
			hint = "; the data look transposed (time × regions)"
		}
		return fmt.Errorf("%s: %d regions × %d time points (shape [%d %d]), want %d regions (shape [%d, T]; rows = regions, columns = time)%s", where, r, t, r, t, o.Regions, o.Regions, hint)
	}
	if o.MinTimes > 0 && t < o.MinTimes {
		return fmt.Errorf("%s: %d time points, want at least %d", where, t, o.MinTimes)
	}
	return nil
}

// DefaultMaxOutlierZ is the default plausibility bound k (ReadOptions,
// CheckPlausible). On the 20 HCP subject files in shared/data
// (hcp-glasser360/rest, 360 regions × 1195 time points each) the largest
// robust z of any value is 14.72 (TestPlausibleRealData, docs/inputs.md):
// k = 50 leaves a margin of 3.4×. It does not catch every damaged byte: a
// flip in the top byte of a float64 (sign and high exponent bits) moves a
// value by a factor of at least 2¹⁶ and is refused, but one in the low
// exponent bits (the high half of its seventh byte) multiplies it by 2, 4,
// 16 or 256 and can stay within k (issue 21's attack: −12.0 → −3,070, robust
// z 42, accepted); only a checksum (Fletcher-32, where the file has one)
// catches those.
const DefaultMaxOutlierZ = 50

// MaxAbsValue bounds the magnitude of every value read: z-scoring sums the
// squares of up to 2³¹ values, which overflows float64 beyond about 1e150;
// 1e100 leaves room and is far beyond any measured signal.
const MaxAbsValue = 1e100

// madScale makes the median absolute deviation a consistent estimate of the
// standard deviation of normal data (1/Φ⁻¹(3/4)); meanADScale does the same
// for the mean absolute deviation from the median (√(π/2)).
const (
	madScale    = 1.4826
	meanADScale = 1.2533
)

// ValueError is an implausible value in a rows × time matrix read from
// Path: not finite, beyond ±MaxAbsValue, or Z robust standard deviations
// from its row's median, more than Limit.
type ValueError struct {
	Path      string
	Row, Time int // 0-based
	Value     float64
	// Median and Z are set for an outlier (Z > Limit); Z is 0 otherwise.
	Median, Z, Limit float64
}

// Error names the file, the region and the time point.
func (e *ValueError) Error() string {
	return e.Path + ": value " + e.Describe(fmt.Sprintf("region %d", e.Row))
}

// Describe says what is wrong with the value, naming its row as row (e.g.
// "region 3" or "token c (row 2)"): "-7.8e+126 at region 3, time 17
// (0-based): …".
func (e *ValueError) Describe(row string) string {
	at := fmt.Sprintf("%v at %s, time %d (0-based)", e.Value, row, e.Time)
	switch {
	case math.IsNaN(e.Value) || math.IsInf(e.Value, 0):
		return at + ": data must be finite"
	case e.Z == 0:
		return fmt.Sprintf("%s: beyond ±%g, data must be within it (a damaged file?)", at, MaxAbsValue)
	}
	return fmt.Sprintf("%s is %.3g robust standard deviations from the row's median %.6g, more than %g (|x − median| ≤ k·1.4826·MAD; a damaged file? -max-outlier-z sets k, 0 turns the bound off)", at, e.Z, e.Median, e.Limit)
}

// CheckPlausible checks a rows × times matrix (data row-major, as read from
// path) before it is z-scored and returns a *ValueError for the first
// implausible value, else nil. Every value x must be finite with |x| ≤
// MaxAbsValue, and, for each row with median m and median absolute
// deviation MAD = median|x − m|,
//
//	z = |x − m| / (1.4826 · MAD) ≤ k
//
// (1.4826·MAD estimates the standard deviation of normal data, robustly to
// the outlier itself). When MAD = 0 (more than half the row is one value)
// the scale is 1.2533 · mean|x − m| instead; a row with both 0 is constant
// and left to the z-scoring, which reports it. k = +Inf skips the outlier
// bound; k must be > 0. times must divide len(data).
func CheckPlausible(path string, data []float64, times int, k float64) error {
	for i, v := range data {
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > MaxAbsValue {
			return &ValueError{Path: path, Row: i / times, Time: i % times, Value: v}
		}
	}
	if math.IsInf(k, 1) || times == 0 {
		return nil
	}
	buf := make([]float64, times)
	for r := 0; r < len(data)/times; r++ {
		row := data[r*times : (r+1)*times]
		m, scale := robustScale(row, buf)
		if scale == 0 {
			continue
		}
		for t, v := range row {
			if z := math.Abs(v-m) / scale; z > k {
				return &ValueError{Path: path, Row: r, Time: t, Value: v, Median: m, Z: z, Limit: k}
			}
		}
	}
	return nil
}

// robustScale returns the median m of x and its robust standard deviation,
// 1.4826·median|x − m|, or 1.2533·mean|x − m| when that is 0 (0 for a
// constant x). buf (len(x)) is scratch space.
func robustScale(x, buf []float64) (m, scale float64) {
	copy(buf, x)
	m = median(buf)
	var sum float64
	for i, v := range x {
		buf[i] = math.Abs(v - m)
		sum += buf[i]
	}
	if mad := median(buf); mad > 0 {
		return m, madScale * mad
	}
	return m, meanADScale * sum / float64(len(x))
}

// median returns the median of x (the mean of the two middle values for an
// even length), reordering x, in expected O(len(x)) time by selection
// (Hoare's quickselect): CheckPlausible takes two medians of every row of
// every series read, and sorting them cost more than reading the file.
// x must be non-empty and free of NaN.
func median(x []float64) float64 {
	k := len(x) / 2
	hi := selectK(x, k)
	if len(x)%2 == 1 {
		return hi
	}
	return (slices.Max(x[:k]) + hi) / 2
}

// selectK reorders x so that x[k] is its k-th smallest value (0-based),
// x[:k] ≤ x[k] ≤ x[k+1:], and returns x[k].
func selectK(x []float64, k int) float64 {
	lo, hi := 0, len(x)-1
	for lo < hi {
		// Median of three as the pivot, moved to x[hi].
		mid := lo + (hi-lo)/2
		if x[mid] < x[lo] {
			x[mid], x[lo] = x[lo], x[mid]
		}
		if x[hi] < x[lo] {
			x[hi], x[lo] = x[lo], x[hi]
		}
		if x[mid] < x[hi] {
			x[mid], x[hi] = x[hi], x[mid]
		}
		pivot, store := x[hi], lo
		for i := lo; i < hi; i++ {
			if x[i] < pivot {
				x[i], x[store] = x[store], x[i]
				store++
			}
		}
		x[store], x[hi] = x[hi], x[store]
		switch {
		case k == store:
			return x[k]
		case k < store:
			hi = store - 1
		default:
			lo = store + 1
		}
	}
	return x[k]
}

// checkValues applies CheckPlausible with o's bound (0: DefaultMaxOutlierZ).
func (o ReadOptions) checkValues(path string, data []float64, times int) error {
	k := o.MaxOutlierZ
	if k == 0 {
		k = DefaultMaxOutlierZ
	}
	if err := CheckPlausible(path, data, times, k); err != nil {
		return err
	}
	return nil
}

// ReadHDF5 reads a regions × time float dataset (e.g. HCPDataset) from an
// HDF5 file. The dataset must have rank 2 and a numeric type; values are
// converted to float64.
//
// The file is untrusted input. Before the HDF5 library reads it, its metadata
// is walked and every size and address checked against the file's length
// (see checkHDF5): a damaged file is an error naming the file and the
// damaged structure, never an allocation the file cannot back. The dataset's
// stored data must have exactly the bytes its shape needs, so a header whose
// shape disagrees with the data (360 × 1194 over 360 × 1195 values) is an
// error, not a misaligned read; with opt.Regions set, a time × regions
// dataset is reported as transposed. A chunked dataset with the Fletcher-32
// filter has every chunk's checksum verified first (checkHDF5). The values
// read must be plausible (opt.checkValues, CheckPlausible).
func ReadHDF5(path, dataset string, opt ReadOptions) (s *Series, err error) {
	// The HDF5 library parses untrusted bytes; turn any panic on a damaged
	// file into an error.
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("%s: damaged HDF5 file: %v", path, r)
		}
	}()
	want := "/" + strings.TrimPrefix(dataset, "/")
	st, err := regular.Stat(path)
	if err != nil {
		return nil, err
	}
	found, err := checkHDF5(path)
	if err != nil {
		return nil, fmt.Errorf("%s: open HDF5: %w", path, err)
	}
	meta := found[want]
	if meta == nil {
		seen := make([]string, 0, len(found))
		for p := range found {
			seen = append(seen, p)
		}
		sort.Strings(seen)
		return nil, fmt.Errorf("%s: no dataset %s (datasets found: %v; the file may be truncated or of another layout)", path, want, seen)
	}
	if len(meta.dims) != 2 {
		return nil, fmt.Errorf("%s: dataset %s has rank %d (shape %v), want rank 2 (regions × time)", path, want, len(meta.dims), meta.dims)
	}
	if err := meta.storageCheck(uint64(st.Size())); err != nil {
		return nil, fmt.Errorf("%s: dataset %s: %w", path, want, err)
	}
	if meta.dims[0] > math.MaxInt32 || meta.dims[1] > math.MaxInt32 {
		return nil, fmt.Errorf("%s: dataset %s: shape %v, want dimensions below 2³¹", path, want, meta.dims)
	}
	r, t := int(meta.dims[0]), int(meta.dims[1])
	if r == 0 || t == 0 {
		return nil, fmt.Errorf("%s: dataset %s is empty (%d × %d)", path, want, r, t)
	}
	if err := opt.check(path+": dataset "+want, r, t); err != nil {
		return nil, err
	}
	f, err := hdf5.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: open HDF5: %w", path, err)
	}
	defer f.Close()
	var ds *hdf5.Dataset
	f.Walk(func(p string, o hdf5.Object) {
		if d, ok := o.(*hdf5.Dataset); ok && p == want {
			ds = d
		}
	})
	if ds == nil {
		return nil, fmt.Errorf("%s: dataset %s: the HDF5 library does not find it (an unsupported layout?)", path, want)
	}
	info, err := ds.Info()
	if err != nil {
		return nil, fmt.Errorf("%s: dataset %s: read header: %w", path, want, err)
	}
	dims, err := parseH5Dims(info)
	if err != nil {
		return nil, fmt.Errorf("%s: dataset %s: %w", path, want, err)
	}
	if len(dims) != 2 || dims[0] != r || dims[1] != t {
		return nil, fmt.Errorf("%s: dataset %s: the HDF5 library reads shape %v, the header says [%d %d]", path, want, dims, r, t)
	}
	vals, err := ds.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: dataset %s: read %d × %d values (truncated file?): %w", path, want, r, t, err)
	}
	if len(vals) != r*t {
		return nil, fmt.Errorf("%s: dataset %s: got %d values, want %d × %d = %d (truncated file?)", path, want, len(vals), r, t, r*t)
	}
	if err := opt.checkValues(path, vals, t); err != nil {
		return nil, err
	}
	return &Series{Name: fileStem(path), Data: mat.NewDense(r, t, vals)}, nil
}

// h5Dims matches the dataspace part of the scigolib/hdf5 Info string, e.g.
// "2D array [360 x 1195]" or "3D array [2 3 4]"; that string is the only
// public route to a dataset's shape in the library.
var h5Dims = regexp.MustCompile(`(\d+)D array \[([0-9 x]*)\]`)

func parseH5Dims(info string) ([]int, error) {
	m := h5Dims.FindStringSubmatch(info)
	if m == nil {
		if strings.Contains(info, "scalar") {
			return nil, errors.New("scalar dataset, want rank 2 (regions × time)")
		}
		return nil, fmt.Errorf("cannot find the shape in the dataset description %q", info)
	}
	rank, _ := strconv.Atoi(m[1])
	fields := strings.FieldsFunc(m[2], func(r rune) bool { return r == ' ' || r == 'x' })
	if len(fields) != rank {
		return nil, fmt.Errorf("cannot parse the shape in %q", info)
	}
	dims := make([]int, rank)
	for i, f := range fields {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("cannot parse the shape in %q: %w", info, err)
		}
		dims[i] = n
	}
	return dims, nil
}

// ReadCSV reads a regions × time matrix from a CSV file: one line per region,
// one comma-separated number per time point, no header. Every line must have
// the same number of fields.
func ReadCSV(path string, opt ReadOptions) (*Series, error) {
	f, _, err := regular.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := csv.NewReader(regular.TextReader(f))
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	cr.Comment = '#'
	var data []float64
	r, t := 0, 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		line, _ := cr.FieldPos(0)
		if r == 0 {
			t = len(rec)
		}
		for j, field := range rec {
			v, err := strconv.ParseFloat(strings.TrimSpace(field), 64)
			if err != nil {
				return nil, fmt.Errorf("%s line %d field %d: want a number (rows = tokens, columns = time, no header): %w", path, line, j+1, err)
			}
			data = append(data, v)
		}
		r++
	}
	if r == 0 || t == 0 {
		return nil, fmt.Errorf("%s: no data", path)
	}
	if err := opt.check(path, r, t); err != nil {
		return nil, err
	}
	if err := opt.checkValues(path, data, t); err != nil {
		return nil, err
	}
	return &Series{Name: fileStem(path), Data: mat.NewDense(r, t, data)}, nil
}

// ReadNPY reads a regions × time matrix from a NumPy .npy file (format
// versions 1–3) through package npy. The dtype must be little-endian float64
// ('<f8') or float32 ('<f4'), the array 2-dimensional and in C (row-major)
// order; anything else is an error saying what was found.
func ReadNPY(path string, opt ReadOptions) (*Series, error) {
	data, shape, err := npy.Read(path)
	if err != nil {
		return nil, err
	}
	if len(shape) != 2 {
		return nil, fmt.Errorf("%s: array has shape %v (rank %d), want rank 2 (regions × time)", path, shape, len(shape))
	}
	r, t := shape[0], shape[1]
	if r == 0 || t == 0 {
		return nil, fmt.Errorf("%s: array is empty (%d × %d)", path, r, t)
	}
	if err := opt.check(path, r, t); err != nil {
		return nil, err
	}
	if err := opt.checkValues(path, data, t); err != nil {
		return nil, err
	}
	return &Series{Name: fileStem(path), Data: mat.NewDense(r, t, data)}, nil
}

// WriteNPY writes a regions × time matrix as a little-endian float64, C-order
// NPY (version 1.0) file, atomically (a temporary file in the same directory,
// then a rename), through package npy.
func WriteNPY(path string, m mat.Matrix) error {
	r, c := m.Dims()
	data := make([]float64, 0, r*c)
	for i := range r {
		for j := range c {
			data = append(data, m.At(i, j))
		}
	}
	if err := npy.Write(path, data, r, c); err != nil {
		return err
	}
	return nil
}

// MaxOutlierZOption is the -max-outlier-z option of every command that
// reads time series (fmri, tokens): the plausibility bound k of
// CheckPlausible.
var MaxOutlierZOption = experiment.Option{Key: "max_outlier_z", Kind: experiment.String,
	Usage: fmt.Sprintf("refuse a value more than this many robust SDs (1.4826·MAD) from its series' median: a damaged file\n(default %g; 0 or inf: no bound, values must still be finite)", float64(DefaultMaxOutlierZ))}

// MaxOutlierZOf returns the max_outlier_z option as a ReadOptions.MaxOutlierZ:
// DefaultMaxOutlierZ when absent or empty, +Inf (no bound) for 0 or inf,
// else a number > 0; a negative number, NaN or text is an error naming the
// option.
func MaxOutlierZOf(req experiment.Request) (float64, error) {
	s, err := req.String(MaxOutlierZOption.Key, "")
	if err != nil || strings.TrimSpace(s) == "" {
		return DefaultMaxOutlierZ, err
	}
	k, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	switch {
	case err != nil || math.IsNaN(k) || k < 0:
		return 0, experiment.BadValue(MaxOutlierZOption.Key, s, "want a number > 0 of robust standard deviations (0 or inf: no bound)")
	case k == 0 || math.IsInf(k, 1):
		return math.Inf(1), nil
	}
	return k, nil
}

// fileStem is path's file name without its extension, a recording's name.
func fileStem(path string) string {
	base := filepath.Base(path)
	return strings.TrimSuffix(base, filepath.Ext(base))
}
