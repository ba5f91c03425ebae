package prompter

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Fake is a scripted Prompter for tests: each Expect* call queues one
// question (matched by a substring of its prompt) and its answer. Asking an
// unexpected question fails the test; so does leaving a question unasked.
type Fake struct {
	t     testing.TB
	mu    sync.Mutex
	steps []step
	// Asked records every prompt shown, in order.
	Asked []string
}

type step struct {
	kind   string
	prompt string
	answer any // string, bool, []string or error
	// wantOptions, when not nil, are the options the question must offer.
	wantOptions []string
	// wantDefault, when not nil, is the default the question must offer
	// (string for Input, []string for MultiSelect).
	wantDefault any
}

// NewFake returns an empty script; it checks at test cleanup that all of it was used.
func NewFake(t testing.TB) *Fake {
	f := &Fake{t: t}
	t.Cleanup(func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, s := range f.steps {
			t.Errorf("prompter: expected %s %q was never asked", s.kind, s.prompt)
		}
	})
	return f
}

func (f *Fake) ExpectInput(prompt, answer string)    { f.add("Input", prompt, answer) }
func (f *Fake) ExpectConfirm(prompt string, ok bool) { f.add("Confirm", prompt, ok) }
func (f *Fake) ExpectSelect(prompt, answer string)   { f.add("Select", prompt, answer) }
func (f *Fake) ExpectMultiSelect(prompt string, answers []string) {
	f.add("MultiSelect", prompt, answers)
}

// ExpectInputDefault queues an Input whose default must be wantDefault; an
// empty answer keeps the default, as pressing Enter does on a terminal.
func (f *Fake) ExpectInputDefault(prompt, wantDefault, answer string) {
	f.addStep(step{kind: "Input", prompt: prompt, answer: answer, wantDefault: wantDefault})
}

// ExpectMultiSelectDefault queues a MultiSelect whose preselected options
// must be wantDefaults; a nil answer keeps them, as pressing Enter does.
func (f *Fake) ExpectMultiSelectDefault(prompt string, wantDefaults, answers []string) {
	f.addStep(step{kind: "MultiSelect", prompt: prompt, answer: answers, wantDefault: append([]string{}, wantDefaults...)})
}

// ExpectMultiSelectAmong queues a MultiSelect that must offer exactly
// wantOptions, in that order.
func (f *Fake) ExpectMultiSelectAmong(prompt string, wantOptions, answers []string) {
	f.addStep(step{kind: "MultiSelect", prompt: prompt, answer: answers, wantOptions: append([]string{}, wantOptions...)})
}

// ExpectSelectAmong queues a Select that must offer exactly wantOptions,
// in that order.
func (f *Fake) ExpectSelectAmong(prompt string, wantOptions []string, answer string) {
	f.addStep(step{kind: "Select", prompt: prompt, answer: answer, wantOptions: append([]string{}, wantOptions...)})
}

// ExpectInterrupt makes the next question of that kind fail as Ctrl-C would.
func (f *Fake) ExpectInterrupt(kind, prompt string) { f.add(kind, prompt, ErrInterrupted) }

func (f *Fake) add(kind, prompt string, answer any) {
	f.addStep(step{kind: kind, prompt: prompt, answer: answer})
}

func (f *Fake) addStep(s step) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.steps = append(f.steps, s)
}

// checkOptions fails the test when the question offered other options than
// the script expects.
func (f *Fake) checkOptions(s step, prompt string, options []string) {
	if s.wantOptions != nil && !slices.Equal(options, s.wantOptions) {
		f.t.Errorf("prompter: %s %q offered %q, expected %q", s.kind, prompt, options, s.wantOptions)
	}
}

// checkDefault fails the test when the question offered another default
// than the script expects; it reports whether the script checks one.
func (f *Fake) checkDefault(s step, prompt string, got any) bool {
	if s.wantDefault == nil {
		return false
	}
	if fmt.Sprint(got) != fmt.Sprint(s.wantDefault) {
		f.t.Errorf("prompter: %s %q offered default %q, expected %q", s.kind, prompt, got, s.wantDefault)
	}
	return true
}

func (f *Fake) next(kind, prompt string) (any, error) {
	s, err := f.nextStep(kind, prompt)
	if err != nil {
		return nil, err
	}
	return s.answer, nil
}

func (f *Fake) nextStep(kind, prompt string) (step, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Asked = append(f.Asked, prompt)
	if len(f.steps) == 0 {
		f.t.Errorf("prompter: unexpected %s %q", kind, prompt)
		return step{}, fmt.Errorf("unexpected prompt %q", prompt)
	}
	s := f.steps[0]
	if s.kind != kind || !strings.Contains(prompt, s.prompt) {
		f.t.Errorf("prompter: asked %s %q, expected %s %q", kind, prompt, s.kind, s.prompt)
		return step{}, fmt.Errorf("unexpected prompt %q", prompt)
	}
	f.steps = f.steps[1:]
	if err, ok := s.answer.(error); ok {
		return step{}, err
	}
	return s, nil
}

func (f *Fake) Input(prompt, defaultValue string) (string, error) {
	s, err := f.nextStep("Input", prompt)
	if err != nil {
		return "", err
	}
	if f.checkDefault(s, prompt, defaultValue) && s.answer == "" {
		return defaultValue, nil
	}
	return s.answer.(string), nil
}

func (f *Fake) Confirm(prompt string, _ bool) (bool, error) {
	a, err := f.next("Confirm", prompt)
	if err != nil {
		return false, err
	}
	return a.(bool), nil
}

func (f *Fake) Select(prompt, _ string, options []string) (int, error) {
	s, err := f.nextStep("Select", prompt)
	if err != nil {
		return 0, err
	}
	f.checkOptions(s, prompt, options)
	a := s.answer
	i := slices.Index(options, a.(string))
	if i < 0 {
		f.t.Errorf("prompter: answer %q is not among %q", a, options)
		return 0, fmt.Errorf("bad answer %q", a)
	}
	return i, nil
}

func (f *Fake) MultiSelect(prompt string, defaults, options []string) ([]int, error) {
	s, err := f.nextStep("MultiSelect", prompt)
	if err != nil {
		return nil, err
	}
	f.checkOptions(s, prompt, options)
	answers := s.answer.([]string)
	if f.checkDefault(s, prompt, append([]string{}, defaults...)) && answers == nil {
		answers = defaults
	}
	var idx []int
	for _, want := range answers {
		i := slices.Index(options, want)
		if i < 0 {
			f.t.Errorf("prompter: answer %q is not among %q", want, options)
			return nil, fmt.Errorf("bad answer %q", want)
		}
		idx = append(idx, i)
	}
	return idx, nil
}
