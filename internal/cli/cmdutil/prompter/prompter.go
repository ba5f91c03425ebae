// Package prompter asks the person at the terminal questions. Commands use the
// Prompter interface; tests use the scripted Fake.
package prompter

import (
	"errors"
	"io"
	"os"

	"github.com/AlecAivazis/survey/v2"
	"github.com/AlecAivazis/survey/v2/terminal"
)

// ErrInterrupted is returned when the person presses Ctrl-C at a prompt.
var ErrInterrupted = errors.New("interrupted")

// Prompter asks questions. Every method returns ErrInterrupted on Ctrl-C.
type Prompter interface {
	Input(prompt, defaultValue string) (string, error)
	Select(prompt, defaultValue string, options []string) (int, error)
	MultiSelect(prompt string, defaults, options []string) ([]int, error)
	Confirm(prompt string, defaultValue bool) (bool, error)
}

// Survey is the Prompter for real terminals.
type Survey struct {
	in     terminal.FileReader
	out    terminal.FileWriter
	errOut io.Writer
}

// New returns a survey-based Prompter on the given streams; streams that are
// not files fall back to the process's own terminal.
func New(in io.Reader, out, errOut io.Writer) *Survey {
	s := &Survey{in: os.Stdin, out: os.Stdout, errOut: errOut}
	if f, ok := in.(terminal.FileReader); ok {
		s.in = f
	}
	if f, ok := out.(terminal.FileWriter); ok {
		s.out = f
	}
	return s
}

func (s *Survey) ask(p survey.Prompt, resp any, opts ...survey.AskOpt) error {
	opts = append(opts, survey.WithStdio(s.in, s.out, s.errOut), survey.WithShowCursor(true))
	err := survey.AskOne(p, resp, opts...)
	if errors.Is(err, terminal.InterruptErr) {
		return ErrInterrupted
	}
	return err
}

func (s *Survey) Input(prompt, defaultValue string) (string, error) {
	var v string
	err := s.ask(&survey.Input{Message: prompt, Default: defaultValue}, &v)
	return v, err
}

func (s *Survey) Select(prompt, defaultValue string, options []string) (int, error) {
	var i int
	p := &survey.Select{Message: prompt, Options: options, PageSize: 15}
	if defaultValue != "" {
		p.Default = defaultValue
	}
	err := s.ask(p, &i)
	return i, err
}

func (s *Survey) MultiSelect(prompt string, defaults, options []string) ([]int, error) {
	var idx []int
	p := &survey.MultiSelect{Message: prompt, Options: options, PageSize: 15}
	if len(defaults) > 0 {
		p.Default = defaults
	}
	err := s.ask(p, &idx)
	return idx, err
}

func (s *Survey) Confirm(prompt string, defaultValue bool) (bool, error) {
	var ok bool
	err := s.ask(&survey.Confirm{Message: prompt, Default: defaultValue}, &ok)
	return ok, err
}
