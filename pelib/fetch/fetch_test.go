package fetch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// server serves fixed bodies over loopback and counts requests per path.
type server struct {
	*httptest.Server
	mu     sync.Mutex
	bodies map[string][]byte
	hits   map[string]int
}

func newServer(t *testing.T, bodies map[string][]byte) *server {
	s := &server{bodies: bodies, hits: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		b, ok := s.bodies[r.URL.Path]
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func testDataset(s *server, files map[string][]byte) Dataset {
	ds := Dataset{Name: "toy", Summary: "toy data", License: "CC0"}
	for _, p := range []string{"a.csv", "sub/b.txt"} {
		b := files[p]
		ds.Files = append(ds.Files, File{Path: p, URL: s.URL + "/" + p, SHA256: sum(b), Size: int64(len(b))})
	}
	return ds
}

var toyFiles = map[string][]byte{
	"a.csv":     []byte("x,y\n1,2\n"),
	"sub/b.txt": []byte("hello, world\n"),
}

func serve(t *testing.T) *server {
	bodies := map[string][]byte{}
	for p, b := range toyFiles {
		bodies["/"+p] = b
	}
	return newServer(t, bodies)
}

func TestFetchGood(t *testing.T) {
	s := serve(t)
	ds := testDataset(s, toyFiles)
	dir := filepath.Join(t.TempDir(), "toy")
	var progress bytes.Buffer
	got, err := Fetch(context.Background(), ds, Options{Dir: dir, Progress: &progress})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if got != dir {
		t.Errorf("Fetch returned dir %q, want %q", got, dir)
	}
	for p, want := range toyFiles {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, want) {
			t.Errorf("%s: got %q, want %q", p, b, want)
		}
	}
	if err := Verify(ds, dir); err != nil {
		t.Errorf("Verify after Fetch: %v", err)
	}
	// No temporary files are left behind.
	for _, d := range []string{dir, filepath.Join(dir, "sub")} {
		ents, _ := os.ReadDir(d)
		for _, e := range ents {
			if strings.Contains(e.Name(), ".part-") {
				t.Errorf("temporary file %s left in %s", e.Name(), d)
			}
		}
	}
	if !strings.Contains(progress.String(), "a.csv: downloaded 8 bytes, sha256 verified") {
		t.Errorf("progress does not report the download:\n%s", progress.String())
	}
}

func TestFetchChecksumMismatch(t *testing.T) {
	tests := []struct {
		name    string
		body    []byte // what the server sends for a.csv
		wantErr string
	}{
		{"same size, other bytes", []byte("x,y\n1,3\n"), "sha256"},
		{"too short", []byte("x,y\n"), "got 4 bytes, want 8"},
		{"too long", []byte("x,y\n1,2\n3,4\n"), "got more than 8 bytes, want 8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, map[string][]byte{"/a.csv": tc.body, "/sub/b.txt": toyFiles["sub/b.txt"]})
			ds := testDataset(s, toyFiles) // pinned to the good bytes
			dir := t.TempDir()
			_, err := Fetch(context.Background(), ds, Options{Dir: dir})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "a.csv") {
				t.Fatalf("Fetch error = %v, want one naming a.csv and %q", err, tc.wantErr)
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != 0 {
				t.Errorf("files kept after a failed download: %v", ents)
			}
		})
	}
}

