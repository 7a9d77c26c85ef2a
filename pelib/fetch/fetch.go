// Package fetch downloads and verifies pelab's data sets: the one downloader
// every data set uses.
//
// A Dataset names its files, each with a public URL and, where known, its
// size and SHA-256. Fetch downloads into a per-data-set folder (by default
// DefaultDir(name): $PELAB_DATA/<name>, else <user cache>/pelab/<name>),
// skipping files that are already present and valid, so a second run only
// fetches what is missing or damaged.
//
// Design choices:
//   - Every file is streamed into a temporary file in its destination folder,
//     hashed on the way, checked against its size and SHA-256, and only then
//     renamed into place. A failed or interrupted download never leaves a
//     partial file under the final name; a file that fails its checksum is
//     deleted.
//   - A file with an empty SHA256 is "unpinned": it is accepted after download
//     and its computed hash is written to Progress so that it can be pinned.
//     A Size of 0 means the size is unknown and is not checked.
//   - A data set with Terms (a licence or data-use agreement that must be
//     accepted) is refused unless Options.AcceptTerms is set; the terms are
//     printed to Progress first so that the user knows what they accept.
//   - Paths inside the data set are relative and may not leave its folder.
package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// EnvVar names the environment variable that overrides the root of the data
// cache: data set <name> then lives in $PELAB_DATA/<name>.
const EnvVar = "PELAB_DATA"

// File is one file of a data set.
type File struct {
	Path   string // relative path inside the data set's folder, slash-separated
	URL    string // where to download it from
	SHA256 string // lower-case hex SHA-256 of its bytes; "" if not pinned
	Size   int64  // size in bytes; 0 if unknown
}

// Dataset describes a downloadable data set.
type Dataset struct {
	Name    string // short name, used as the folder name and on the command line
	Summary string // one line for `pelab data list`
	License string // licence of the data, in a few words
	Terms   string // terms that must be accepted before download; "" if none
	Files   []File
}

// Options configures Fetch.
type Options struct {
	Dir         string       // destination folder; "" means DefaultDir(ds.Name)
	AcceptTerms bool         // the user accepts ds.Terms
	Client      *http.Client // nil means a client with no overall timeout (ctx cancels)
	Progress    io.Writer    // progress messages and terms; nil means none
}

// DefaultDir returns the folder for data set name: $PELAB_DATA/<name> when
// $PELAB_DATA is set, else <os.UserCacheDir()>/pelab/<name>.
func DefaultDir(name string) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	if root := os.Getenv(EnvVar); root != "" {
		return filepath.Join(root, name), nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("fetch: no cache folder for %q (set $%s): %w", name, EnvVar, err)
	}
	return filepath.Join(cache, "pelab", name), nil
}

func checkName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return fmt.Errorf("fetch: bad data set name %q: want a plain folder name", name)
	}
	return nil
}

// check validates the description of the data set itself.
func (ds Dataset) check() error {
	if err := checkName(ds.Name); err != nil {
		return err
	}
	if len(ds.Files) == 0 {
		return fmt.Errorf("fetch: data set %q lists no files", ds.Name)
	}
	seen := map[string]bool{}
	for i, f := range ds.Files {
		if f.Path == "" || !filepath.IsLocal(filepath.FromSlash(f.Path)) {
			return fmt.Errorf("fetch: data set %q file %d: path %q must be relative and stay inside the data set folder", ds.Name, i, f.Path)
		}
		if seen[f.Path] {
			return fmt.Errorf("fetch: data set %q lists %q twice", ds.Name, f.Path)
		}
		seen[f.Path] = true
		if f.SHA256 != "" {
			if b, err := hex.DecodeString(f.SHA256); err != nil || len(b) != sha256.Size {
				return fmt.Errorf("fetch: data set %q file %q: SHA256 %q is not 64 hex digits", ds.Name, f.Path, f.SHA256)
			}
		}
		if f.Size < 0 {
			return fmt.Errorf("fetch: data set %q file %q: negative size %d", ds.Name, f.Path, f.Size)
		}
	}
	return nil
}

// Fetch downloads the files of ds that are missing or invalid into opt.Dir
// (or DefaultDir(ds.Name)) and returns that folder. Files already present
// with the right size and SHA-256 are skipped. It refuses a data set with
// Terms unless opt.AcceptTerms is set, after writing the terms to
// opt.Progress.
func Fetch(ctx context.Context, ds Dataset, opt Options) (dir string, err error) {
	if err := ds.check(); err != nil {
		return "", err
	}
	progress := opt.Progress
	if progress == nil {
		progress = io.Discard
	}
	if ds.Terms != "" {
		fmt.Fprintf(progress, "Data set %q comes with these terms:\n\n%s\n\n", ds.Name, strings.TrimSpace(ds.Terms))
		if !opt.AcceptTerms {
			return "", fmt.Errorf("fetch: data set %q has terms of use (printed above) that must be accepted first: "+
				"rerun as `pelab data fetch %s --accept-terms` (in Go: fetch.Options{AcceptTerms: true})", ds.Name, ds.Name)
		}
		fmt.Fprintf(progress, "Terms of %q accepted.\n", ds.Name)
	}
	dir = opt.Dir
	if dir == "" {
		if dir, err = DefaultDir(ds.Name); err != nil {
			return "", err
		}
	}
	client := opt.Client
	if client == nil {
		client = &http.Client{}
	}
	for _, f := range ds.Files {
		dst := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := verifyFile(f, dst); err == nil {
			fmt.Fprintf(progress, "%s: present and valid, skipped\n", f.Path)
			continue
		} else if !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(progress, "%s: present but invalid (%v), downloading again\n", f.Path, err)
		}
		if err := ctx.Err(); err != nil {
			return dir, fmt.Errorf("fetch: %s: %w", ds.Name, err)
		}
		n, sum, err := download(ctx, client, f, dst)
		if err != nil {
			return dir, fmt.Errorf("fetch: data set %q: %w", ds.Name, err)
		}
		if f.SHA256 == "" {
			fmt.Fprintf(progress, "%s: downloaded %d bytes, unpinned: sha256 %s\n", f.Path, n, sum)
		} else {
			fmt.Fprintf(progress, "%s: downloaded %d bytes, sha256 verified\n", f.Path, n)
		}
	}
	return dir, nil
}

