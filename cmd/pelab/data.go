package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"

	"github.com/pelab/pelab/pelib/experiment"
	"github.com/pelab/pelab/pelib/fetch"
)

// datasets lists the data sets that `pelab data` knows: those of the
// registered experiments that read one (experiment.WithData).
func datasets() []fetch.Dataset {
	var out []fetch.Dataset
	for _, e := range experiment.All() {
		if d, ok := e.(experiment.WithData); ok {
			out = append(out, d.Dataset())
		}
	}
	return out
}

func init() {
	register(command{
		name:  "data",
		short: "list, download (fetch) and check (verify) data sets",
		run: func(args []string, stdout io.Writer) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			return runData(ctx, args, stdout, datasets(), nil)
		},
	})
}

const dataUsage = `Usage:
  pelab data list
  pelab data fetch <name> [--dir D] [--accept-terms]
  pelab data verify <name> [--dir D]

fetch downloads a data set into D (default $PELAB_DATA/<name>, else the user
cache folder pelab/<name>), skipping files already present and valid; verify
checks sizes and SHA-256 of the files in D.`

// runData runs `pelab data` over sets; a nil client means fetch's default.
func runData(ctx context.Context, args []string, stdout io.Writer, sets []fetch.Dataset, client *http.Client) error {
	if len(args) == 0 {
		return usagef("missing subcommand\n%s", dataUsage)
	}
	sub, args := args[0], args[1:]
	switch {
	case sub == "list" || sub == "fetch" || sub == "verify":
	case sub == "help" || isHelpFlag(sub):
		fmt.Fprintln(stdout, dataUsage)
		return flag.ErrHelp
	default:
		return usagef("unknown subcommand %q\n%s", sub, dataUsage)
	}
	fs := newFlagSet("data "+sub, stdout)
	if sub == "list" {
		fs.Usage = func() {
			fmt.Fprintln(fs.Output(), "Usage: pelab data list\n\nLists the data sets pelab knows: name, files, license, summary. No flags.")
		}
		if err := parseFlags(fs, args); err != nil {
			if isUsage(err) && fs.NArg() > 0 {
				return usagef("list takes no arguments, got %q", strings.Join(fs.Args(), " "))
			}
			return err
		}
		return listDatasets(sets, stdout)
	}
	dir := fs.String("dir", "", "data set folder (default: $PELAB_DATA/<name>, else <user cache>/pelab/<name>)")
	var accept *bool
	if sub == "fetch" {
		accept = fs.Bool("accept-terms", false, "accept the data set's terms of use (printed by a first run)")
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: pelab data %s <name> [flags]\n\nFlags:\n", sub)
		fs.PrintDefaults()
	}
	name, err := parseWithName(fs, args)
	if err != nil {
		return err
	}
	ds, err := findDataset(sets, name)
	if err != nil {
		return asUsage(err)
	}
	if *dir == "" {
		if *dir, err = fetch.DefaultDir(ds.Name); err != nil {
			return err
		}
	}
	if sub == "verify" {
		if err := fetch.Verify(ds, *dir); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("%w\n(to download it, run: pelab data fetch %s --dir %s)", err, ds.Name, *dir)
			}
			return err
		}
		fmt.Fprintf(stdout, "%s: %d files verified in %s\n", ds.Name, len(ds.Files), *dir)
		extra, err := fetch.Unlisted(ds, *dir)
		if err != nil {
			return err
		}
		if len(extra) > 0 {
			fmt.Fprintf(stdout, "%d other files, not part of %s and not verified:\n", len(extra), ds.Name)
			for i, p := range extra {
				if i == maxListed {
					fmt.Fprintf(stdout, "  … and %d more\n", len(extra)-maxListed)
					break
				}
				fmt.Fprintf(stdout, "  %s\n", p)
			}
		}
		return nil
	}
	if err := checkOut("--dir", *dir); err != nil { // before any download
		return err
	}
	opt := fetch.Options{Dir: *dir, AcceptTerms: *accept, Progress: stdout}
	opt.Client = client
	got, err := fetch.Fetch(ctx, ds, opt)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: ready in %s\n", ds.Name, got)
	return nil
}

// listDatasets is pelab data list: a table of sets.
func listDatasets(sets []fetch.Dataset, stdout io.Writer) error {
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tFILES\tLICENSE\tSUMMARY")
	for _, ds := range sets {
		var size int64
		for _, f := range ds.Files {
			size += f.Size
		}
		terms := ""
		if ds.Terms != "" {
			terms = " (terms must be accepted)"
		}
		fmt.Fprintf(tw, "%s\t%d (%s)\t%s%s\t%s\n", ds.Name, len(ds.Files), humanSize(size), ds.License, terms, ds.Summary)
	}
	return tw.Flush()
}

// maxListed is the most unlisted files `pelab data verify` names.
const maxListed = 50

// parseWithName parses flags that may come before or after exactly one
// positional argument, the data set name.
func parseWithName(fs *flag.FlagSet, args []string) (string, error) {
	pos, err := parseInterspersed(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return "", err
	case err != nil:
		return "", usagef("%s: %w", fs.Name(), err)
	case len(pos) == 0:
		return "", usagef("%s: missing data set name (see `pelab data list`)", fs.Name())
	case len(pos) > 1:
		return "", usagef("%s: want one data set name, got extra arguments %q", fs.Name(), strings.Join(pos[1:], " "))
	}
	return pos[0], nil
}

func findDataset(sets []fetch.Dataset, name string) (fetch.Dataset, error) {
	var names []string
	for _, ds := range sets {
		if ds.Name == name {
			return ds, nil
		}
		names = append(names, ds.Name)
	}
	return fetch.Dataset{}, fmt.Errorf("unknown data set %q; known: %s", name, strings.Join(names, ", "))
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
