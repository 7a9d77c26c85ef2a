package train

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// SignalContext returns a context that is cancelled when the process
// receives SIGINT (Ctrl-C, or a notebook's interrupt button: GoNB sends
// SIGINT to the cell's program) or SIGTERM (kill, a batch scheduler's
// pre-emption). Training stops at the next step boundary and checkpoints
// (see Run.Train), so the same command or cell resumes where it stopped.
//
// When the first signal arrives, a line saying so goes to w (if not nil),
// and the signals get their default behaviour back: a second one ends the
// process at once. Call stop to release the signal handler.
func SignalContext(parent context.Context, w io.Writer) (ctx context.Context, stop context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			signal.Stop(ch)
			if w != nil {
				fmt.Fprintf(w, "\n%v: stopping at the next step and saving a checkpoint (again to quit at once)\n", sig)
			}
			cancel(fmt.Errorf("%w by %v", context.Canceled, sig))
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		select {
		case <-done:
		default:
			close(done)
		}
		cancel(context.Canceled)
	}
}
