package iostreams

import (
	"testing"
)

func TestColor_NoColorAndPipes(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	if s := System(); !s.noColor {
		t.Error("NO_COLOR (even empty) must turn color off")
	}

	ios, _, _, _ := Test()
	ios.SetTTY(true)
	ios.SetNoColor(false)
	if !ios.ColorEnabled() || ios.ColorScheme().Green("x") == "x" {
		t.Error("a terminal without --no-color gets color")
	}
	ios.SetNoColor(true) // --no-color
	if ios.ColorEnabled() || ios.ColorScheme().Green("x") != "x" {
		t.Error("--no-color")
	}
	ios.SetNoColor(false)
	ios.SetStdoutTTY(false)
	if ios.ColorEnabled() {
		t.Error("piped stdout gets no color")
	}
}

func TestCanPrompt(t *testing.T) {
	ios, _, _, _ := Test()
	if ios.CanPrompt() {
		t.Error("test streams are piped")
	}
	ios.SetTTY(true)
	if !ios.CanPrompt() {
		t.Error("terminal")
	}
	ios.SetStdoutTTY(false)
	if ios.CanPrompt() {
		t.Error("stdout piped: no prompt")
	}
	ios.SetTTY(true)
	ios.SetNeverPrompt(true)
	if ios.CanPrompt() {
		t.Error("never prompt")
	}
}

func TestIcons(t *testing.T) {
	ios, _, _, _ := Test()
	cs := ios.ErrColorScheme()
	if cs.SuccessIcon() != "" || cs.WarningIcon() != "warning: " || cs.FailureIcon() != "error: " {
		t.Errorf("piped icons %q %q %q", cs.SuccessIcon(), cs.WarningIcon(), cs.FailureIcon())
	}
	ios.SetStderrTTY(true)
	if cs := ios.ErrColorScheme(); cs.SuccessIcon() != "✓ " {
		t.Errorf("terminal icon %q", cs.SuccessIcon())
	}
}
