// Command pelab runs pelab's experiments, sweeps, reports, data downloads and
// benchmarks headlessly.
//
// Usage:
//
//	pelab <command> [flags]
//
// Each command lives in its own file of this package and registers itself in
// an init function with register; `pelab help` lists them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one subcommand of pelab.
type command struct {
	name  string // e.g. "env"
	short string // one line for `pelab help`
	// run executes the command with its own arguments (after the command
	// name). It returns an error to print; flag errors are already printed.
	run func(args []string, stdout io.Writer) error
}

var commands = map[string]command{}

// register adds a subcommand; called from init functions only.
func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("pelab: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "pelab — positional-encoding lab (see README.md)")
	fmt.Fprintln(w, "\nUsage: pelab <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].short)
	}
	fmt.Fprintln(w, "\nRun `pelab <command> -h` for a command's flags.")
}

func main() {
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

func runMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stdout)
		return 0
	}
	if args[0] == "help" || isHelpFlag(args[0]) {
		return runHelp(args[1:], stdout, stderr)
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "pelab: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	if err := c.run(args[1:], stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0 // the usage is printed on stdout
		}
		fmt.Fprintf(stderr, "pelab %s: %v\n", c.name, err)
		if isUsage(err) {
			return 2
		}
		if errors.Is(err, context.Canceled) {
			return 130 // as a shell reports a process ended by SIGINT
		}
		return 1
	}
	return 0
}

// runHelp is pelab help [COMMAND]: the list of commands, or one command's
// help (as pelab COMMAND -h). An unknown command or more than one argument
// is a usage error, not the list.
func runHelp(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0 || (len(args) == 1 && isHelpFlag(args[0])):
		usage(stdout)
		return 0
	case len(args) == 1:
		if _, ok := commands[args[0]]; !ok {
			fmt.Fprintf(stderr, "pelab help: unknown command %q\n\n", args[0])
			usage(stderr)
			return 2
		}
		return runMain([]string{args[0], "-h"}, stdout, stderr)
	}
	fmt.Fprintf(stderr, "pelab help: want at most one command, got %d arguments (%s)\n", len(args), strings.Join(args, " "))
	return 2
}

// isHelpFlag reports whether arg asks for help: -h, --help, -help or
// --h, as the flag package reads them.
func isHelpFlag(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "-help" || arg == "--h"
}

// newFlagSet returns the FlagSet of a subcommand: it reports errors instead
// of exiting, and its usage (fs.Usage; by default "Usage: pelab NAME
// [flags]" and every flag) goes to stdout, where parseFlags and
// parseInterspersed print it for -h and --help. Parse errors are returned,
// not printed, and runMain prints them on stderr.
func newFlagSet(name string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("pelab "+name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s [flags]\n\nFlags:\n", fs.Name())
		fs.PrintDefaults()
	}
	return fs
}
