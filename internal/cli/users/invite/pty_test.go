//go:build linux

package invite

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// The real wsctl binary on a real pseudo-terminal, driven by keystrokes
// as a person would type them, against the real API over loopback:
// sign-up mode on is turned off after the confirmation, two people are
// entered with "Add another?", the license counts go down, the review
// sends them, and the server holds both invites.
func TestInviteScreen_RealTerminal_KeystrokesInviteTwoPeople(t *testing.T) {
	live := newLiveServerSignupOn(t, map[string]int{"agent-dialer": 1, "flow": 2, "parallel-dialer": 2})
	term := startOnTerminal(t, buildWsctl(t), []string{"users", "invite"},
		"WSCTL_HOST="+live.URL, "WSCTL_TOKEN="+live.Token)

	const (
		enter = "\r"
		down  = "\x1b[B"
		space = " "
	)
	term.answerLine("Turn automatic sign-up off? People will join only by invite", "y"+enter)
	term.expect("Automatic sign-up is now off")
	term.expect("Licenses available:")

	term.answerLine("Name:", "Ann Lee"+enter)
	term.answerLine("Email:", "ann@example.com"+enter)
	term.answerChoice("Roles:", down+down+space+enter) // user
	term.expect("agent-dialer (1 of 1 available)")
	term.expect("flow (2 of 2 available)")
	term.answerChoice("parallel-dialer (2 of 2 available)", down+space+enter) // flow
	term.answerLine("Add another?", "y"+enter)

	term.answerLine("Name:", "Bob Stone"+enter)
	term.answerLine("Email:", "bob@example.com"+enter)
	term.answerChoice("Roles:", down+space+enter) // manager
	term.expect("agent-dialer (1 of 1 available)")
	term.expect("flow (1 of 2 available)") // one fewer: Ann's row takes one
	term.answerChoice("parallel-dialer (2 of 2 available)", down+space+enter)
	term.answerLine("Add another?", "n"+enter)

	term.expect("Invites to send:")
	term.expect("Ann Lee")
	term.expect("Bob Stone")
	term.expect("flow 0 of 2")
	term.answerChoice("Send 2 invites", enter)

	term.expect("Invited ann@example.com")
	term.expect("Invited bob@example.com")
	term.expect("that was the last flow license: 2 of 2 in use")
	if code := term.wait(); code != 0 {
		t.Errorf("exit status %d, want 0\n%s", code, term.screen())
	}

	if autoSignup(t, live) {
		t.Error("automatic sign-up is still on on the server")
	}
	got := pendingInvites(t, live)
	ann, bob := got["ann@example.com"], got["bob@example.com"]
	if len(got) != 2 || ann.Name != "Ann Lee" || strings.Join(ann.Roles, ",") != "user" || strings.Join(ann.Licenses, ",") != "flow" ||
		bob.Name != "Bob Stone" || strings.Join(bob.Roles, ",") != "manager" || strings.Join(bob.Licenses, ",") != "flow" {
		t.Errorf("pending invites on the server: %+v", got)
	}
}

// buildWsctl builds cmd/wsctl into a temporary directory.
func buildWsctl(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "wsctl")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/wsctl/wsctl/cmd/wsctl")
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build wsctl: %v\n%s", err, out)
	}
	return bin
}

// terminal is a program running on a pseudo-terminal, and what it showed.
type terminal struct {
	t        *testing.T
	ptmx     *os.File // our end: what we type, what it shows
	tty      *os.File // its end, kept open to read its terminal mode
	cmd      *exec.Cmd
	deadline context.Context
	exited   chan struct{}

	mu      sync.Mutex
	out     []byte // everything shown, escape sequences included
	lastDSR int    // where in out the last cursor position request ends
	// typeAhead are keys to type with the answer to the next request for
	// the cursor's place; heldLocation is such a request waiting for them.
	typeAhead    string
	heldLocation bool
	cursor       int  // where in out the next expect starts
	closed       bool // nothing more to read
	// ttyClosed: the program ended and its end of the terminal is closed.
	ttyClosed bool
}

// Answers to the cursor position requests (ESC[6n) of a line question.
const (
	sizeReport     = "\x1b[40;200R" // the bottom right corner: the screen's size
	locationReport = "\x1b[20;10R"  // the cursor's place
)

// screenDeadline bounds a whole session: a prompt that never comes fails
// the test rather than hanging it. It is no measure of speed.
const screenDeadline = 3 * time.Minute

// startOnTerminal runs bin with args on a new 200x40 pseudo-terminal, in a
// clean home, with env added.
func startOnTerminal(t *testing.T, bin string, args []string, env ...string) *terminal {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		// Under CI a pseudo-terminal is a part the suite needs: a failure,
		// never a skip.
		if os.Getenv("CI") == "true" {
			t.Fatalf("no pseudo-terminal: %v", err)
		}
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 200}); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "TERM=xterm-256color",
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "XDG_STATE_HOME=" + filepath.Join(home, "state")}, env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline, cancel := context.WithTimeout(context.Background(), screenDeadline)
	term := &terminal{t: t, ptmx: ptmx, tty: tty, cmd: cmd, deadline: deadline, exited: make(chan struct{})}
	readDone := make(chan struct{})
	go term.read(readDone)
	go func() {
		_ = cmd.Wait()
		term.mu.Lock()
		_ = tty.Close() // with no slave end left open, reading ptmx ends
		term.ttyClosed = true
		term.mu.Unlock()
		close(term.exited)
	}()
	t.Cleanup(func() {
		cancel()
		_ = cmd.Process.Kill()
		<-term.exited
		<-readDone
		_ = ptmx.Close()
	})
	return term
}

