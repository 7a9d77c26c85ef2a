// Package all registers every experiment of pelab with pelib/experiment:
// import it for its side effect,
//
//	import _ "github.com/pelab/pelab/pelib/experiment/all"
//
// Adding an experiment to pelab is its package (implementing
// experiment.Experiment and calling experiment.Register in an init
// function) and one import line here.
package all

import (
	_ "github.com/pelab/pelab/pelib/fmri"   // Experiment 3
	_ "github.com/pelab/pelab/pelib/lst"    // Experiment 1
	_ "github.com/pelab/pelab/pelib/netsim" // Experiment 2
	_ "github.com/pelab/pelab/pelib/tokens" // your own tokens and geometry
)
