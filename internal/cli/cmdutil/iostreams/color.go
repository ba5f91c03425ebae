package iostreams

// ColorScheme wraps text in ANSI colors when enabled.
type ColorScheme struct {
	enabled bool
	icons   bool
}

func (c *ColorScheme) wrap(code, s string) string {
	if !c.enabled || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (c *ColorScheme) Bold(s string) string   { return c.wrap("1", s) }
func (c *ColorScheme) Red(s string) string    { return c.wrap("31", s) }
func (c *ColorScheme) Green(s string) string  { return c.wrap("32", s) }
func (c *ColorScheme) Yellow(s string) string { return c.wrap("33", s) }
func (c *ColorScheme) Gray(s string) string   { return c.wrap("90", s) }

// SuccessIcon is "✓ " on a terminal, "" in logs (the message stays readable).
func (c *ColorScheme) SuccessIcon() string { return c.icon("32", "✓") }

// WarningIcon is "! " on a terminal, "warning: " in logs.
func (c *ColorScheme) WarningIcon() string {
	if !c.icons {
		return "warning: "
	}
	return c.icon("33", "!")
}

// FailureIcon is "X " on a terminal, "error: " in logs.
func (c *ColorScheme) FailureIcon() string {
	if !c.icons {
		return "error: "
	}
	return c.icon("31", "X")
}

func (c *ColorScheme) icon(code, s string) string {
	if !c.icons {
		return ""
	}
	return c.wrap(code, s) + " "
}
