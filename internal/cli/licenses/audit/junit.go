package audit

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/wsctl/wsctl/internal/api/schema"
)

// The JUnit XML report of an audit: one <testsuite> per kind of check, one
// <testcase> per check and product, failed by the findings of its check.
// CI systems (GitLab's artifacts:reports:junit, GitHub actions that publish
// test reports, Jenkins) show it as tests.
//
// It is written by hand, not with encoding/xml: that package builds its
// table of HTML entities when a program starts, and every `wsctl` start
// would pay for it (bench/README.md, "Start-up, measured"); the report is
// four elements, escaped as encoding/xml escapes them (the test reads it
// back with encoding/xml).

// junitSuites is the report's root element.
type junitSuites struct {
	Name     string
	Tests    int
	Failures int
	Suites   []junitSuite
}

// junitSuite holds the checks of one kind.
type junitSuite struct {
	Name     string
	Tests    int
	Failures int
	Cases    []junitCase
}

// junitCase is one check on one product; Failure is set when it found something.
type junitCase struct {
	Name      string
	Classname string
	Failure   *junitFailure
}

// junitFailure lists a check's findings, one "subject: detail" per line.
type junitFailure struct {
	Message string
	Type    string
	Text    string
}

// junitReport turns an audit into its report.
func junitReport(audit schema.LicenseAudit) junitSuites {
	report := junitSuites{Name: "wsctl licenses audit"}
	for _, kind := range schema.FindingKinds() {
		suite := junitSuite{Name: kind}
		for _, check := range audit.Checks {
			if check.Kind != kind {
				continue
			}
			c := junitCase{Name: check.Description, Classname: "licenses-audit." + kind}
			var lines []string
			for _, f := range audit.Findings {
				if f.Kind == kind && f.Product == check.Product {
					lines = append(lines, f.Subject+": "+f.Detail)
				}
			}
			if len(lines) > 0 {
				c.Failure = &junitFailure{Message: failureMessage(lines), Type: kind, Text: strings.Join(lines, "\n")}
				suite.Failures++
			}
			suite.Cases = append(suite.Cases, c)
			suite.Tests++
		}
		if suite.Tests > 0 {
			report.Suites = append(report.Suites, suite)
			report.Tests += suite.Tests
			report.Failures += suite.Failures
		}
	}
	return report
}

// failureMessage is the one line a CI system shows first: the finding, or
// how many there are and the first.
func failureMessage(lines []string) string {
	if len(lines) == 1 {
		return lines[0]
	}
	return fmt.Sprintf("%d findings, first %s", len(lines), lines[0])
}

// writeJUnit writes the audit's JUnit XML report to path.
func writeJUnit(path string, audit schema.LicenseAudit) error {
	if err := os.WriteFile(path, junitReport(audit).xml(), 0o644); err != nil {
		return fmt.Errorf("write the JUnit report: %w", err)
	}
	return nil
}

// xml is the report as an XML document, indented by two spaces.
func (r junitSuites) xml() []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
	fmt.Fprintf(&b, "<testsuites name=\"%s\" tests=\"%d\" failures=\"%d\">\n", xmlEscape(r.Name), r.Tests, r.Failures)
	for _, s := range r.Suites {
		fmt.Fprintf(&b, "  <testsuite name=\"%s\" tests=\"%d\" failures=\"%d\">\n", xmlEscape(s.Name), s.Tests, s.Failures)
		for _, c := range s.Cases {
			fmt.Fprintf(&b, "    <testcase name=\"%s\" classname=\"%s\"", xmlEscape(c.Name), xmlEscape(c.Classname))
			if c.Failure == nil {
				b.WriteString("></testcase>\n")
				continue
			}
			fmt.Fprintf(&b, ">\n      <failure message=\"%s\" type=\"%s\">%s</failure>\n    </testcase>\n",
				xmlEscape(c.Failure.Message), xmlEscape(c.Failure.Type), xmlEscape(c.Failure.Text))
		}
		b.WriteString("  </testsuite>\n")
	}
	b.WriteString("</testsuites>\n")
	return b.Bytes()
}

// xmlEscape escapes s for an attribute or text, as encoding/xml's
// EscapeText does: markup characters and white space other than a space
// as character references, and what XML cannot hold as U+FFFD.
func xmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&#34;")
		case r == '\'':
			b.WriteString("&#39;")
		case r == '\t':
			b.WriteString("&#x9;")
		case r == '\n':
			b.WriteString("&#xA;")
		case r == '\r':
			b.WriteString("&#xD;")
		case !xmlChar(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// xmlChar is whether XML 1.0 can hold r (its Char production).
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}
