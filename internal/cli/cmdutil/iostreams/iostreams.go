// Package iostreams owns wsctl's standard streams and what is known about
// them: which are terminals, whether to use color, how wide the screen is.
package iostreams

import (
	"bytes"
	"io"
	"os"
	"strconv"

	"github.com/mattn/go-isatty"
	"golang.org/x/term"
)

// IOStreams are the streams a command reads and writes.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool
	noColor                        bool // --no-color or NO_COLOR
	neverPrompt                    bool
	width                          int // 0: ask the terminal
	outFd                          uintptr
	hasOutFd                       bool
}

// System returns the process's streams. NO_COLOR (any value) turns color off.
func System() *IOStreams {
	s := &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		stdinTTY:  isTerminal(os.Stdin),
		stdoutTTY: isTerminal(os.Stdout),
		stderrTTY: isTerminal(os.Stderr),
		outFd:     os.Stdout.Fd(),
		hasOutFd:  true,
	}
	if _, ok := os.LookupEnv("NO_COLOR"); ok {
		s.noColor = true
	}
	if os.Getenv("TERM") == "dumb" {
		s.noColor = true
	}
	return s
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// Test returns streams backed by buffers (stdin, stdout, stderr), all piped,
// color off (SetNoColor(false) turns it on for terminals).
// Use SetStdinTTY/SetStdoutTTY/SetStderrTTY to act as a terminal.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, width: 80, noColor: true}, in, out, errOut
}

func (s *IOStreams) IsStdinTTY() bool  { return s.stdinTTY }
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

func (s *IOStreams) SetStdinTTY(v bool)  { s.stdinTTY = v }
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// SetTTY makes all three streams terminals (true) or pipes (false).
func (s *IOStreams) SetTTY(v bool) { s.stdinTTY, s.stdoutTTY, s.stderrTTY = v, v, v }

// SetNoColor turns color off (--no-color).
func (s *IOStreams) SetNoColor(v bool) { s.noColor = v }

// SetNeverPrompt forbids prompting even on a terminal.
func (s *IOStreams) SetNeverPrompt(v bool) { s.neverPrompt = v }

// SetWidth fixes the terminal width (tests).
func (s *IOStreams) SetWidth(w int) { s.width = w }

// CanPrompt is true when a person can answer questions: stdin and stdout are terminals.
func (s *IOStreams) CanPrompt() bool {
	return !s.neverPrompt && s.stdinTTY && s.stdoutTTY
}

// ColorEnabled is true when stdout is a terminal and color was not turned off.
func (s *IOStreams) ColorEnabled() bool { return s.stdoutTTY && !s.noColor }

// ErrColorEnabled is the same for stderr.
func (s *IOStreams) ErrColorEnabled() bool { return s.stderrTTY && !s.noColor }

// TerminalWidth is the width of the terminal on stdout (80 if unknown).
// COLUMNS overrides what the terminal says.
func (s *IOStreams) TerminalWidth() int {
	if s.width > 0 {
		return s.width
	}
	if c, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && c > 0 {
		return c
	}
	if s.hasOutFd {
		if w, _, err := term.GetSize(int(s.outFd)); err == nil && w > 0 {
			return w
		}
	}
	return 80
}

// ColorScheme colors text for stdout.
func (s *IOStreams) ColorScheme() *ColorScheme {
	return &ColorScheme{enabled: s.ColorEnabled(), icons: s.stdoutTTY}
}

// ErrColorScheme colors text for stderr; its icons are empty when stderr is
// not a terminal, so messages are plain in logs.
func (s *IOStreams) ErrColorScheme() *ColorScheme {
	return &ColorScheme{enabled: s.ErrColorEnabled(), icons: s.stderrTTY}
}
