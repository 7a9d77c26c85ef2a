package experiment

import "github.com/pelab/pelab/pelib/sweep"

// About is what an experiment states as data rather than code — its name,
// description, protocols, condition language and defaults, help text and
// options. An experiment's type embeds it (and so implements those methods
// of Experiment) and fills it in the value it registers:
//
//	type Exp struct{ experiment.About }
//
//	func Plugin() Exp { return Exp{experiment.About{ID: "mine", …}} }
//
//	func init() { experiment.Register(Plugin()) }
type About struct {
	ID     string
	Desc   string
	Protos []string // the first is the default
	Vocab  func() sweep.Vocabulary
	// Defaults are the default condition lists by protocol name; the
	// list of "" is that of every protocol not named.
	Defaults map[string]string
	Help     string
	Opts     []Option
}

// Name implements Experiment.
func (a About) Name() string { return a.ID }

// Description implements Experiment.
func (a About) Description() string { return a.Desc }

// Protocols implements Experiment.
func (a About) Protocols() []string { return append([]string(nil), a.Protos...) }

// Vocabulary implements Experiment.
func (a About) Vocabulary() sweep.Vocabulary { return a.Vocab() }

// DefaultConditions implements Experiment.
func (a About) DefaultConditions(protocol string) string {
	if d, ok := a.Defaults[protocol]; ok {
		return d
	}
	return a.Defaults[""]
}

// ConditionHelp implements Experiment.
func (a About) ConditionHelp() string { return a.Help }

// Options implements Experiment.
func (a About) Options() []Option { return append([]Option(nil), a.Opts...) }
