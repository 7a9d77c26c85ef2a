package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelab/pelab/internal/shared"
	"github.com/pelab/pelab/pelib/fetch"
)

func TestDataCommandErrors(t *testing.T) {
	t.Setenv(fetch.EnvVar, t.TempDir())
	tests := []struct {
		name    string
		args    []string
		wantRC  int    // 2 for a usage error, 1 for others
		wantErr string // in stderr
	}{
		{"flag error", []string{"data", "fetch", "--bogus", "lst"}, 2, "flag provided but not defined: -bogus"},
		{"flag error verify", []string{"data", "verify", "lst", "--accept-terms"}, 2, "flag provided but not defined: -accept-terms"},
		{"unknown data set", []string{"data", "fetch", "nope"}, 2, `unknown data set "nope"; known: hcp-glasser360, lst`},
		{"unknown data set verify", []string{"data", "verify", "nope", "--dir", "x"}, 2, `unknown data set "nope"`},
		{"missing name", []string{"data", "fetch"}, 2, "missing data set name"},
		{"extra argument", []string{"data", "verify", "lst", "more"}, 2, `extra arguments "more"`},
		{"unknown subcommand", []string{"data", "download", "lst"}, 2, `unknown subcommand "download"`},
		{"no subcommand", []string{"data"}, 2, "missing subcommand"},
		{"verify before fetch", []string{"data", "verify", "lst"}, 1, "run: pelab data fetch lst"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			rc := runMain(tc.args, &stdout, &stderr)
			if rc != tc.wantRC || !strings.Contains(stderr.String(), tc.wantErr) {
				t.Errorf("pelab %s: rc %d, stderr %q; want rc %d and stderr containing %q",
					strings.Join(tc.args, " "), rc, stderr.String(), tc.wantRC, tc.wantErr)
			}
		})
	}
}

func TestDataList(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if rc := runMain([]string{"data", "list"}, &stdout, &stderr); rc != 0 {
		t.Fatalf("rc %d, stderr %s", rc, stderr.String())
	}
	if !strings.Contains(stdout.String(), "lst ") || !strings.Contains(stdout.String(), "5 (297 KiB)") {
		t.Errorf("list output lacks the lst row:\n%s", stdout.String())
	}
}

func TestDataVerifyShared(t *testing.T) {
	dir := shared.TestData(t, "lst")
	var stdout, stderr bytes.Buffer
	if rc := runMain([]string{"data", "verify", "lst", "--dir", dir}, &stdout, &stderr); rc != 0 {
		t.Fatalf("rc %d, stderr %s", rc, stderr.String())
	}
	if !strings.Contains(stdout.String(), "5 files verified") {
		t.Errorf("stdout %q", stdout.String())
	}
}

// TestDataFetch runs fetch and verify over a toy data set served on loopback.
func TestDataFetch(t *testing.T) {
	body := []byte("a,b\n1,2\n")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/t.csv" {
			http.NotFound(w, r)
			return
		}
		w.Write(body)
	}))
	defer srv.Close()
	h := sha256.Sum256(body)
	toy := fetch.Dataset{Name: "toy", Summary: "toy", License: "CC0", Terms: "Cite the toy.",
		Files: []fetch.File{{Path: "t.csv", URL: srv.URL + "/t.csv", SHA256: hex.EncodeToString(h[:]), Size: int64(len(body))}}}
	sets := []fetch.Dataset{toy}
	dir := filepath.Join(t.TempDir(), "toy")
	ctx := context.Background()

	var out bytes.Buffer
	err := runData(ctx, []string{"fetch", "toy", "--dir", dir}, &out, sets, srv.Client())
	if err == nil || !strings.Contains(err.Error(), "pelab data fetch toy --accept-terms") {
		t.Fatalf("fetch without --accept-terms: err %v, want a refusal quoting the flag", err)
	}
	if !strings.Contains(out.String(), "Cite the toy.") {
		t.Errorf("terms not shown:\n%s", out.String())
	}
	out.Reset()
	if err := runData(ctx, []string{"fetch", "--accept-terms", "toy", "--dir", dir}, &out, sets, srv.Client()); err != nil {
		t.Fatalf("fetch: %v\n%s", err, out.String())
	}
	if b, err := os.ReadFile(filepath.Join(dir, "t.csv")); err != nil || !bytes.Equal(b, body) {
		t.Errorf("fetched file: %q, %v", b, err)
	}
	out.Reset()
	if err := runData(ctx, []string{"verify", "toy", "--dir", dir}, &out, sets, nil); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if strings.Contains(out.String(), "other files") {
		t.Errorf("verify of the data set alone lists other files:\n%s", out.String())
	}
	// Files beside the data set are listed (verify said only "1 files
	// verified" and nothing of them).
	for _, extra := range []string{"sub/extra.h5", "notes.txt"} {
		p := filepath.Join(dir, filepath.FromSlash(extra))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out.Reset()
	if err := runData(ctx, []string{"verify", "toy", "--dir", dir}, &out, sets, nil); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if want := "2 other files, not part of toy and not verified:\n  notes.txt\n  sub/extra.h5\n"; !strings.Contains(out.String(), want) {
		t.Errorf("verify beside other files printed\n%s\nwant it to contain\n%s", out.String(), want)
	}
	if err := os.WriteFile(filepath.Join(dir, "t.csv"), []byte("a,b\n1,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := runData(ctx, []string{"verify", "toy", "--dir", dir}, &out, sets, nil); err == nil || !strings.Contains(err.Error(), "sha256") {
		t.Errorf("verify of a damaged file: err %v, want a sha256 mismatch", err)
	}
}
