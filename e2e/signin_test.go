package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/wsctl/wsctl/internal/testutil/chromiumtest"
)

// requireKeyring skips (outside CI) or fails (under CI=true) when no
// session bus with a keyring is reachable: make test runs the suite under
// scripts/with-keyring.sh.
func requireKeyring(t *testing.T) {
	t.Helper()
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no session bus under CI=true: make test runs the tests under scripts/with-keyring.sh")
	}
	t.Skip("no session bus with a keyring (run under scripts/with-keyring.sh)")
}

const adaPassword = "correct horse battery staple"

// setPassword gives a user a local password through the operator command.
func (s *server) setPassword(email, password string) {
	s.t.Helper()
	r := s.run(bins.workspaced, nil, password+"\n", "user", "set-password", "--org", "acme", "--email", email, "--database", s.db)
	must(s.t, r, 0, "set-password")
}

// startLogin starts `wsctl auth login ARGS` and returns the first URL it
// prints that starts with prefix, and a channel with its result.
func (s *server) startLogin(t *testing.T, prefix string, args ...string) (string, <-chan result) {
	t.Helper()
	cmd := exec.Command(bins.wsctl, append([]string{"auth", "login"}, args...)...)
	cmd.Env = s.baseEnv()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	var errText strings.Builder
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			errText.WriteString(line + "\n")
			for _, f := range strings.Fields(line) {
				if strings.HasPrefix(f, prefix) {
					select {
					case urls <- strings.TrimRight(f, ",.);"):
					default:
					}
				}
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	done := make(chan result, 1)
	go func() {
		err := cmd.Wait()
		<-copied
		r := result{stdout: out.String(), stderr: errText.String()}
		if exit, ok := err.(*exec.ExitError); ok {
			r.code = exit.ExitCode()
		} else if err != nil {
			r.code = -1
		}
		done <- r
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	select {
	case u := <-urls:
		return u, done
	case r := <-done:
		t.Fatalf("wsctl auth login ended before printing a URL: %s", r)
	case <-time.After(20 * time.Second):
		t.Fatalf("wsctl auth login printed no URL within 20s: %s", errText.String())
	}
	return "", nil
}

// enrollTOTP reads the key the enrollment page shows and answers with a code
// computed from it, as an authenticator app would.
func enrollTOTP(t *testing.T, ctx context.Context) string {
	t.Helper()
	secret, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#totp-secret")))
	if err != nil {
		t.Fatalf("enrollment page: %v", err)
	}
	secret = strings.ReplaceAll(strings.TrimSpace(secret), " ", "")
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatalf("TOTP from %q: %v", secret, err)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#code"), code), chromedp.Submit(chromedp.CSS("#code"))); err != nil {
		t.Fatalf("submit the first code: %v", err)
	}
	return secret
}

func waitFor(t *testing.T, done <-chan result, what string) result {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not finish within 60s", what)
	}
	return result{}
}

// TestBrowserLogin_EnrollTOTP_Consent_TokensInKeyring drives the whole
// `wsctl auth login` in a real headless Chromium: password, TOTP enrollment
// with a code computed from the shown key, consent; the CLI ends signed in
// with its tokens in the real OS keyring and calls the API with them.
func TestBrowserLogin_EnrollTOTP_Consent_TokensInKeyring(t *testing.T) {
	browser := chromiumtest.New(t)
	requireKeyring(t)
	s := startServer(t)
	s.adminTok = s.createOrg("acme")
	s.setPassword("ada@acme.example", adaPassword)

	loginURL, done := s.startLogin(t, s.url+"/oauth/authorize?", "--no-browser")
	ctx, cancel := context.WithTimeout(browser, 60*time.Second)
	defer cancel()
	err := chromedp.Do(ctx,
		chromedp.Navigate(loginURL),
		chromedp.WaitVisible(chromedp.CSS("#org")),
		chromedp.SendKeys(chromedp.CSS("#org"), "acme"),
		chromedp.SendKeys(chromedp.CSS("#email"), "ada@acme.example"),
		chromedp.SendKeys(chromedp.CSS("#password"), adaPassword),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS("#totp-secret")),
	)
	if err != nil {
		t.Fatalf("sign-in page: %v", err)
	}
	enrollTOTP(t, ctx)
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`button[value="allow"]`)),
		chromedp.Click(chromedp.CSS(`button[value="allow"]`)),
	); err != nil {
		t.Fatalf("consent page: %v", err)
	}
	r := waitFor(t, done, "wsctl auth login")
	if r.code != 0 {
		t.Fatalf("wsctl auth login: %s", r)
	}

	st := must(t, s.wsctl("", "auth", "status", "-o", "json"), 0, "auth status")
	var status map[string]any
	if err := json.Unmarshal([]byte(st.stdout), &status); err != nil {
		t.Fatalf("auth status -o json: %v\n%s", err, st)
	}
	if status["user"] != "ada@acme.example" || status["storage"] != "keyring" {
		t.Errorf("auth status = %v, want ada signed in with the token in the keyring", status)
	}
	users := must(t, s.wsctl("", "users", "list", "-o", "json"), 0, "users list with the stored sign-in")
	if !strings.Contains(users.stdout, "ada@acme.example") {
		t.Errorf("users list: %s", users.stdout)
	}
	if u := jsonArray(t, users); len(u) != 1 || u[0]["mfa_enrolled"] != true {
		t.Errorf("after enrollment ada's mfa_enrolled = %v", u)
	}
	for _, out := range []string{r.stdout, r.stderr, st.stdout, st.stderr} {
		if strings.Contains(out, "wsr_") {
			t.Error("a refresh token was printed")
		}
	}

	// R12: after an MFA reset the stored sign-in stops working, and the next
	// sign-in enrolls again.
	must(t, s.admin("mfa", "reset", "ada@acme.example", "--yes"), 0, "mfa reset")
	must(t, s.wsctl("", "users", "list"), 4, "the stored sign-in after an MFA reset (R12)")

	// auth logout deletes the entry; status then exits 4.
	must(t, s.wsctl("", "auth", "logout"), 0, "auth logout")
	must(t, s.wsctl("", "auth", "status"), 4, "auth status after logout")
}

