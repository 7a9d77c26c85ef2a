package main

import (
	"bytes"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/npy"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/tokens"
)

// TestTokensRunFigures (issue 23 items 5c, 5d, 5f): a short `pelab
// tokens` run on coordinates in mm writes its figures into the output
// folder — held-out MSE and RSA against σ, the given layout, and each
// learned condition's first-seed PE layout against the coordinates — as
// non-blank PNGs, says where they went and that `pelab report` makes the
// full report, states the coordinate unit it took from the data, and
// stores the training loss in every record's history. The figures say
// "tokens" (never netsim's "nodes") and name the protocol as it ran
// ("quick protocol, 3 epochs", not "protocol quick").
func TestTokensRunFigures(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: trains 4 small models; not in -short")
	}
	dir := t.TempDir()
	signals := filepath.Join(dir, "signals")
	if err := os.MkdirAll(signals, 0o755); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("name,x,y\n")
	const S, L = 16, 64
	for s := range S {
		fmt.Fprintf(&b, "t%d,%g,%g\n", s, 7*float64(s/4), 7*float64(s%4)) // a 4 × 4 grid 7 mm apart
	}
	coords := filepath.Join(dir, "coords.csv")
	if err := os.WriteFile(coords, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for r := range 4 {
		x := make([]float64, S*L)
		for s := range S {
			for i := range L {
				x[s*L+i] = math.Sin(0.4*float64(i)+0.6*float64(s/4)+float64(r)) + 0.3*math.Cos(float64(i*(s+1)+r))
			}
		}
		if err := npy.Write(filepath.Join(signals, fmt.Sprintf("r%d.npy", r)), x, S, L); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	args := []string{"tokens", "-coords", coords, "-signals", signals, "-test", "r3", "-window", "4", "-epochs", "3", "-eval-every", "1",
		"-pe", "learn-0.5,learn-2,sinnd,none", "-seeds", "1", "-out", out}
	if code := runMain(args, &stdout, &stderr); code != 0 {
		t.Fatalf("pelab %s: exit %d\nstdout %s\nstderr %s", strings.Join(args, " "), code, stdout.String(), stderr.String())
	}
	say := stdout.String()
	figDir := filepath.Join(out, tokens.FiguresDir)
	for _, want := range []string{"coordinate unit 7 of your coordinates (-coord-unit auto", "figures (quick protocol, 3 epochs, windows of 4 points): ",
		"written to " + figDir, "pelab report " + out, "## Your tokens: data 001, quick protocol, 3 epochs, windows of 4 points"} {
		if !strings.Contains(say, want) {
			t.Errorf("stdout does not say %q:\n%s", want, say)
		}
	}
	for _, f := range []string{"mse-sigma.png", "rsa-sigma.png", "layout.png", "pe-learn-0.5-layout.png", "pe-learn-2-layout.png",
		"pe-learn-0.5-similarity.png", "pe-sinnd-layout.png"} {
		data, err := os.ReadFile(filepath.Join(figDir, f))
		if err != nil {
			t.Errorf("figure %s: %v", f, err)
			continue
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Errorf("figure %s: %v", f, err)
			continue
		}
		first, blank := img.At(0, 0), true
		for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y && blank; y++ {
			for x := img.Bounds().Min.X; x < img.Bounds().Max.X && blank; x++ {
				r1, g1, b1, a1 := img.At(x, y).RGBA()
				r0, g0, b0, a0 := first.RGBA()
				blank = r1 == r0 && g1 == g0 && b1 == b0 && a1 == a0
			}
		}
		if blank {
			t.Errorf("figure %s is blank (every pixel %v)", f, first)
		}
	}
	st, err := results.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	recs, _, err := st.All()
	if err != nil || len(recs) != 4 {
		t.Fatalf("%d records, %v; want 4", len(recs), err)
	}
	for _, r := range recs {
		n := 0
		for _, p := range r.History {
			if _, ok := p.Metrics["test_mse"]; !ok {
				continue
			}
			n++
			if l, ok := p.Metrics["train_loss"]; !ok || !(l > 0) {
				t.Errorf("%s epoch %g: train_loss %v (present %v), want > 0", r.Condition, p.Epoch, l, ok)
			}
			if _, ok := p.Metrics["train_mse"]; !ok {
				t.Errorf("%s epoch %g: no train_mse", r.Condition, p.Epoch)
			}
		}
		if n != 3 {
			t.Errorf("%s: %d evaluations, want 3 (-epochs 3 -eval-every 1)", r.Condition, n)
		}
		if _, ok := r.Final["train_loss"]; !ok {
			t.Errorf("%s: no final train_loss", r.Condition)
		}
	}
	// The same figures' text (SVG): tokens' words, the protocol as run,
	// axes with their unit.
	p := tokens.Quick()
	p.Window = 4
	task, err := tokens.NewTask(p, tokens.Input{Coords: coords, Signals: signals, Split: tokens.Split{Test: []string{"r3"}}})
	if err != nil {
		t.Fatal(err)
	}
	an, err := tokens.NewAnalyzer(task, p)
	if err != nil {
		t.Fatal(err)
	}
	const label = "quick protocol, 3 epochs"
	files, figs, skipped, err := an.RunFigures(st, recs, "quick", label)
	if err != nil || len(skipped) > 0 {
		t.Fatalf("figures %v, skipped %v, %v", files, skipped, err)
	}
	wants := map[string][]string{
		"mse-sigma.png":           {"held-out MSE, 50 % of tokens masked", label, "σ of the N(0, σ²) initialisation", "sinnd", "none"},
		"rsa-sigma.png":           {"RSA of the PE with −distance between tokens", label},
		"layout.png":              {"x (units of 7)", "y (units of 7)"},
		"pe-learn-0.5-layout.png": {"block-1 PE against the given positions", "alignment error", "units of 7", "x (units of 7)"},
	}
	for i, f := range files {
		svg, err := figs[i].SVG(0, 0)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		text := string(svg)
		for _, w := range wants[f] {
			if !strings.Contains(text, w) {
				t.Errorf("%s does not say %q", f, w)
			}
		}
		for _, bad := range []string{"nodes", "protocol quick"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s says %q", f, bad)
			}
		}
		delete(wants, f)
	}
	if len(wants) > 0 {
		t.Errorf("figures not drawn: %v", wants)
	}
}
