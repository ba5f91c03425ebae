package audit

import (
	"encoding/xml"
	"fmt"
	"os"
	"strings"

	"github.com/wsctl/wsctl/internal/api/schema"
)

// The JUnit XML report of an audit: one <testsuite> per kind of check, one
// <testcase> per check and product, failed by the findings of its check.
// CI systems (GitLab's artifacts:reports:junit, GitHub actions that publish
// test reports, Jenkins) show it as tests.

// junitSuites is the report's root element.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

// junitSuite holds the checks of one kind.
type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

// junitCase is one check on one product; Failure is set when it found something.
type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure"`
}

// junitFailure lists a check's findings, one "subject: detail" per line.
type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
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
	b, err := xml.MarshalIndent(junitReport(audit), "", "  ")
	if err != nil {
		return err
	}
	data := append([]byte(xml.Header), append(b, '\n')...)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write the JUnit report: %w", err)
	}
	return nil
}
