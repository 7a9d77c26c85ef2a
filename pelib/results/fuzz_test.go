package results

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRecord feeds arbitrary bytes to the record file decoder that Get and
// All use: as a whole file (wrap false), or as the record object put in an
// envelope with its correct checksum (wrap true), so that the fuzzer reaches
// the record decoding and validation behind the checksum. It must never
// panic; a rejected file is a *CorruptError naming the file; an accepted one
// is a valid record that writes back to a file that decodes to the same
// bytes again (encode ∘ decode is idempotent).
func FuzzRecord(f *testing.F) {
	r := sample(f, "learn:normal:0.2", 0.2, 2235)
	good, err := encodeRecordFile(r)
	if err != nil {
		f.Fatal(err)
	}
	rec, err := json.Marshal(r)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, false)
	f.Add(good[:len(good)/2], false)
	f.Add([]byte(`{"format":"pelab-results/1","sha256":"","record":{}}`), false)
	f.Add(bytes.Replace(good, []byte(`"ok"`), []byte(`"diverged"`), 1), false)
	f.Add([]byte("{}"), false)
	f.Add([]byte(""), false)
	f.Add(rec, true)
	f.Add(bytes.Replace(rec, []byte(`"ok"`), []byte(`"diverged"`), 1), true)
	f.Add([]byte(`{"id":"`+r.ID+`","experiment":"x","status":"ok","final":{"a":"NaN"},"history":[{"step":1,"epoch":1,"metrics":{"l":"-Inf"}}],"started":"2024-01-01T00:00:00+01:00"}`), true)
	const path = "dir/rec.json"
	f.Fuzz(func(t *testing.T, b []byte, wrap bool) {
		if wrap {
			var c bytes.Buffer
			if json.Compact(&c, b) != nil {
				return
			}
			sum := sha256.Sum256(c.Bytes())
			b = fmt.Appendf(nil, `{"format":%q,"sha256":%q,"record":%s}`, Format, hex.EncodeToString(sum[:]), c.Bytes())
		}
		got, err := decodeRecordFile(path, r.ID, b)
		if err != nil {
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.Path != path || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q (%T): want a *CorruptError naming %s", err, err, path)
			}
			return
		}
		if err := got.Validate(); err != nil {
			t.Fatalf("decoded an invalid record: %v", err)
		}
		enc, err := encodeRecordFile(got)
		if err != nil {
			t.Fatalf("a decoded record does not encode: %v", err)
		}
		again, err := decodeRecordFile(path, r.ID, enc)
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v\n%s", err, enc)
		}
		enc2, err := encodeRecordFile(again)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("round trip differs (%v):\n%s\n%s", err, enc, enc2)
		}
	})
}

func TestCheckWritable(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, dir, want string
		skipRoot        bool // root writes through permissions
	}{
		{"new nested dir", filepath.Join(dir, "a", "b"), "", false},
		{"existing dir", dir, "", false},
		{"empty", "", "empty directory name", false},
		{"a file", file, file + " is a file, not a directory", false},
		{"under a file", filepath.Join(file, "sub"), "cannot create directory " + filepath.Join(file, "sub"), false},
		{"read-only", ro, "directory " + ro + " is not writable", true},
		{"under read-only", filepath.Join(ro, "sub"), "cannot create directory " + filepath.Join(ro, "sub"), true},
	} {
		if tc.skipRoot && os.Geteuid() == 0 {
			continue
		}
		// CheckCreatable first: it must answer the same and create nothing.
		for _, check := range []struct {
			name string
			fn   func(string) error
		}{{"CheckCreatable", CheckCreatable}, {"CheckWritable", CheckWritable}} {
			_, statErr := os.Stat(tc.dir)
			err := check.fn(tc.dir)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("%s %s: %v", check.name, tc.name, err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("%s %s: error %v; want one containing %q", check.name, tc.name, err, tc.want)
			}
			if _, err := os.Stat(tc.dir); check.name == "CheckCreatable" && tc.dir != "" && os.IsNotExist(statErr) && !os.IsNotExist(err) {
				t.Errorf("CheckCreatable %s: created %s", tc.name, tc.dir)
			}
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".pelab-write-check") {
			t.Errorf("left the test file %s behind", e.Name())
		}
	}
}