// download fetches f.URL into dst through a temporary file in dst's folder,
// checks size and SHA-256, and renames it into place. It returns the number
// of bytes and their hex SHA-256.
func download(ctx context.Context, client *http.Client, f File, dst string) (n int64, sum string, err error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return 0, "", fmt.Errorf("%s: %w", f.Path, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL, nil)
	if err != nil {
		return 0, "", fmt.Errorf("%s: bad URL %q: %w", f.Path, f.URL, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("%s: GET %s: %w", f.Path, f.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, "", fmt.Errorf("%s: GET %s: HTTP status %s", f.Path, f.URL, resp.Status)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".part-*")
	if err != nil {
		return 0, "", fmt.Errorf("%s: %w", f.Path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	body := io.Reader(resp.Body)
	if f.Size > 0 {
		// Read one byte past the expected size so that an over-long body is
		// detected without reading it all.
		body = io.LimitReader(body, f.Size+1)
	}
	n, err = io.Copy(io.MultiWriter(tmp, h), body)
	if err != nil {
		return n, "", fmt.Errorf("%s: GET %s: reading body after %d bytes: %w", f.Path, f.URL, n, err)
	}
	sum = hex.EncodeToString(h.Sum(nil))
	if f.Size > 0 && n != f.Size {
		return n, sum, fmt.Errorf("%s: GET %s: got %s bytes, want %d; file not kept", f.Path, f.URL, sizeString(n, f.Size), f.Size)
	}
	if f.SHA256 != "" && !strings.EqualFold(sum, f.SHA256) {
		return n, sum, fmt.Errorf("%s: GET %s: sha256 %s, want %s; file not kept", f.Path, f.URL, sum, f.SHA256)
	}
	if err = tmp.Sync(); err != nil {
		return n, sum, fmt.Errorf("%s: %w", f.Path, err)
	}
	if err = tmp.Close(); err != nil {
		return n, sum, fmt.Errorf("%s: %w", f.Path, err)
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return n, sum, fmt.Errorf("%s: %w", f.Path, err)
	}
	if err = os.Rename(tmp.Name(), dst); err != nil {
		return n, sum, fmt.Errorf("%s: %w", f.Path, err)
	}
	return n, sum, nil
}

func sizeString(n, want int64) string {
	if n > want {
		return fmt.Sprintf("more than %d", want)
	}
	return fmt.Sprint(n)
}

// Verify checks that every file of ds is present in dir with its size and
// SHA-256. It returns nil or an error listing every file that fails; the
// error wraps os.ErrNotExist when a file is missing.
func Verify(ds Dataset, dir string) error {
	if err := ds.check(); err != nil {
		return err
	}
	var errs []error
	for _, f := range ds.Files {
		if err := verifyFile(f, filepath.Join(dir, filepath.FromSlash(f.Path))); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("fetch: data set %q in %s: %w", ds.Name, dir, errors.Join(errs...))
	}
	return nil
}

// Unlisted returns the files under dir that are not files of ds, as
// slash-separated paths relative to dir, sorted (folders are not listed,
// their files are): files a user or another tool put beside the data set,
// which Verify does not check and a reader of the folder (pelab fmri reads
// every subject file in rest/) may still read.
func Unlisted(ds Dataset, dir string) ([]string, error) {
	known := make(map[string]bool, len(ds.Files))
	for _, f := range ds.Files {
		known[f.Path] = true
	}
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if rel = filepath.ToSlash(rel); !known[rel] {
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("fetch: data set %q in %s: %w", ds.Name, dir, err)
	}
	return out, nil
}

// verifyFile checks one file at path against f.
func verifyFile(f File, path string) error {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s: missing: %w", f.Path, os.ErrNotExist)
		}
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", f.Path)
	}
	if f.Size > 0 && st.Size() != f.Size {
		return fmt.Errorf("%s: size %d, want %d", f.Path, st.Size(), f.Size)
	}
	if f.SHA256 == "" {
		return nil
	}
	fh, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return fmt.Errorf("%s: reading: %w", f.Path, err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(sum, f.SHA256) {
		return fmt.Errorf("%s: sha256 %s, want %s", f.Path, sum, f.SHA256)
	}
	return nil
}
