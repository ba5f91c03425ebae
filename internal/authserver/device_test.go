package authserver_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/wsctl/wsctl/internal/authserver"
)

// startDevice asks for a device code as `wsctl auth login --device` does.
func (e *env) startDevice(scopes ...string) (*oauth2.Config, *oauth2.DeviceAuthResponse) {
	e.t.Helper()
	conf := e.config("", scopes...)
	da, err := conf.DeviceAuth(e.ctx)
	if err != nil {
		e.t.Fatalf("device authorization: %v", err)
	}
	da.Interval = 1 // poll fast in tests; the server says 5 seconds
	return conf, da
}

// poll asks the token endpoint once for the device's tokens and returns
// the OAuth error code, or "" with the tokens.
func (e *env) poll(da *oauth2.DeviceAuthResponse) (string, map[string]any) {
	e.t.Helper()
	_, out := e.postForm(authserver.PathToken, url.Values{
		"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {da.DeviceCode}, "client_id": {"wsctl"}})
	code, _ := out["error"].(string)
	return code, out
}

// TestDeviceFlow_RFC8628: device authorization, the device page approving
// the user code, and polling that gives tokens once, which work on the API.
func TestDeviceFlow_RFC8628(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	conf, da := e.startDevice(allScopes...)
	if da.VerificationURI != e.srv.URL+"/device" || !strings.Contains(da.VerificationURIComplete, "user_code=") {
		t.Errorf("verification URIs %q, %q; want %s/device", da.VerificationURI, da.VerificationURIComplete, e.srv.URL)
	}
	if len(da.UserCode) != 9 || da.UserCode[4] != '-' {
		t.Errorf("user code %q, want XXXX-XXXX", da.UserCode)
	}
	if code, _ := e.poll(da); code != "authorization_pending" {
		t.Fatalf("poll before approval: %q, want authorization_pending", code)
	}

	// The device page, as people type the code: any case, no dash.
	typed := strings.ToLower(strings.ReplaceAll(da.UserCode, "-", ""))
	info, err := e.as.DeviceRequest(e.ctx, typed)
	if err != nil {
		t.Fatalf("DeviceRequest(%q): %v", typed, err)
	}
	if info.UserCode != da.UserCode || info.ClientID != "wsctl" || len(info.Scopes) != len(allScopes) {
		t.Errorf("device request info %+v", info)
	}
	if err := e.as.CompleteDeviceRequest(e.ctx, typed, e.session(e.bob.ID)); err != nil {
		t.Fatalf("CompleteDeviceRequest: %v", err)
	}
	if _, err := e.as.DeviceRequest(e.ctx, typed); err == nil {
		t.Error("an approved code still shows as pending")
	}

	tok, err := conf.DeviceAccessToken(e.ctx, da)
	if err != nil {
		t.Fatalf("device access token: %v", err)
	}
	if tok.RefreshToken == "" {
		t.Error("no refresh token for offline_access")
	}
	me := e.mustWork(tok.AccessToken, "the device's access token")
	if me.User.Email != e.bob.Email || len(me.Scopes) != 6 {
		t.Errorf("/me %+v", me)
	}
	if _, err := e.refresh(conf, tok.RefreshToken); err != nil {
		t.Errorf("refresh the device's token: %v", err)
	}
	if code, _ := e.poll(da); code == "" {
		t.Fatal("a device code gave tokens twice")
	}
}

// TestDeviceFlow_Denied: a person who refuses on the device page sends the
// device access_denied.
func TestDeviceFlow_Denied(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	conf, da := e.startDevice(allScopes...)
	if err := e.as.DenyDeviceRequest(e.ctx, da.UserCode); err != nil {
		t.Fatal(err)
	}
	_, err := conf.DeviceAccessToken(e.ctx, da)
	wantOAuthError(t, err, "access_denied")
	if err := e.as.CompleteDeviceRequest(e.ctx, da.UserCode, e.session(e.bob.ID)); err == nil {
		t.Fatal("a denied code was approved afterwards")
	}
}

// TestDeviceFlow_Expires: a code nobody approves expires: polls say
// expired_token and the device page no longer knows it.
func TestDeviceFlow_Expires(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *authserver.Config) { c.DeviceCodeLifetime = time.Second })
	_, da := e.startDevice(allScopes...)
	time.Sleep(1100 * time.Millisecond)
	if code, _ := e.poll(da); code != "expired_token" {
		t.Fatalf("poll after expiry: %q, want expired_token", code)
	}
	if err := e.as.CompleteDeviceRequest(e.ctx, da.UserCode, e.session(e.bob.ID)); err == nil {
		t.Fatal("an expired code was approved")
	}
}

// TestDeviceFlow_ExpiredCodesPurged: a new device authorization removes
// the expired ones, so user codes do not pile up and collide.
func TestDeviceFlow_ExpiredCodesPurged(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *authserver.Config) { c.DeviceCodeLifetime = time.Second })
	_, old := e.startDevice("openid")
	time.Sleep(1100 * time.Millisecond)
	e.startDevice("openid")
	if _, err := e.store.DeviceRequestByUserCode(e.ctx, old.UserCode); err == nil {
		t.Fatal("the expired device request is still stored")
	}
}

// TestDeviceFlow_UnknownCode: the device page does not find a code that was
// never issued, and the token endpoint refuses an unknown device code.
func TestDeviceFlow_UnknownCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, err := e.as.DeviceRequest(e.ctx, "BCDF-GHJK"); err == nil {
		t.Fatal("an unknown user code was found")
	}
	status, out := e.postForm(authserver.PathToken, url.Values{
		"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {"nonsense"}, "client_id": {"wsctl"}})
	if status != http.StatusBadRequest || out["error"] == nil {
		t.Fatalf("unknown device code: %d %v", status, out)
	}
}
