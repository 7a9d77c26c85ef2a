package train

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// bar is a one-line terminal progress bar with rate and ETA. It redraws
// with a carriage return, which terminals and Jupyter both honour.
type bar struct {
	w            io.Writer
	total, first int
	start        time.Time
	drawn        bool
}

func newBar(w io.Writer, total, done int) *bar {
	return &bar{w: w, total: total, first: done, start: time.Now()}
}

func (b *bar) update(done int, loss float64) {
	if b.w == nil || b.total == 0 {
		return
	}
	frac := float64(done) / float64(b.total)
	const width = 30
	n := int(frac * width)
	el := time.Since(b.start).Seconds()
	rate := float64(done-b.first) / math.Max(el, 1e-9)
	eta := "?"
	if rate > 0 {
		eta = (time.Duration(float64(b.total-done)/rate) * time.Second).Round(time.Second).String()
	}
	fmt.Fprintf(b.w, "\r[%s%s] %3.0f%% step %d/%d  %.2f steps/s  ETA %s  loss %.4g ",
		strings.Repeat("=", n), strings.Repeat(" ", width-n), 100*frac, done, b.total, rate, eta, loss)
	b.drawn = true
}

// begin draws the bar before the first step of this call, so that progress
// shows at once: the first call of a run compiles its programs, which can
// take longer than many steps.
func (b *bar) begin() {
	if b.w == nil || b.total == 0 || b.first >= b.total {
		return
	}
	const width = 30
	n := int(float64(b.first) / float64(b.total) * width)
	fmt.Fprintf(b.w, "\r[%s%s] %3.0f%% step %d/%d  starting (the first step compiles) ",
		strings.Repeat("=", n), strings.Repeat(" ", width-n), 100*float64(b.first)/float64(b.total), b.first, b.total)
	b.drawn = true
}

// line prints a full line below the bar.
func (b *bar) line(s string) {
	if b.w == nil {
		return
	}
	if b.drawn {
		fmt.Fprintln(b.w)
		b.drawn = false
	}
	fmt.Fprintln(b.w, s)
}

func (b *bar) done() {
	if b.w != nil && b.drawn {
		fmt.Fprintln(b.w)
	}
}

func durationNS(ns int64) time.Duration { return time.Duration(ns) }
