package results

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/pelab/pelab/internal/atomicfile"
)

// Format names the layout of a record file. A file of another format is
// reported as corrupt.
const Format = "pelab-results/1"

// Store is a directory of records, one file per record: <Dir>/<ID>.json.
//
// A file holds
//
//	{"format": "pelab-results/1", "sha256": "<hex>", "record": {…}}
//
// where sha256 is the checksum of the record object in compact form (as
// json.Compact writes it), so reindenting the file keeps it valid while any
// change to its content is detected.
//
// Put writes atomically, so any number of goroutines and processes may Put
// records with different IDs into one directory at once; two concurrent Puts
// of the same ID leave one of the two complete records. Files whose names do
// not have the form <ID>.json, such as the temporary files of writes in
// progress or of crashed writers (".<ID>.json.tmp…"), are ignored.
type Store struct {
	Dir string
}

// Open returns the store in dir, creating the directory if needed.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("results: open store: empty directory name")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("results: open store: %w", err)
	}
	return &Store{Dir: dir}, nil
}

// CorruptError reports a record file that exists but cannot be used:
// unreadable or truncated JSON, a checksum mismatch, an unknown format, an
// invalid record, or a record whose ID differs from its file name. A sweep
// treats such a record as not done and redoes it; Put overwrites the file.
type CorruptError struct {
	Path string // the file
	Err  error  // what is wrong with it
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("results: corrupt record file %s: %v", e.Path, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// Path returns the file name of the record with the given id.
func (s *Store) Path(id string) string { return filepath.Join(s.Dir, id+".json") }

type envelope struct {
	Format string          `json:"format"`
	SHA256 string          `json:"sha256"`
	Record json.RawMessage `json:"record"`
}

// Put validates r and writes it to <Dir>/<r.ID>.json, replacing any earlier
// record of that ID: it writes a temporary file in Dir, syncs it to disk,
// renames it over the final name and syncs the directory.
func (s *Store) Put(r Record) error {
	if err := r.Validate(); err != nil {
		return err
	}
	out, err := encodeRecordFile(r)
	if err != nil {
		return fmt.Errorf("results: put %s: %w", r.ID, err)
	}
	return writeFileAtomic(s.Path(r.ID), func(w io.Writer) error {
		_, err := w.Write(out)
		return err
	})
}

// encodeRecordFile returns the content of r's record file (see Store),
// indented, with a final newline.
func encodeRecordFile(r Record) ([]byte, error) {
	rec, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(rec)
	var compact bytes.Buffer
	fmt.Fprintf(&compact, `{"format":%q,"sha256":%q,"record":`, Format, hex.EncodeToString(sum[:]))
	compact.Write(rec)
	compact.WriteByte('}')
	var out bytes.Buffer
	if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// writeCheckPrefix starts the name of CheckWritable's test file.
const writeCheckPrefix = ".pelab-write-check-"

// IsTemp reports whether name (a base name) is that of a temporary file a
// writer of a results directory makes and removes: an atomic write's
// ".<name>.tmp<digits>" (atomicfile.IsTemp: records, checkpoints,
// artifacts, summaries) or CheckWritable's ".pelab-write-check-<digits>".
// One that outlives its writer (killed) is stale.
func IsTemp(name string) bool {
	if rest, ok := strings.CutPrefix(name, writeCheckPrefix); ok {
		return rest != "" && strings.Trim(rest, "0123456789") == ""
	}
	return atomicfile.IsTemp(name)
}

// CheckWritable makes sure that records can be written to dir before any
// work is done: it creates dir (and its parents) if needed, then creates and
// removes a temporary file in it. It fails with an error naming dir when dir
// is a file, lies under a file, or is not writable (read-only file system,
// permissions). Commands call it on their output directories before they
// train, so that a bad -out fails in a second rather than after the
// training, at the first write.
func CheckWritable(dir string) error {
	if dir == "" {
		return errors.New("results: empty directory name")
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return fmt.Errorf("results: %s is a file, not a directory", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("results: cannot create directory %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, writeCheckPrefix+"*")
	if err != nil {
		return fmt.Errorf("results: directory %s is not writable: %w", dir, err)
	}
	name := f.Name()
	if err := f.Close(); err != nil {
		os.Remove(name)
		return fmt.Errorf("results: directory %s is not writable: %w", dir, err)
	}
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("results: directory %s: cannot remove the test file %s: %w", dir, name, err)
	}
	return nil
}

// CheckCreatable is CheckWritable without side effects, for commands that
// check their output directory before their other inputs: it fails when dir
// is a file, lies under a file, or it or its nearest existing ancestor is
// not a directory the process may write (access(2), W_OK: permissions and
// read-only file systems), and it creates nothing, so that a command that
// stops at a later bad input leaves no empty folder behind. CheckWritable
// still runs before the first write.
func CheckCreatable(dir string) error {
	if dir == "" {
		return errors.New("results: empty directory name")
	}
	for p := filepath.Clean(dir); ; {
		fi, err := os.Stat(p)
		switch {
		case err == nil && !fi.IsDir() && p == filepath.Clean(dir):
			return fmt.Errorf("results: %s is a file, not a directory", dir)
		case err == nil && !fi.IsDir():
			return fmt.Errorf("results: cannot create directory %s: %s is a file", dir, p)
		case err == nil:
			err := syscall.Access(p, 2 /* W_OK */)
			switch {
			case err != nil && p == filepath.Clean(dir):
				return fmt.Errorf("results: directory %s is not writable: %w", dir, err)
			case err != nil:
				return fmt.Errorf("results: cannot create directory %s: %s is not writable: %w", dir, p, err)
			}
			return nil
		}
		parent := filepath.Dir(p)
		if parent == p {
			return fmt.Errorf("results: cannot create directory %s: no existing ancestor", dir)
		}
		p = parent
	}
}

// Get reads the record with the given id. It returns ok = false and no
// error when there is no such file, and a *CorruptError when the file exists
// but is damaged.
func (s *Store) Get(id string) (r Record, ok bool, err error) {
	if !ValidID(id) {
		return Record{}, false, fmt.Errorf("results: get: invalid record id %q", id)
	}
	r, err = readRecordFile(s.Path(id), id)
	if errors.Is(err, fs.ErrNotExist) {
		return Record{}, false, nil
	}
	if err != nil {
		return Record{}, false, err
	}
	return r, true, nil
}

// Has reports whether a valid, complete record with the given id is stored.
// A damaged file gives false and its *CorruptError, so that the caller sees
// it; use errors.As to tell it from other errors and redo the record.
func (s *Store) Has(id string) (bool, error) {
	_, ok, err := s.Get(id)
	return ok, err
}

// All reads every record in the store. It returns the valid records, sorted
// by Compare, and one error per record file that cannot be used: a
// *CorruptError when its content is damaged, the read error when it cannot
// be read. err is set only when the directory itself cannot be read.
func (s *Store) All() (rs []Record, corrupt []error, err error) {
	entries, err := os.ReadDir(s.Dir)
	if err != nil {
		return nil, nil, fmt.Errorf("results: read store: %w", err)
	}
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !ValidID(id) || !e.Type().IsRegular() {
			continue
		}
		r, err := readRecordFile(s.Path(id), id)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			// Removed between ReadDir and the read.
		case err != nil:
			corrupt = append(corrupt, err)
		default:
			rs = append(rs, r)
		}
	}
	Sort(rs)
	return rs, corrupt, nil
}

// readRecordFile reads and checks one record file. A missing file gives an
// error wrapping fs.ErrNotExist; any other problem with the content gives a
// *CorruptError.
func readRecordFile(path, id string) (Record, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Record{}, err
		}
		return Record{}, fmt.Errorf("results: read %s: %w", path, err)
	}
	return decodeRecordFile(path, id, b)
}

// decodeRecordFile checks and decodes the content b of the record file path
// (see Store), which must hold the record with the given id; any problem
// gives a *CorruptError naming path and what is wrong.
func decodeRecordFile(path, id string, b []byte) (Record, error) {
	corrupt := func(format string, args ...any) error {
		return &CorruptError{Path: path, Err: fmt.Errorf(format, args...)}
	}
	var env envelope
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return Record{}, corrupt("bad JSON (truncated or partial write?): %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Record{}, corrupt("trailing data after the record")
	}
	if env.Format != Format {
		return Record{}, corrupt("format %q: want %q", env.Format, Format)
	}
	if len(env.Record) == 0 || env.SHA256 == "" {
		return Record{}, corrupt("missing record or sha256")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, env.Record); err != nil {
		return Record{}, corrupt("bad record JSON: %w", err)
	}
	sum := sha256.Sum256(compact.Bytes())
	if got := hex.EncodeToString(sum[:]); got != env.SHA256 {
		return Record{}, corrupt("checksum mismatch: content has sha256 %s, file says %s", got, env.SHA256)
	}
	var r Record
	if err := json.Unmarshal(compact.Bytes(), &r); err != nil {
		return Record{}, corrupt("bad record: %w", err)
	}
	if err := r.Validate(); err != nil {
		return Record{}, corrupt("%w", err)
	}
	if r.ID != id {
		return Record{}, corrupt("record id %q differs from the file name", r.ID)
	}
	return r, nil
}

// writeFileAtomic writes path through a temporary file in the same
// directory (see internal/atomicfile): on any error path is left as it was.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	if err := atomicfile.WriteFunc(path, write); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	return nil
}