// read collects what the program shows and answers its cursor position
// requests as a terminal does. Before survey reads a line (Input, Confirm)
// it asks for the screen's size (after moving the cursor to 999;999), then
// for the cursor's place, each through a reader of its own that keeps the
// keys typed before the answer but drops those after it. So the size is
// answered at once, and the cursor's place together with the line's keys,
// typed just before it (see answerLine); keys typed later could be lost.
func (term *terminal) read(done chan struct{}) {
	defer close(done)
	buf := make([]byte, 4096)
	for {
		n, err := term.ptmx.Read(buf)
		term.mu.Lock()
		start := max(term.lastDSR, len(term.out)-3) // a request may be split across reads
		term.out = append(term.out, buf[:n]...)
		var replies []string
		for {
			i := bytes.Index(term.out[start:], []byte("\x1b[6n"))
			if i < 0 {
				break
			}
			end := start + i + 4
			switch {
			case bytes.Contains(term.out[term.lastDSR:end], []byte("\x1b[999;999f")):
				replies = append(replies, sizeReport)
			case term.typeAhead != "":
				replies = append(replies, term.typeAhead+locationReport)
				term.typeAhead = ""
			default:
				term.heldLocation = true
			}
			term.lastDSR, start = end, end
		}
		if err != nil {
			term.closed = true
		}
		term.mu.Unlock()
		for _, r := range replies {
			_, _ = term.ptmx.Write([]byte(r))
		}
		if err != nil {
			return
		}
	}
}

// waitFor polls until cond (called with the lock held) is true, failing
// the test at the deadline or when the program is gone.
func (term *terminal) waitFor(what string, cond func() bool) {
	term.t.Helper()
	for {
		term.mu.Lock()
		ok, closed := cond(), term.closed
		term.mu.Unlock()
		if ok {
			return
		}
		if closed {
			term.t.Fatalf("the program ended before %s\n%s", what, term.screen())
		}
		select {
		case <-term.deadline.Done():
			term.t.Fatalf("no %s within %v\n%s", what, screenDeadline, term.screen())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// expect waits until text is shown after what was expected before, and
// returns where it ends.
func (term *terminal) expect(text string) int {
	term.t.Helper()
	end := 0
	term.waitFor(fmt.Sprintf("%q", text), func() bool {
		i := bytes.Index(term.out[term.cursor:], []byte(text))
		if i < 0 {
			return false
		}
		end = term.cursor + i + len(text)
		term.cursor = end
		return true
	})
	return end
}

// readingKeys waits until the program reads keys one by one (survey turns
// the terminal's line mode off while it asks), so that keys typed are
// taken by the question on the screen.
func (term *terminal) readingKeys() {
	term.t.Helper()
	term.waitFor("the question reading keys", func() bool {
		if term.ttyClosed {
			return false
		}
		tio, err := unix.IoctlGetTermios(int(term.tty.Fd()), unix.TCGETS)
		return err == nil && tio.Lflag&unix.ICANON == 0
	})
}

// answerChoice waits for a list question showing text, then types keys.
func (term *terminal) answerChoice(text, keys string) {
	term.t.Helper()
	term.expect(text)
	term.readingKeys()
	term.typeKeys(keys)
}

// answerLine waits for a line question (Input, Confirm) showing text and
// types keys with the answer to its request for the cursor's place (see
// read). keys must not hold an 'R', which survey would take for the end
// of that answer.
func (term *terminal) answerLine(text, keys string) {
	term.t.Helper()
	if strings.Contains(keys, "R") {
		term.t.Fatalf("line keys %q hold an R", keys)
	}
	term.expect(text)
	term.mu.Lock()
	reply := ""
	if term.heldLocation {
		reply, term.heldLocation = keys+locationReport, false
	} else {
		term.typeAhead = keys
	}
	term.mu.Unlock()
	if reply != "" {
		term.typeKeys(reply)
	}
}

func (term *terminal) typeKeys(keys string) {
	term.t.Helper()
	if _, err := term.ptmx.Write([]byte(keys)); err != nil {
		term.t.Fatalf("type %q: %v", keys, err)
	}
}

// wait waits for the program to end and returns its exit status.
func (term *terminal) wait() int {
	term.t.Helper()
	select {
	case <-term.exited:
	case <-term.deadline.Done():
		term.t.Fatalf("the program did not end within %v\n%s", screenDeadline, term.screen())
	}
	return term.cmd.ProcessState.ExitCode()
}

// ansi matches the terminal's escape sequences, for showing the screen as text.
var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]`)

// screen is everything shown so far, as text.
func (term *terminal) screen() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return strings.ReplaceAll(ansi.ReplaceAllString(string(term.out), ""), "\r", "")
}
