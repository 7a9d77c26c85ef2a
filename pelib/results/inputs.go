package results

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// Inputs is the content fingerprint of the files a task read: each file's
// SHA-256 (64 lower-case hexadecimal digits) by its name. A name is the
// file's path relative to its data set's folder with '/' separators
// ("rest/HCP_example_restrun1_subj100206_data.h5"), or, for files given one
// by one, a role and the base name ("coords/coords.csv") — never an
// absolute path, so that the fingerprint, and the cell IDs it enters, do
// not depend on where the data set lies, only on what the files hold.
//
// Every experiment that reads files sets its task's Inputs (sweep.Task);
// the record config holds its Summary under InputsKey, so ConfigID, and
// with it the cell ID, depends on every input byte: a changed input file is
// a new cell. Experiments that read no file (netsim simulates its data
// from its config) leave Inputs nil and their configs without the key.
type Inputs map[string]string

// InputsKey is the key of the record config that holds Inputs.Summary.
const InputsKey = "inputs"

// InputsSummary is what a record's config keeps of its Inputs: the number
// of files and their Digest.
type InputsSummary struct {
	Files  int    `json:"files"`
	SHA256 string `json:"sha256"`
}

// HashFiles returns the Inputs of files (name → path on disk; names as
// documented on Inputs): the SHA-256 of each file's bytes, each file read
// once, in name order. An unreadable file is an error naming it.
func HashFiles(files map[string]string) (Inputs, error) {
	out := make(Inputs, len(files))
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if n == "" || strings.ContainsAny(n, "\t\n") {
			return nil, fmt.Errorf("results: input file %s: name %q: want a non-empty name without tabs or newlines", files[n], n)
		}
		sum, err := hashFile(files[n])
		if err != nil {
			return nil, fmt.Errorf("results: hashing input file: %w", err)
		}
		out[n] = sum
	}
	return out, nil
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Digest is one SHA-256 (hexadecimal) standing for every file: the SHA-256
// of the lines "<name>\t<file SHA-256>\n", names in byte order. Two Inputs
// have the same Digest exactly when they name the same files with the same
// contents (up to SHA-256 collisions). Empty Inputs have the digest "".
func (in Inputs) Digest() string {
	if len(in) == 0 {
		return ""
	}
	names := make([]string, 0, len(in))
	for n := range in {
		names = append(names, n)
	}
	slices.Sort(names)
	h := sha256.New()
	for _, n := range names {
		io.WriteString(h, n+"\t"+in[n]+"\n")
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Summary is what a record's config keeps of in (under InputsKey).
func (in Inputs) Summary() InputsSummary {
	return InputsSummary{Files: len(in), SHA256: in.Digest()}
}

// InputDigest returns the Digest of the input files the record's model was
// trained on, from its config (InputsKey), and false when the record does
// not say: records written before pelab recorded input hashes, and records
// of experiments that read no files (netsim).
func (r Record) InputDigest() (string, bool) {
	var c struct {
		Inputs *InputsSummary `json:"inputs"`
	}
	if len(r.Config) == 0 || json.Unmarshal(r.Config, &c) != nil || c.Inputs == nil || c.Inputs.SHA256 == "" {
		return "", false
	}
	return c.Inputs.SHA256, true
}
