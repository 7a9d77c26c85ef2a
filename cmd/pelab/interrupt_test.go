package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test run this test binary as the pelab command
// (PELAB_TEST_MAIN=1), so that a real signal reaches a real process.
func TestMain(m *testing.M) {
	if os.Getenv("PELAB_TEST_MAIN") == "1" {
		os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

var stepRE = regexp.MustCompile(`step (\d+)/(\d+)`)

// TestInterruptSavesAndResumes starts `pelab netsim` as a process, sends it
// SIGINT once it has trained a few steps, and checks that it stops within
// seconds with exit status 130, leaving a checkpoint, and that the same
// command resumes from a step no earlier than the last one it had reported,
// then finishes and writes every record.
func TestInterruptSavesAndResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model")
	}
	out := t.TempDir()
	args := []string{"netsim", "-pe", "learn-0.5", "-seeds", "1", "-epochs", "30", "-eval-every", "10", "-out", out}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "PELAB_TEST_MAIN=1")
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	lastStep := -1
	sc := bufio.NewScanner(pr)
	sc.Split(scanLinesOrCR)
	signalled := time.Time{}
	doneReading := make(chan struct{})
	go func() {
		defer close(doneReading)
		for sc.Scan() {
			line := sc.Text()
			log.WriteString(line + "\n")
			if m := stepRE.FindStringSubmatch(line); m != nil && signalled.IsZero() {
				lastStep, _ = strconv.Atoi(m[1])
				if lastStep >= 20 {
					signalled = time.Now()
					if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
						t.Error(err)
					}
				}
			}
		}
	}()
	err := cmd.Wait()
	stopped := time.Since(signalled)
	pw.Close()
	<-doneReading
	if signalled.IsZero() {
		t.Fatalf("the run ended before it reported step 20 (%v):\n%s", err, log.String())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("interrupted run: %v, want exit status 130; output:\n%s", err, log.String())
	}
	t.Logf("stopped %.2f s after SIGINT at reported step %d", stopped.Seconds(), lastStep)
	if stopped > 10*time.Second {
		t.Errorf("took %v to stop after SIGINT", stopped)
	}
	for _, want := range []string{"interrupt: stopping at the next step", "checkpoint", "the same command resumes"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("interrupted run's output lacks %q:\n%s", want, log.String())
		}
	}
	ckpts, _ := filepath.Glob(filepath.Join(out, "checkpoints", "*.ckpt"))
	if len(ckpts) != 1 {
		t.Fatalf("checkpoints after the interrupt: %v, want one", ckpts)
	}

	// The same command resumes from the checkpoint and finishes.
	again := exec.Command(os.Args[0], args...)
	again.Env = append(os.Environ(), "PELAB_TEST_MAIN=1")
	b, err := again.CombinedOutput()
	if err != nil {
		t.Fatalf("resumed run: %v\n%s", err, b)
	}
	m := regexp.MustCompile(`resumed from .* at epoch \d+ \(step (\d+)\)`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("the second run did not resume from the checkpoint:\n%s", b)
	}
	if s, _ := strconv.Atoi(string(m[1])); s < lastStep {
		t.Errorf("resumed at step %d, but step %d had been reported before the interrupt", s, lastStep)
	}
	recs, _ := filepath.Glob(filepath.Join(out, "*.json"))
	if len(recs) != 1 {
		t.Errorf("records after the resumed run: %v, want one", recs)
	}
}

// scanLinesOrCR splits at '\n' or '\r' (the progress bar redraws with '\r').
func scanLinesOrCR(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}
