package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// docs/ci.md's pipelines are run here as their CI systems would run them,
// as far as a machine without those systems can: each shell step in order
// with the job's environment and secrets, against a release archive laid
// out as the release makes it (.goreleaser.yaml: the binary at the top,
// checksums.txt beside it) and served from loopback in place of GitHub's
// download address, and a real workspaced. The steps that use GitHub
// actions are not run; what they publish is checked to be the report the
// audit writes.

// releaseBase is the download address the pipelines name.
const releaseBase = "https://github.com/wsctl/wsctl/releases/download"

// ciPipelines are the YAML blocks of docs/ci.md: the GitHub Actions
// workflow and the GitLab CI job.
func ciPipelines(t *testing.T) (github, gitlab map[string]any, doc string) {
	t.Helper()
	data, err := os.ReadFile("../docs/ci.md")
	if err != nil {
		t.Fatal(err)
	}
	doc = string(data)
	for _, block := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(doc, -1) {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(block[1]), &m); err != nil {
			t.Fatalf("docs/ci.md: a YAML block does not parse: %v\n%s", err, block[1])
		}
		if _, ok := m["jobs"]; ok {
			github = m
		} else {
			gitlab = m
		}
	}
	if github == nil || gitlab == nil {
		t.Fatal("docs/ci.md needs a GitHub Actions workflow (with jobs:) and a GitLab CI job")
	}
	return github, gitlab, doc
}

// requireTools skips (fails under CI=true) without the shell tools the
// pipelines use.
func requireTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"bash", "curl", "sha256sum", "tar", "install"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s: %v", tool, err)
			}
			t.Skipf("%s: %v", tool, err)
		}
	}
}

// releaseArchive is wsctl's Linux archive as the release lays it out,
// wsctl (built from this tree) at its top beside README.md and LICENSE.
// Made with the system's tar: compressing the binary in a test binary
// built with -race takes many seconds.
func releaseArchive(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	bin, err := os.ReadFile(bins.wsctl)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"wsctl": bin, "README.md": []byte("# wsctl\n"), "LICENSE": []byte("Apache License 2.0\n")} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	archive := filepath.Join(t.TempDir(), "archive.tar.gz")
	if out, err := exec.Command("tar", "-C", dir, "-czf", archive, "README.md", "LICENSE", "wsctl").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// fakeRelease serves release v(version) with archive and its
// checksums.txt; tamper changes the archive after its checksum was taken.
func fakeRelease(t *testing.T, version string, archive []byte, tamper bool) string {
	t.Helper()
	name := fmt.Sprintf("wsctl_%s_linux_amd64.tar.gz", version)
	sum := sha256.Sum256(archive)
	checksums := fmt.Sprintf("%s  wsctl_%s_darwin_arm64.tar.gz\n%s  %s\n", strings.Repeat("0", 64), version, hex.EncodeToString(sum[:]), name)
	if tamper {
		archive = append(slices.Clip(archive), "tampered"...)
	}
	dir := filepath.Join(t.TempDir(), "v"+version)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for file, data := range map[string][]byte{name: archive, "checksums.txt": []byte(checksums)} {
		if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Dir(dir))))
	t.Cleanup(srv.Close)
	return srv.URL
}

// localized points a step's script at the fake release instead of GitHub.
func localized(script, base string) string { return strings.ReplaceAll(script, releaseBase, base) }

// shell runs script with bash -eo pipefail, as both CI systems run steps.
func shell(t *testing.T, dir string, env []string, script string) result {
	t.Helper()
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script)
	cmd.Dir, cmd.Env = dir, env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String()}
	if exit, ok := err.(*exec.ExitError); ok {
		r.code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

// ciToken makes the token docs/ci.md tells an admin to make, with its
// command, for the org of admin token tok.
func ciToken(t *testing.T, s *server, doc, tok string) string {
	t.Helper()
	line := regexp.MustCompile(`(?m)^wsctl tokens create .*$`).FindString(doc)
	if !strings.Contains(line, "--scope licenses:read,users:read") || !strings.Contains(line, "--expires-in") {
		t.Fatalf("docs/ci.md should create a read-only, expiring token; it says %q", line)
	}
	r := must(t, s.wsctl(tok, strings.Fields(line)[1:]...), 0, line)
	return strings.TrimSpace(r.stdout)
}

// readJUnitReport parses the JUnit report the audit wrote.
func readJUnitReport(t *testing.T, path string) (tests, failures int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no report: %v", err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("report: %v\n%s", err, data)
	}
	return doc.Tests, doc.Failures
}

