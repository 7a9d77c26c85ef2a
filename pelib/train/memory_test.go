package train

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/pe"
)

// TestEstimateMemoryArithmetic checks EstimateMemory on a configuration
// small enough to count by hand: S = 4 tokens, F = 2 features, D = 4, one
// block, one head, MLP ratio 1 (R = 4), one output, mean readout, no PE;
// M = 2 models, batch B = 3; training data N = 10, evaluation N = 5.
//
//	P = embed F·D + D = 12; block q, k, v 3·(16 + 4) = 60, out 20, ln1 8,
//	    mlp1 20, mlp2 20, ln2 8 = 136; head D·O + O = 5      → 153
//	parameters  4 · 8 · M · P                                  = 9,792
//	attention   2 · 4 · M · B · L · 6 · H · S² = 2·4·2·3·6·16    = 4,608
//	states      2 · 4 · M · B · (L·(24·16 + 4·16) + S·(2 + 8 + 2))
//	            = 48 · (448 + 48)                              = 23,808
//	evaluation  Be = min(256, max N = 10) = 10:
//	            2 · 2 · 4 · M · Be · (3·16 + 12·16 + 2·16) = 320 · 272 = 87,040
//	data        4 · 2 · N · S · (F + F) = 8·10·16 + 8·5·16     = 1,280 + 640
//	runtime     768 MiB                                        = 805,306,368
//	total                                                      = 805,433,536
//
// (the leading 2 of three terms is arenaFactor, the evaluation's second
// 2 evalPrograms).
func TestEstimateMemoryArithmetic(t *testing.T) {
	none, err := pe.Parse("none")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Model: model.Config{Tokens: 4, Features: 2, Width: 4, Blocks: 1, Heads: 1, MLPRatio: 1,
		Outputs: 1, Readout: model.ReadoutMean, PE: none}, BatchSize: 3}
	est := EstimateMemory(cfg, 2, &Data{Name: "train", N: 10, S: 4, F: 2}, &Data{Name: "test", N: 5, S: 4, F: 2})
	want := map[string]float64{
		"runtime": 805306368, "parameters": 9792, "attention": 4608, "token states": 23808,
		"evaluation": 87040, `data "train"`: 1280, `data "test"`: 640,
	}
	if len(est.Terms) != len(want) {
		t.Fatalf("%d terms, want %d: %+v", len(est.Terms), len(want), est.Terms)
	}
	for _, term := range est.Terms {
		found := false
		for prefix, b := range want {
			if strings.HasPrefix(term.Name, prefix) {
				found = true
				if term.Bytes != b {
					t.Errorf("%s: %g bytes, want %g", term.Name, term.Bytes, b)
				}
			}
		}
		if !found {
			t.Errorf("unexpected term %q", term.Name)
		}
	}
	if got := est.Total(); got != 805433536 {
		t.Errorf("total %g bytes, want 805433536", got)
	}
	if big := est.Largest(); !strings.HasPrefix(big.Name, "evaluation") {
		t.Errorf("largest term %q, want the evaluation chunk (the runtime is larger but fixed)", big.Name)
	}
}

// TestEvalBatchFor: 256 for every one-head model up to 512 tokens (the
// existing experiments' evaluation masks stay the same), fewer beyond.
func TestEvalBatchFor(t *testing.T) {
	for _, tt := range []struct{ S, H, want int }{
		{16, 1, 256}, {64, 1, 256}, {360, 1, 256}, {512, 1, 256}, {513, 1, 255},
		{1000, 1, 67}, {5000, 1, 2}, {100000, 1, 1}, {512, 2, 128},
	} {
		if got := EvalBatchFor(model.Config{Tokens: tt.S, Heads: tt.H}); got != tt.want {
			t.Errorf("S = %d, H = %d: %d, want %d", tt.S, tt.H, got, tt.want)
		}
	}
	if got := (Config{Model: model.Config{Tokens: 1000}}).withDefaults().EvalBatch; got != 67 {
		t.Errorf("default EvalBatch of 1000 tokens: %d, want 67", got)
	}
}

func TestParseMemory(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want float64
	}{{"8GiB", 8 << 30}, {"8g", 8 << 30}, {" 512 MiB", 512 << 20}, {"1.5G", 1.5 * (1 << 30)}, {"512m", 512 << 20}} {
		if got, err := ParseMemory(tt.in); err != nil || got != tt.want {
			t.Errorf("%q: %g, %v; want %g", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "8", "8TB", "-1GiB", "0MiB", "GiB", "infG", "NaNG"} {
		if _, err := ParseMemory(bad); err == nil || !strings.Contains(err.Error(), "8GiB or 512MiB") {
			t.Errorf("%q: error %v, want one naming the form", bad, err)
		}
	}
}

// TestBudget: the flag wins; else MemAvailable of the meminfo file; no
// file: unknown (not checked).
func TestBudget(t *testing.T) {
	dir := t.TempDir()
	mi := filepath.Join(dir, "meminfo")
	if err := os.WriteFile(mi, []byte("MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:    2048 kB\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		flag, file string
		bytes      float64
		ok         bool
	}{{"1GiB", mi, 1 << 30, true}, {"", mi, 2 << 20, true}, {"", filepath.Join(dir, "none"), 0, false}} {
		b, err := Budget(tt.flag, tt.file)
		if err != nil || b.Bytes != tt.bytes || b.OK != tt.ok {
			t.Errorf("Budget(%q, %s) = %+v, %v; want %g bytes, ok %v", tt.flag, tt.file, b, err, tt.bytes, tt.ok)
		}
	}
	if _, err := Budget("lots", mi); err == nil {
		t.Error("Budget(lots): no error")
	}
}

// TestCheckMemory: a refusal names the largest term's dimension and the
// budget's source; an estimate that fits, or an unknown budget, passes.
func TestCheckMemory(t *testing.T) {
	var est Memory
	est.Add("runtime", "", 1<<20)
	est.Add("attention", "S = 100000 tokens", 3<<30)
	b := MemoryBudget{Bytes: 2 << 30, Source: "-max-memory 2GiB", OK: true}
	err := CheckMemory("tokens/quick", est, b)
	var me *MemoryError
	if !errors.As(err, &me) {
		t.Fatalf("error %v, want a *MemoryError", err)
	}
	for _, s := range []string{"tokens/quick", "S = 100000 tokens", "-max-memory 2GiB", "attention"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not name %q", err, s)
		}
	}
	if err := CheckMemory("x", est, MemoryBudget{Bytes: 4 << 30, OK: true}); err != nil {
		t.Errorf("fits: %v", err)
	}
	if err := CheckMemory("x", est, MemoryBudget{}); err != nil {
		t.Errorf("unknown budget: %v", err)
	}
}
