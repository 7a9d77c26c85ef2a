package notebook

import (
	"github.com/pelab/pelab/pelib/report"
	"github.com/pelab/pelab/pelib/results"
)

// ShowFamilies shows the PE-families comparison of this run's records
// (report.Families): per condition the held-out metric gen (e.g.
// "test_mse") and the first block's geometry at initialisation and at the
// end, whether σ still matters within each family (Spearman ρ over its
// models), each family's best σ against the learned table's best paired
// over seeds, and the two figures against σ. Records with fewer than two
// families at two or more σ each get one line saying so.
func (s *Session) ShowFamilies(recs []results.Record, gen string) {
	md, figs, err := report.Families(recs, gen)
	Check(err)
	if md == "" {
		s.Markdown("*No PE-families comparison: these records hold fewer than two PE families (learn, coordlin, coordmlp, dpb) at two or more σ each.*")
		return
	}
	s.Markdown(report.Demote(withoutFigures(md), 1))
	s.Show("families", figs...)
}

// ShowInterventions shows what happens to this run's trained models when
// their PE is altered at evaluation (report.Interventions: removed, rows
// permuted, permuted within or across networks, replaced by the
// true-coordinate sinusoid or another condition's table), Δ held-out
// error per condition with bounded CIs. Records without the interventions'
// metrics get one line saying so.
func (s *Session) ShowInterventions(recs []results.Record) {
	md := report.Interventions(recs)
	if md == "" {
		s.Markdown("*No interventions in these records (they are measured at the end of training on models with a PE table).*")
		return
	}
	s.Markdown(report.Demote(md, 1))
}