func get(t *testing.T, m map[string]any, path ...string) any {
	t.Helper()
	var v any = m
	for _, k := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("docs/ci.md: no %s", strings.Join(path, "."))
		}
		v = mm[k]
	}
	return v
}

// auditOrgs starts workspaced with an org whose flow pool is full (the
// pipelines' --max-used 90 finds it) and one with nothing to find, and
// returns the CI token of each.
func auditOrgs(t *testing.T, doc string) (s *server, full, clean string) {
	s = startServer(t)
	fullAdmin := s.createOrg("acme")
	for _, name := range []string{"ann", "bob", "cat"} {
		must(t, s.operator("user", "add", "--org", "acme", "--name", "Test Person", "--email", name+"@acme.example", "--role", "user", "--license", "flow"), 0, "user add")
	}
	cleanAdmin := s.createOrg("globex")
	return s, ciToken(t, s, doc, fullAdmin), ciToken(t, s, doc, cleanAdmin)
}

func TestCIDoc_GitHubActions_InstallsVerifiesAudits(t *testing.T) {
	requireTools(t)
	workflow, _, doc := ciPipelines(t)
	s, full, clean := auditOrgs(t, doc)
	jobs := get(t, workflow, "jobs").(map[string]any)
	if len(jobs) != 1 {
		t.Fatalf("one job, not %d", len(jobs))
	}
	var job map[string]any
	for _, j := range jobs {
		job = j.(map[string]any)
	}
	version := fmt.Sprint(get(t, job, "env", "WSCTL_VERSION"))
	archive := releaseArchive(t)

	// run runs the job's shell steps as a runner would: the job's and the
	// step's environment, secrets resolved, GITHUB_PATH honoured.
	run := func(t *testing.T, token string, tamper bool) (results []result, workspace string) {
		workspace, temp := t.TempDir(), t.TempDir()
		base := fakeRelease(t, version, archive, tamper)
		githubPath := filepath.Join(temp, "github_path")
		path := os.Getenv("PATH")
		secrets := map[string]string{"WSCTL_HOST": s.url, "WSCTL_AUDIT_TOKEN": token}
		for _, step := range job["steps"].([]any) {
			st := step.(map[string]any)
			script, ok := st["run"].(string)
			if !ok {
				continue
			}
			env := []string{"HOME=" + temp, "RUNNER_TEMP=" + temp, "GITHUB_PATH=" + githubPath, "PATH=" + path, "NO_COLOR=1"}
			for _, scope := range []any{job["env"], st["env"]} {
				vars, _ := scope.(map[string]any)
				for k, v := range vars {
					value := fmt.Sprint(v)
					if m := regexp.MustCompile(`^\$\{\{ secrets\.(\w+) \}\}$`).FindStringSubmatch(value); m != nil {
						value = secrets[m[1]]
					}
					env = append(env, k+"="+value)
				}
			}
			r := shell(t, workspace, env, localized(script, base))
			results = append(results, r)
			if r.code != 0 {
				break // a failed step ends the job's shell steps
			}
			if added, err := os.ReadFile(githubPath); err == nil {
				for _, dir := range strings.Fields(string(added)) {
					path = dir + string(os.PathListSeparator) + path
				}
			}
		}
		return results, workspace
	}

	t.Run("nothing found", func(t *testing.T) {
		results, workspace := run(t, clean, false)
		if len(results) != 2 || results[0].code != 0 || results[1].code != 0 {
			t.Fatalf("want the install and audit steps to pass: %v", results)
		}
		if !strings.HasPrefix(results[1].stdout, "wsctl version") {
			t.Errorf("the audit step ran another wsctl than the installed one: %s", results[1])
		}
		if tests, failures := readJUnitReport(t, filepath.Join(workspace, "licenses-audit.xml")); tests != 12 || failures != 0 {
			t.Errorf("report: %d tests, %d failures", tests, failures)
		}
	})
	t.Run("a full pool fails the job", func(t *testing.T) {
		results, workspace := run(t, full, false)
		if len(results) != 2 || results[1].code != 3 {
			t.Fatalf("want the audit step to fail with exit 3: %v", results)
		}
		if tests, failures := readJUnitReport(t, filepath.Join(workspace, "licenses-audit.xml")); tests != 12 || failures != 1 {
			t.Errorf("report: %d tests, %d failures, want flow's pool failing", tests, failures)
		}
	})
	t.Run("a tampered archive is refused", func(t *testing.T) {
		results, _ := run(t, clean, true)
		if len(results) != 1 || results[0].code == 0 || !strings.Contains(results[0].stdout+results[0].stderr, "FAILED") {
			t.Fatalf("want the install step to fail its checksum: %v", results)
		}
	})

	// The report steps publish what the audit wrote, even after it failed.
	for _, step := range job["steps"].([]any) {
		st := step.(map[string]any)
		uses, _ := st["uses"].(string)
		if uses == "" {
			continue
		}
		if cond, _ := st["if"].(string); !strings.Contains(cond, "!cancelled()") && !strings.Contains(cond, "always()") {
			t.Errorf("%s runs only on success (if: %q): a failed audit would publish nothing", uses, cond)
		}
		with, _ := st["with"].(map[string]any)
		if p := fmt.Sprint(with["report_paths"], with["path"]); !strings.Contains(p, "licenses-audit.xml") {
			t.Errorf("%s publishes %q, not the report", uses, p)
		}
	}
}

