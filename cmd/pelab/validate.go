package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
	"github.com/pelab/pelab/xla"
)

// usageError is an error in how pelab was called: a flag value out of range,
// a stray argument, an unknown condition or protocol. runMain exits with
// status 2 for it (as the flag package does for bad syntax) and 1 for every
// other error.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usageError with a formatted message (%w wraps).
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// asUsage marks a non-nil err as a usage error.
func asUsage(err error) error {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usageError{err}
}

// isUsage reports whether err is (or wraps) a usageError.
// A memory refusal (*train.MemoryError: a size the machine cannot hold)
// is one too.
func isUsage(err error) bool {
	var u usageError
	var m *train.MemoryError
	return errors.As(err, &u) || errors.As(err, &m)
}

// parseFlags is how every pelab command without positional arguments reads
// its flags: it parses args, rejects any argument that is not a flag (the
// flag package stops at the first one and would silently ignore the flags
// after it), and checks every numeric flag given against its limit (see
// checkFlags). Its errors are usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := parseOnce(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return strayArgument(fs, fs.Arg(0))
	}
	return checkFlags(fs)
}

// parseOnce is fs.Parse(args) as every pelab command parses: -h and
// --help print fs.Usage to fs.Output() (stdout, see newFlagSet) and return
// flag.ErrHelp (exit status 0); a bad flag is a usage error naming it
// (exit status 2), printed once by runMain on stderr, not by the flag
// package.
func parseOnce(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(out)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return flag.ErrHelp
	case err != nil:
		return usagef("%w (%s -h lists the flags)", err, fs.Name())
	}
	return nil
}

// parseInterspersed parses flags that may come before or after the
// positional arguments, returns the positional arguments, and checks the
// flags as parseFlags does.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseOnce(fs, args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, checkFlags(fs)
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// strayArgument is the error for a positional argument given to a command
// that takes none, with a hint when it looks like a condition meant for -pe.
func strayArgument(fs *flag.FlagSet, arg string) error {
	hint := ""
	if fs.Lookup("pe") != nil && !strings.HasPrefix(arg, "-") {
		if _, err := pe.Parse(arg); err == nil || strings.HasPrefix(arg, "learn-") {
			hint = "; did you mean -pe " + arg + "?"
		}
	}
	return usagef("unexpected argument %q (flags come as -name value, and none are read after an argument that is not one%s)", arg, hint)
}

// checkFlags checks -backend (xla.CheckRequest: a backend pelab knows) and
// the value of every numeric flag given on the command line whose name has
// a limit (sweep.LimitOf: -epochs, -eval-every, -lr,
// -k, -max-m, -subset, -train-runs, -shards …), so that the flags and the
// sweep spec keys of the same name accept the same values. Defaults are
// not checked: a default may be a sentinel such as -1 for "the protocol's".
func checkFlags(fs *flag.FlagSet) error {
	var err error
	fs.Visit(func(f *flag.Flag) {
		if err != nil {
			return
		}
		if f.Name == "backend" {
			if e := xla.CheckRequest(f.Value.String()); e != nil {
				err = usagef("-backend %s: %w", f.Value.String(), e)
			}
			return
		}
		l, ok := sweep.LimitOf(f.Name)
		if !ok {
			return
		}
		g, ok := f.Value.(flag.Getter)
		if !ok {
			return
		}
		var x float64
		switch v := g.Get().(type) {
		case int:
			x = float64(v)
		case int64:
			x = float64(v)
		case uint:
			x = float64(v)
		case uint64:
			x = float64(v)
		case float64:
			x = v
		default:
			return // a string flag (e.g. -seeds) checks itself
		}
		if e := l.Check(x); e != nil {
			err = usagef("-%s %s: %w", f.Name, f.Value.String(), e)
		}
	})
	return err
}

// seedRequest reads -seeds (a count: the experiment's first n seeds) and
// -seed-list (explicit seeds, each once) into a request's SeedCount and
// Seeds; neither keeps the protocol's; both is an error.
func (f *expFlags) seedRequest() (seeds []int64, count int, err error) {
	cnt, list := strings.TrimSpace(f.seeds), strings.TrimSpace(f.seedList)
	switch {
	case cnt != "" && list != "":
		return nil, 0, usagef("-seeds %s and -seed-list %s: give one (a count, or the seeds themselves)", cnt, list)
	case cnt != "":
		n, err := strconv.Atoi(cnt)
		if err != nil {
			hint := ""
			if strings.Contains(cnt, ",") {
				hint = "; for the seeds themselves use -seed-list " + cnt
			}
			return nil, 0, usagef("-seeds %q: want a count n ≥ 1 (the experiment's first n seeds)%s", cnt, hint)
		}
		if n < 1 {
			return nil, 0, usagef("-seeds %d: seed count %d: want a count ≥ 1", n, n)
		}
		return nil, n, nil
	case list != "":
		for i, s := range strings.Split(list, ",") {
			v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			if err != nil {
				return nil, 0, usagef("-seed-list %q: item %d (%q) is not an integer (want seeds separated by commas, e.g. 3,7,11)", list, i+1, s)
			}
			seeds = append(seeds, v)
		}
		if err := sweep.CheckSeeds(seeds); err != nil {
			return nil, 0, usagef("-seed-list %s: %w", list, err)
		}
		return seeds, 0, nil
	}
	return nil, 0, nil
}

// checkOutCreatable is checkOut without creating dir
// (results.CheckCreatable), for the check before the data are read.
func checkOutCreatable(flagName, dir string) error {
	if err := results.CheckCreatable(dir); err != nil {
		return fmt.Errorf("%s: %w", flagName, err)
	}
	return nil
}

// checkOut makes sure the output directory dir of the flag name (e.g.
// "-out") can be written before any model is trained; it creates dir.
func checkOut(flagName, dir string) error {
	if err := results.CheckWritable(dir); err != nil {
		return fmt.Errorf("%s: %w", flagName, err)
	}
	return nil
}
