package report_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pelab/pelab/pelib/report"
	"github.com/pelab/pelab/pelib/results"
)

// fixture writes hand-made LST records: σ ∈ {0.1, 0.5, 1, 2} × seeds
// {1, 2}, val_acc = a − 0.05·seed with a falling in σ and procrustes
// rising in σ; one "other" experiment record; and one truncated file.
func fixture(t *testing.T, dir string, wall float64) {
	t.Helper()
	st, err := results.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	accs := map[string]float64{"learn-0.1": 0.9, "learn-0.5": 0.95, "learn-1": 0.8, "learn-2": 0.4}
	procr := map[string]float64{"learn-0.1": 34, "learn-0.5": 35, "learn-1": 50, "learn-2": 94}
	i := 0
	for cond, a := range accs {
		for _, seed := range []int64{1, 2} {
			cfg, _ := json.Marshal(map[string]any{"protocol": "quick", "condition": cond, "seed": seed})
			r := results.Record{ID: fmt.Sprintf("lst%02d", i), Experiment: "lst", Condition: cond, Seed: seed, Config: cfg,
				Final:  map[string]float64{"val_acc": a - 0.05*float64(seed), "test_acc": a, "procrustes": procr[cond] + float64(seed)},
				Status: results.StatusOK, WallSeconds: wall, Started: time.Unix(int64(wall), 0)}
			if err := st.Put(r); err != nil {
				t.Fatal(err)
			}
			i++
		}
	}
	cfg, _ := json.Marshal(map[string]any{"protocol": "p1"})
	for s, v := range []float64{1, 3} {
		if err := st.Put(results.Record{ID: fmt.Sprintf("oth%d", s), Experiment: "other", Condition: "c", Seed: int64(s),
			Config: cfg, Final: map[string]float64{"loss": v}, Status: results.StatusOK}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "broken.json"), []byte(`{"format": "pelab-res`), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReportFixture(t *testing.T) {
	dir := t.TempDir()
	fixture(t, dir, 1)
	rep, err := report.FromDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	md := rep.Markdown
	for _, want := range []string{
		"10 records in 2 section(s)",
		"results: corrupt record file", "broken.json", // the corrupt file is named, not used
		"# lst, protocol quick", "# other, protocol p1",
		"### Experiment 1 (LST), protocol quick", // lst.Report, demoted
		"paper val",                              // with the paper's references
		// learn-0.1: val_acc 85 and 80 % → mean 82.5, SD 3.536; the CI
		// on the logit scale (results.BoundedCI): logits 1.735, 1.386,
		// mean 1.561 ± 12.71·0.2466/√2 → [34.25, 97.75] % (the plain t
		// interval was [50.73, 114.3], above 100 %).
		"| learn-0.1 | 2 | 82.5 ± 3.536 [34.25, 97.75] |",
		// other: loss 1 and 3 → mean 2, SD 1.414; a loss is ≥ 0, so the
		// CI is on the log scale: exp(0.5493 ± 12.71·0.7768/√2) =
		// [0.001612, 1861] (the plain t interval went to −10.71).
		"| c | 2 | 2 ± 1.414 [0.001612, 1861] |",
		"![validation accuracy against σ", "(lst-quick-sigma.png)", "(lst-quick-interp.png)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if len(rep.Corrupt) != 1 {
		t.Errorf("%d corrupt files reported, want 1", len(rep.Corrupt))
	}
	if len(rep.Sections) != 2 || len(rep.Sections[0].Figures) != 2 {
		t.Fatalf("sections %d (want 2), lst figures %d (want 2)", len(rep.Sections), len(rep.Sections[0].Figures))
	}
	out := t.TempDir()
	paths, err := rep.Write(filepath.Join(out, "sub"), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 4 {
		t.Errorf("wrote %v, want 2 PNGs, report.md and report.html", paths)
	}
	png, err := os.ReadFile(filepath.Join(out, "sub", "lst-quick-interp.png"))
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("interp figure: %v, not a PNG", err)
	}
	h, err := os.ReadFile(filepath.Join(out, "sub", "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<!DOCTYPE html>", `<img src="data:image/png;base64,iVBOR`, "<th>condition</th>",
		`<td class="num">82.5 ± 3.536 [34.25, 97.75]</td>`, "<h1>lst, protocol quick</h1>"} {
		if !bytes.Contains(h, []byte(want)) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}

// TestReportDeterministic: the same records written at other times, with
// other wall times, give the same report.
func TestReportDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	fixture(t, a, 1)
	fixture(t, b, 99)
	ra, err := report.FromDir(a)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := report.FromDir(b)
	if err != nil {
		t.Fatal(err)
	}
	// The titles name the directories; the rest must agree.
	ma := strings.SplitN(ra.Markdown, "\n", 2)[1]
	mb := strings.SplitN(rb.Markdown, "\n", 2)[1]
	ma = strings.ReplaceAll(ma, a, "DIR")
	mb = strings.ReplaceAll(mb, b, "DIR")
	if ma != mb {
		t.Errorf("reports differ:\n%s\n----\n%s", ma, mb)
	}
	for i := range ra.Sections {
		for j := range ra.Sections[i].Figures {
			if !bytes.Equal(ra.Sections[i].Figures[j].PNG, rb.Sections[i].Figures[j].PNG) {
				t.Errorf("figure %s differs", ra.Sections[i].Figures[j].File)
			}
		}
	}
}

func TestReportErrors(t *testing.T) {
	if _, err := report.FromDir(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing directory: %v", err)
	}
	if _, err := report.FromDir(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no records") {
		t.Errorf("empty directory: %v", err)
	}
	// Only unusable files: each is named with what is wrong.
	dir := t.TempDir()
	for _, name := range []string{"aaa.json", "bbb.json"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(`{"format": "pelab-res`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := report.FromDir(dir)
	for _, want := range []string{"no valid records", "2 unusable file(s)", "aaa.json", "bbb.json", "bad JSON"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("only unusable files: error %v lacks %q", err, want)
		}
	}
}

// TestReportDivergedFailed: diverged and failed models are counted per
// condition, in the tables' n column and with their reasons, for a known
// experiment (through its own report) and an unknown one.
func TestReportDivergedFailed(t *testing.T) {
	dir := t.TempDir()
	fixture(t, dir, 1)
	st := &results.Store{Dir: dir}
	cfg, _ := json.Marshal(map[string]any{"protocol": "quick"})
	put := func(id, exp, cond string, seed int64, status, why string) {
		t.Helper()
		if err := st.Put(results.Record{ID: id, Experiment: exp, Condition: cond, Seed: seed, Config: cfg,
			Final: map[string]float64{"val_acc": 0}, Status: status, Error: why}); err != nil {
			t.Fatal(err)
		}
	}
	put("div1", "lst", "learn-2", 3, results.StatusDiverged, "loss or gradient became NaN/Inf at step 7 (epoch 0)")
	put("fail1", "lst", "learn-2", 4, results.StatusFailed, "analysis: Blocks: flat[0] = +Inf")
	put("fail2", "other", "c", 9, results.StatusFailed, "setting up training: boom")
	rep, err := report.FromDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"13 records in 3 section(s); 1 diverged; 2 failed.",
		"| learn-2 | 2 (+1 diverged, +1 failed) |",
		"| learn-2 | 2 | 1 | 1 |",
		"- learn-2: 1 diverged (seed 3): loss or gradient became NaN/Inf at step 7 (epoch 0)",
		"- learn-2: 1 failed (seed 4): analysis: Blocks: flat[0] = +Inf",
		"## Diverged and failed models", // the unknown experiment's section
		"- c: 1 failed (seed 9): setting up training: boom",
	} {
		if !strings.Contains(rep.Markdown, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(rep.HTML(), "diverged") == false {
		t.Error("the HTML report does not say diverged")
	}
}