func TestCIDoc_GitLabCI_InstallsVerifiesAudits(t *testing.T) {
	requireTools(t)
	_, pipeline, doc := ciPipelines(t)
	s, full, clean := auditOrgs(t, doc)
	if len(pipeline) != 1 {
		t.Fatalf("one job, not %d", len(pipeline))
	}
	var job map[string]any
	for _, j := range pipeline {
		job = j.(map[string]any)
	}
	version := fmt.Sprint(get(t, job, "variables", "WSCTL_VERSION"))
	archive := releaseArchive(t)
	if got := fmt.Sprint(get(t, job, "artifacts", "reports", "junit")); got != "licenses-audit.xml" {
		t.Errorf("artifacts:reports:junit is %q", got)
	}
	if got := fmt.Sprint(get(t, job, "artifacts", "when")); got != "always" {
		t.Errorf("artifacts:when is %q: a failed audit would keep no report", got)
	}
	var lines []string
	for _, part := range []string{"before_script", "script"} {
		for _, l := range job[part].([]any) {
			lines = append(lines, l.(string))
		}
	}

	// run runs the job's script as a runner does: one shell, line after
	// line, stopping at the first that fails; CI/CD variables in the environment.
	run := func(t *testing.T, token string, tamper bool) (result, string) {
		dir, home := t.TempDir(), t.TempDir()
		env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "NO_COLOR=1", "CI_PROJECT_DIR=" + dir,
			"WSCTL_VERSION=" + version, "WSCTL_HOST=" + s.url, "WSCTL_TOKEN=" + token}
		return shell(t, dir, env, localized(strings.Join(lines, "\n"), fakeRelease(t, version, archive, tamper))), dir
	}
	t.Run("nothing found", func(t *testing.T) {
		r, dir := run(t, clean, false)
		if r.code != 0 || !strings.Contains(r.stdout, "wsctl version") {
			t.Fatalf("want the job to pass: %s", r)
		}
		if tests, failures := readJUnitReport(t, filepath.Join(dir, "licenses-audit.xml")); tests != 12 || failures != 0 {
			t.Errorf("report: %d tests, %d failures", tests, failures)
		}
	})
	t.Run("a full pool fails the job", func(t *testing.T) {
		r, dir := run(t, full, false)
		if r.code != 3 {
			t.Fatalf("want the job to fail with exit 3: %s", r)
		}
		if tests, failures := readJUnitReport(t, filepath.Join(dir, "licenses-audit.xml")); tests != 12 || failures != 1 {
			t.Errorf("report: %d tests, %d failures, want flow's pool failing", tests, failures)
		}
	})
	t.Run("a tampered archive is refused", func(t *testing.T) {
		r, dir := run(t, clean, true)
		if r.code == 0 || !strings.Contains(r.stdout+r.stderr, "FAILED") {
			t.Fatalf("want the checksum to fail the job: %s", r)
		}
		if _, err := os.Stat(filepath.Join(dir, "licenses-audit.xml")); err == nil {
			t.Error("the job went on to audit with an unchecked binary")
		}
	})
}