func TestFetchSkipsPresentAndRepairs(t *testing.T) {
	s := serve(t)
	ds := testDataset(s, toyFiles)
	dir := t.TempDir()
	if _, err := Fetch(context.Background(), ds, Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	if s.count("/a.csv") != 1 || s.count("/sub/b.txt") != 1 {
		t.Fatalf("first fetch: hits a=%d b=%d, want 1 1", s.count("/a.csv"), s.count("/sub/b.txt"))
	}
	// Second run: everything valid, nothing downloaded.
	var progress bytes.Buffer
	if _, err := Fetch(context.Background(), ds, Options{Dir: dir, Progress: &progress}); err != nil {
		t.Fatal(err)
	}
	if s.count("/a.csv") != 1 || s.count("/sub/b.txt") != 1 {
		t.Errorf("second fetch downloaded again: hits a=%d b=%d", s.count("/a.csv"), s.count("/sub/b.txt"))
	}
	if strings.Count(progress.String(), "skipped") != 2 {
		t.Errorf("second fetch progress does not report 2 skips:\n%s", progress.String())
	}
	// Damage one file and delete the other: only those are fetched again.
	if err := os.WriteFile(filepath.Join(dir, "a.csv"), []byte("x,y\n9,9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Verify(ds, dir); err == nil || !strings.Contains(err.Error(), "a.csv: sha256") {
		t.Errorf("Verify of a damaged file = %v, want a sha256 error naming a.csv", err)
	}
	if err := os.Remove(filepath.Join(dir, "sub", "b.txt")); err != nil {
		t.Fatal(err)
	}
	if err := Verify(ds, dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Verify with a missing file = %v, want one wrapping os.ErrNotExist", err)
	}
	if _, err := Fetch(context.Background(), ds, Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	if s.count("/a.csv") != 2 || s.count("/sub/b.txt") != 2 {
		t.Errorf("repair fetch: hits a=%d b=%d, want 2 2", s.count("/a.csv"), s.count("/sub/b.txt"))
	}
	if err := Verify(ds, dir); err != nil {
		t.Errorf("Verify after repair: %v", err)
	}
}

func TestFetchTerms(t *testing.T) {
	s := serve(t)
	ds := testDataset(s, toyFiles)
	ds.Terms = "You agree to cite the toy paper."
	dir := t.TempDir()
	var progress bytes.Buffer
	_, err := Fetch(context.Background(), ds, Options{Dir: dir, Progress: &progress})
	if err == nil || !strings.Contains(err.Error(), "--accept-terms") {
		t.Fatalf("Fetch without accepting terms: err = %v, want a refusal saying --accept-terms", err)
	}
	if !strings.Contains(progress.String(), ds.Terms) {
		t.Errorf("terms not written to Progress:\n%s", progress.String())
	}
	if s.count("/a.csv")+s.count("/sub/b.txt") != 0 {
		t.Errorf("refused fetch still downloaded")
	}
	if _, err := Fetch(context.Background(), ds, Options{Dir: dir, AcceptTerms: true}); err != nil {
		t.Fatalf("Fetch with terms accepted: %v", err)
	}
	if err := Verify(ds, dir); err != nil {
		t.Error(err)
	}
}

func TestFetchErrors(t *testing.T) {
	s := serve(t)
	good := testDataset(s, toyFiles)
	tests := []struct {
		name    string
		edit    func(*Dataset)
		wantErr string
	}{
		{"missing on server", func(ds *Dataset) { ds.Files[0].URL = s.URL + "/nope" }, "404"},
		{"path escapes", func(ds *Dataset) { ds.Files[0].Path = "../x" }, "stay inside"},
		{"absolute path", func(ds *Dataset) { ds.Files[0].Path = "/etc/x" }, "must be relative"},
		{"bad sha", func(ds *Dataset) { ds.Files[0].SHA256 = "abc" }, "64 hex digits"},
		{"bad name", func(ds *Dataset) { ds.Name = "a/b" }, "bad data set name"},
		{"no files", func(ds *Dataset) { ds.Files = nil }, "no files"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds := good
			ds.Files = append([]File(nil), good.Files...)
			tc.edit(&ds)
			_, err := Fetch(context.Background(), ds, Options{Dir: t.TempDir()})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestFetchUnpinned(t *testing.T) {
	s := serve(t)
	ds := testDataset(s, toyFiles)
	ds.Files[0].SHA256, ds.Files[0].Size = "", 0
	var progress bytes.Buffer
	dir := t.TempDir()
	if _, err := Fetch(context.Background(), ds, Options{Dir: dir, Progress: &progress}); err != nil {
		t.Fatal(err)
	}
	if want := "unpinned: sha256 " + sum(toyFiles["a.csv"]); !strings.Contains(progress.String(), want) {
		t.Errorf("progress lacks %q:\n%s", want, progress.String())
	}
}

func TestFetchCancelled(t *testing.T) {
	s := serve(t)
	ds := testDataset(s, toyFiles)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Fetch(ctx, ds, Options{Dir: t.TempDir()}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestDefaultDir(t *testing.T) {
	root := t.TempDir()
	t.Setenv(EnvVar, root)
	got, err := DefaultDir("lst")
	if err != nil || got != filepath.Join(root, "lst") {
		t.Errorf("DefaultDir with $%s = %q, %v; want %q", EnvVar, got, err, filepath.Join(root, "lst"))
	}
	t.Setenv(EnvVar, "")
	t.Setenv("XDG_CACHE_HOME", root) // used by os.UserCacheDir on Linux
	got, err = DefaultDir("lst")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(got, filepath.Join("pelab", "lst")) {
		t.Errorf("DefaultDir without $%s = %q, want …/pelab/lst", EnvVar, got)
	}
	if _, err := DefaultDir("../x"); err == nil {
		t.Error("DefaultDir(\"../x\") succeeded")
	}
}
