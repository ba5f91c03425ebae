package sync

import (
	"fmt"
	"time"

	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
)

// spinnerFrames turn while the server decides.
var spinnerFrames = []string{"|", "/", "-", "\\"}

// startSpinner shows on a terminal's stderr that the server is at work,
// "/ Deciding 10,000 rows of roster.csv… 4s", for as long as one request
// takes: a roster is decided in one transaction, which for a large one
// takes a while with nothing else to show. stop clears the line; nothing
// else may write to stderr in between. Piped, it shows nothing.
func startSpinner(ios *iostreams.IOStreams, msg string) (stop func()) {
	if !ios.IsStderrTTY() {
		return func() {}
	}
	quit, finished := make(chan struct{}), make(chan struct{})
	started := time.Now()
	go func() {
		defer close(finished)
		tick := time.NewTicker(150 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			line := fmt.Sprintf("%s %s", spinnerFrames[i%len(spinnerFrames)], msg)
			if secs := int(time.Since(started).Seconds()); secs > 0 {
				line += fmt.Sprintf(" %ds", secs)
			}
			fmt.Fprintf(ios.ErrOut, "\r\033[K%s", line)
			select {
			case <-quit:
				fmt.Fprint(ios.ErrOut, "\r\033[K")
				return
			case <-tick.C:
			}
		}
	}()
	return func() {
		close(quit)
		<-finished
	}
}
