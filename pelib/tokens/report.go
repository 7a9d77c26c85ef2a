package tokens

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/pelab/pelab/pelib/analysis"
	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
)

// ReportData is the summary of the tokens records of one protocol and data
// set.
type ReportData struct {
	Protocol, Data string
	Summaries      []results.Summary // per condition, mean and SD over seeds
	// Data are the data's own metrics (DataMetrics), the same in every
	// record.
	DataMetrics map[string]float64
	// ByModel[geometry] is the Spearman test, across the learned-σ models,
	// of a geometry metric against test_mse.
	ByModel  map[string]analysis.RankTest
	Markdown string
}

// taskMeta is what a tokens record's config says about its task (and
// MaskRatio, its training mask ratio).
type taskMeta struct {
	Data          string  `json:"data"`
	CoordUnit     float64 `json:"coord_unit"`
	UnitFrom      string  `json:"coord_unit_from"`
	TestMaskRatio float64 `json:"test_mask_ratio"`
	MaskRatio     float64 `json:"-"`
}

// metaOf reads r's task parameters (zero when its config has none).
func metaOf(r results.Record) taskMeta {
	var meta struct {
		Task      taskMeta `json:"task"`
		MaskRatio float64  `json:"mask_ratio"`
	}
	if len(r.Config) == 0 || json.Unmarshal(r.Config, &meta) != nil {
		return taskMeta{}
	}
	meta.Task.MaskRatio = meta.MaskRatio
	return meta.Task
}

// DataOf is the data set name of a tokens record ("" when its config has
// none).
func DataOf(r results.Record) string { return metaOf(r).Data }

// UnitOf says in words what one unit of a record's layout is — the unit
// of the distances it reports (align_err) — e.g. "coordinate unit 10.47 of
// your coordinates (-coord-unit auto: …)"; "" when the record does not say.
func UnitOf(r results.Record) string {
	m := metaOf(r)
	if m.CoordUnit <= 0 {
		return ""
	}
	return unitString(m.CoordUnit, m.UnitFrom == CoordUnitFrom)
}

// SelectRecords returns the tokens records of protocol and data set data
// ("" matches any), in condition order (sweep.SortRecords), then seed.
func SelectRecords(recs []results.Record, protocol, data string) []results.Record {
	var rs []results.Record
	for _, r := range results.Select(recs, Experiment, protocol) {
		if data == "" || DataOf(r) == data {
			rs = append(rs, r)
		}
	}
	sweep.SortRecords(Vocabulary().First, rs)
	return rs
}

// ErrorMetrics are the masked-MSE metrics of a report, GeometryMetrics its
// PE geometry metrics, in report order.
func ErrorMetrics() []string {
	return []string{"train_mse", masked.EvalTest + "_mse", masked.EvalTest90 + "_mse"}
}

// GeometryMetrics lists the PE geometry metrics of a report.
func GeometryMetrics() []string {
	return []string{masked.MetricRSA, masked.MetricMantelP, masked.MetricAlignErr, masked.MetricDecodeR2, masked.MetricEffDim,
		masked.MetricFCRSA, masked.MetricFCP, masked.MetricModQ, masked.MetricModZ, masked.MetricSeg, masked.MetricSegZ}
}

