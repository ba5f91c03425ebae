package cmdutil

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/prompter"
)

func TestConfirm(t *testing.T) {
	tests := []struct {
		name     string
		tty      bool
		yes      bool
		answer   *bool
		wantCode int // exit code of the error; 0: go ahead
	}{
		{name: "--yes skips the question", tty: false, yes: true},
		{name: "no terminal and no --yes refuses R3", tty: false, wantCode: ExitUsage},
		{name: "terminal, answered yes", tty: true, answer: ptr(true)},
		{name: "terminal, answered no", tty: true, answer: ptr(false), wantCode: ExitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			ios.SetTTY(tt.tty)
			p := prompter.NewFake(t)
			if tt.answer != nil {
				p.ExpectConfirm("Deactivate ann", *tt.answer)
			}
			err := Confirm(ios, p, tt.yes, "deactivate ann", "Deactivate ann?")
			if got := ExitCode(err); got != tt.wantCode {
				t.Fatalf("exit code %d (%v), want %d", got, err, tt.wantCode)
			}
			if tt.wantCode == ExitUsage && !strings.Contains(err.Error(), "--yes") {
				t.Errorf("refusal %q does not say to pass --yes", err)
			}
		})
	}
}

func TestConfirm_InterruptIsCancel(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	ios.SetTTY(true)
	p := prompter.NewFake(t)
	p.ExpectInterrupt("Confirm", "Reset")
	if err := Confirm(ios, p, false, "reset", "Reset?"); !errors.Is(err, CancelError) {
		t.Errorf("err = %v", err)
	}
}

func TestPromptMissing(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	v := ""
	if err := PromptMissing(ios, prompter.NewFake(t), &v, "email", "Email:"); ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), "--email") {
		t.Errorf("without a terminal: %v", err)
	}
	ios.SetTTY(true)
	p := prompter.NewFake(t)
	p.ExpectInput("Email", "  ")
	p.ExpectInput("Email", "ann@example.com ")
	if err := PromptMissing(ios, p, &v, "email", "Email:"); err != nil || v != "ann@example.com" {
		t.Errorf("v %q err %v", v, err)
	}
	var roles []string
	p.ExpectMultiSelect("Licenses", []string{"flow (2 of 3 available)"})
	if err := PromptMissingList(ios, p, &roles, "license", "Licenses:", []string{"parallel-dialer (0 of 3 available)", "flow (2 of 3 available)"}); err != nil || !reflect.DeepEqual(roles, []string{"flow"}) {
		t.Errorf("roles %v err %v", roles, err)
	}
}

func TestSplitList(t *testing.T) {
	got := SplitList([]string{"a, b;c", "c|d", "", " "})
	if !reflect.DeepEqual(got, []string{"a", "b", "c", "d"}) {
		t.Errorf("got %q", got)
	}
}

func TestSuccess_PlainWhenNotATerminal(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	Success(ios, "Invited %s", "ann@example.com")
	ios.SetStderrTTY(true)
	Success(ios, "Invited %s", "bob@example.com")
	if errOut.String() != "Invited ann@example.com\n✓ Invited bob@example.com\n" {
		t.Errorf("stderr %q", errOut.String())
	}
}

func ptr[T any](v T) *T { return &v }