// TestBrowserSignup_FromInviteLink_R6 follows an invitation email's link in a
// real headless Chromium: the person sets a password, enrolls TOTP and
// becomes an active user with the invited roles and licenses.
func TestBrowserSignup_FromInviteLink_R6(t *testing.T) {
	browser := chromiumtest.New(t)
	s := startServer(t)
	s.invitingOrg("acme")
	must(t, s.admin("users", "invite", "--name", "Grace Hopper", "--email", "grace@acme.example", "--role", "manager,user", "--license", "flow"), 0, "invite")
	var link string
	for _, line := range strings.Split(must(t, s.operator("outbox", "list", "--org", "acme"), 0, "outbox").stdout, "\n") {
		if !strings.Contains(line, "grace@acme.example") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if strings.HasPrefix(f, s.url+"/signup?token=") {
				link = f
			}
		}
	}
	if !strings.HasPrefix(link, s.url+"/signup?token=") {
		t.Fatalf("no signup link for grace in the outbox (got %q)", link)
	}
	ctx, cancel := context.WithTimeout(browser, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#password"), "grace's long password"),
		chromedp.SendKeys(chromedp.CSS("#confirm"), "grace's long password"),
		chromedp.Submit(chromedp.CSS("#confirm")),
		chromedp.WaitVisible(chromedp.CSS("#totp-secret")),
	); err != nil {
		t.Fatalf("signup page: %v", err)
	}
	enrollTOTP(t, ctx)
	if err := chromedp.Do(ctx, chromedp.WaitNotPresent(chromedp.CSS("#totp-secret"))); err != nil {
		t.Fatalf("after enrollment: %v", err)
	}
	r := must(t, s.admin("users", "show", "grace@acme.example", "-o", "json"), 0, "users show")
	var grace map[string]any
	json.Unmarshal([]byte(r.stdout), &grace)
	if grace["active"] != true || grace["mfa_enrolled"] != true || !strings.Contains(r.stdout, "manager") || !strings.Contains(r.stdout, "flow") {
		t.Errorf("signed-up user = %s", r.stdout)
	}
	// The link is single-use: a second visit shows no form.
	if err := chromedp.Do(ctx, chromedp.Navigate(link)); err != nil {
		t.Fatal(err)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#password").length`)); err != nil || n != 0 {
		t.Errorf("a used signup link still shows the form (%d, %v)", n, err)
	}
	invites := jsonArray(t, must(t, s.admin("invites", "list", "--status", "accepted", "-o", "json"), 0, "accepted invites"))
	if len(invites) != 1 {
		t.Errorf("accepted invites = %v", invites)
	}
}

// TestBrowserDeviceLogin_RFC8628 runs `wsctl auth login --device` and
// approves it in a real headless Chromium on the device page: code, sign-in,
// TOTP enrollment, consent; the CLI, polling, ends signed in.
func TestBrowserDeviceLogin_RFC8628(t *testing.T) {
	browser := chromiumtest.New(t)
	requireKeyring(t)
	s := startServer(t)
	s.adminTok = s.createOrg("acme")
	s.setPassword("ada@acme.example", adaPassword)

	deviceURL, done := s.startLogin(t, s.url+"/device?user_code=", "--device")
	ctx, cancel := context.WithTimeout(browser, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(deviceURL),
		chromedp.WaitVisible(chromedp.CSS("#user_code")),
		chromedp.Submit(chromedp.CSS("#user_code")),
		chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#org"), "acme"),
		chromedp.SendKeys(chromedp.CSS("#email"), "ada@acme.example"),
		chromedp.SendKeys(chromedp.CSS("#password"), adaPassword),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS("#totp-secret")),
	); err != nil {
		t.Fatalf("device and sign-in pages: %v", err)
	}
	enrollTOTP(t, ctx)
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`button[value="allow"]`)),
		chromedp.Click(chromedp.CSS(`button[value="allow"]`)),
	); err != nil {
		t.Fatalf("consent page: %v", err)
	}
	if r := waitFor(t, done, "wsctl auth login --device"); r.code != 0 {
		t.Fatalf("wsctl auth login --device: %s", r)
	}
	must(t, s.wsctl("", "auth", "status"), 0, "auth status after the device flow")
	must(t, s.wsctl("", "licenses", "show"), 0, "the API with the device sign-in")
}