// Report summarises the tokens records of protocol and data set data into
// Markdown: masked MSE per condition (training windows; held-out
// recordings at the training and at the test mask ratio), the PE geometry
// against the coordinates, the data's correlation structure and the
// partition, the data's own metrics, and, over the learned-σ models, the
// Spearman correlation of each geometry metric with the held-out MSE.
func Report(recs []results.Record, protocol, data string) (*ReportData, error) {
	rs := SelectRecords(recs, protocol, data)
	if len(rs) == 0 {
		return nil, fmt.Errorf("tokens: report: no records of protocol %q and data %q", protocol, data)
	}
	rep := &ReportData{Protocol: protocol, Data: data, DataMetrics: map[string]float64{}, ByModel: map[string]analysis.RankTest{}}
	rep.Summaries = results.Summarize(rs, func(r results.Record) string { return r.Condition })
	sweep.SortSummaries(Vocabulary().First, rep.Summaries)
	for _, r := range rs {
		for k, v := range r.Final {
			if strings.HasPrefix(k, "data_") {
				rep.DataMetrics[k] = v
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "## Your tokens: %s\n\n", reportHeading(rs, data, protocol))
	b.WriteString("Masked-token MSE on z-scored signals (mean ± SD over seeds; lower is better): train = training windows, " +
		"test = held-out recordings at the training mask ratio, test90 = the same at the test ratio.\n\n")
	b.WriteString(results.MarkdownTable(rep.Summaries, ErrorMetrics(), nil))
	var geo []string
	for _, m := range GeometryMetrics() {
		for _, s := range rep.Summaries {
			if _, ok := s.Mean[m]; ok {
				geo = append(geo, m)
				break
			}
		}
	}
	units := "in coordinate units"
	if u := UnitOf(rs[0]); u != "" {
		units = "in units of the layout: " + u
	}
	if len(geo) > 0 {
		b.WriteString("\nPE geometry (PEs with a per-token table; averaged over blocks): rsa = Spearman ρ(cosine similarity, −distance " +
			"between your coordinates); mantel_p = its one-sided permutation p; align_err = mean position error, " + units + ", " +
			"after aligning the top-c principal axes; decode_r2 = cross-validated ridge R² of the coordinates; eff_dim = participation ratio; " +
			"fc_rsa (fc_p) = Spearman ρ (Mantel p) of the PE similarity with the training recordings' correlation matrix; " +
			"mod_q, seg = modularity and segregation of the PE similarity under your partition, with z-scores against relabellings.\n\n")
		b.WriteString(results.MarkdownTable(rep.Summaries, geo, nil))
	}
	if len(rep.DataMetrics) > 0 {
		b.WriteString("\nThe data's own structure (training recordings' correlation matrix):")
		for _, k := range []string{"data_dist_rsa", "data_mod_q", "data_mod_z", "data_seg", "data_seg_z"} {
			if v, ok := rep.DataMetrics[k]; ok {
				fmt.Fprintf(&b, " %s %.3g;", strings.TrimPrefix(k, "data_"), v)
			}
		}
		b.WriteString(" (dist_rsa: Spearman ρ with −distance).\n")
	}
	var x []results.Record
	for _, r := range rs {
		if _, ok := sweep.SigmaOf(r.Condition); ok && r.Status == results.StatusOK {
			x = append(x, r)
		}
	}
	if len(x) >= 3 {
		b.WriteString("\nAcross the learned-σ models: Spearman ρ (p, n) of each geometry metric with test_mse.\n\n| metric | ρ (p, n) |\n|---|---|\n")
		for _, g := range []string{masked.MetricRSA, masked.MetricDecodeR2, masked.MetricFCRSA, masked.MetricModQ} {
			var gv, ev []float64
			for _, r := range x {
				v, ok1 := r.Final[g]
				w, ok2 := r.Final["test_mse"]
				if ok1 && ok2 {
					gv, ev = append(gv, v), append(ev, w)
				}
			}
			t, err := analysis.SpearmanTest(gv, ev)
			if len(gv) < 3 || err != nil {
				continue
			}
			rep.ByModel[g] = t
			fmt.Fprintf(&b, "| %s | %.2f (%.2g, %d) |\n", g, t.Rho, t.P, len(gv))
		}
	}
	if st := results.StatusMarkdown(rs, func(r results.Record) string { return r.Condition }); st != "" {
		b.WriteString("\n" + st)
	}
	rep.Markdown = b.String()
	return rep, nil
}

// reportHeading names what a report covers: the data sets and protocols
// of its records (those given, else every one the records hold), e.g.
// "data netsim-export, protocol quick" — never a placeholder; with one
// protocol whose records hold their training, the protocol as it ran
// (ProtocolLabel), e.g. "data mine, quick protocol, 300 epochs".
func reportHeading(rs []results.Record, data, protocol string) string {
	datas, protos := []string{data}, []string{protocol}
	if data == "" {
		datas = nil
		for _, r := range rs {
			if d := DataOf(r); d != "" && !slices.Contains(datas, d) {
				datas = append(datas, d)
			}
		}
	}
	if protocol == "" {
		protos = nil
		for _, r := range rs {
			if !slices.Contains(protos, r.Protocol) && r.Protocol != "" {
				protos = append(protos, r.Protocol)
			}
		}
	}
	slices.Sort(datas)
	slices.Sort(protos)
	name := func(one, many string, vs []string) string {
		switch len(vs) {
		case 0:
			return one + " unnamed"
		case 1:
			return one + " " + vs[0]
		}
		return many + " " + strings.Join(vs, ", ")
	}
	if len(protos) == 1 {
		if l := ProtocolLabel(rs); l != "" {
			return name("data", "data sets", datas) + ", " + l
		}
	}
	return name("data", "data sets", datas) + ", " + name("protocol", "protocols", protos)
}

// ProtocolLabel names the protocol of records rs as they ran (Protocol.
// Label), e.g. "quick protocol, 300 epochs", from the first record's
// config; "" when it names no protocol of this experiment.
func ProtocolLabel(rs []results.Record) string {
	if len(rs) == 0 {
		return ""
	}
	var c struct {
		Epochs    int     `json:"epochs"`
		Batch     int     `json:"batch_size"`
		MaskRatio float64 `json:"mask_ratio"`
		LastBatch string  `json:"last_batch"`
		Optimizer struct {
			LR float64
		} `json:"optimizer"`
		Task struct {
			Window, Stride int
			TestMaskRatio  float64 `json:"test_mask_ratio"`
		} `json:"task"`
	}
	def, err := protocols.ByName(rs[0].Protocol)
	if err != nil || len(rs[0].Config) == 0 || json.Unmarshal(rs[0].Config, &c) != nil || c.Epochs == 0 || c.Batch == 0 || c.Optimizer.LR == 0 {
		return ""
	}
	p := def
	if c.Task.Window > 0 {
		p.Window, p.Stride = c.Task.Window, c.Task.Stride
	}
	if c.Task.TestMaskRatio > 0 {
		p.TestMaskRatio = c.Task.TestMaskRatio
	}
	run := train.Config{Epochs: c.Epochs, BatchSize: c.Batch, MaskRatio: c.MaskRatio, LastBatch: c.LastBatch}
	run.Optimizer.LR = c.Optimizer.LR
	return p.Label(def, run)
}
