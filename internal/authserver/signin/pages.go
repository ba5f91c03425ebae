package signin

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"
)

//go:embed templates/*.html
var templateFiles embed.FS

// pageCSS is the one style sheet of every page, inline so a page is one
// request; the Content-Security-Policy allows exactly this text by its hash.
const pageCSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#f4f5f7}
main{max-width:28rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15)}
.brand{margin:0 0 .5rem;font-weight:600;color:#4b5563}
h1{font-size:1.5rem;margin:0 0 1rem}
h2{font-size:1.05rem;margin:1.25rem 0 .25rem}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input[type=text],input[type=email],input[type=password]{width:100%;padding:.6rem;font:inherit;border:1px solid #6b7280;border-radius:4px}
input[aria-invalid=true]{border-color:#b42318;border-width:2px}
input:focus,button:focus,a:focus{outline:3px solid #2563eb;outline-offset:2px}
button,.button{display:inline-block;margin-top:1.25rem;padding:.6rem 1.2rem;font:inherit;font-weight:600;color:#fff;background:#1d4ed8;border:0;border-radius:4px;cursor:pointer;text-decoration:none}
button.secondary,.button.secondary{color:#1d4ed8;background:#fff;border:1px solid #1d4ed8}
button.link{margin:0;padding:0;color:#1d4ed8;background:none;text-decoration:underline;font-weight:400}
.field-error{color:#b42318;margin:.25rem 0 0}
.alert{padding:.75rem;margin:0 0 1rem;color:#7a1a12;background:#fdecea;border-left:4px solid #b42318}
.info{padding:.75rem;background:#eef4ff;border-left:4px solid #1d4ed8}
.warning{padding:.75rem;background:#fff7e6;border-left:4px solid #b45309}
.hint,.note,.or{color:#4b5563;font-size:.95rem;margin:.25rem 0}
.secondary-form{margin-top:2rem;padding-top:1rem;border-top:1px solid #e5e7eb}
figure{margin:1rem 0;text-align:center}
code{font-size:1.05rem;overflow-wrap:anywhere}
figcaption{margin-top:.5rem}
figcaption code{display:block;margin-top:.25rem}
button+button{margin-left:.5rem}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:1rem 0}
dt{font-weight:600}
dd{margin:0}
`

// contentSecurityPolicy allows the inline style above, data: images (the QR
// code) and nothing else. It has no form-action: after the consent form the
// browser is redirected to the client's loopback address, which
// form-action would block.
var contentSecurityPolicy = func() string {
	sum := sha256.Sum256([]byte(pageCSS))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; img-src data:; frame-ancestors 'none'; base-uri 'none'"
}()

// view is what every page template reads; each page fills its part.
type view struct {
	Title       string
	CSS         template.CSS
	CSRF        string
	Alert       string            // a message about the whole form, announced (role=alert)
	Info        string            // a neutral notice
	Errors      map[string]string // field name → message, tied to the field by aria-describedby
	Values      map[string]string // field values to show again
	Next        next
	Token       string // the invite link's token on the signup pages
	Action      string // where the enroll form posts
	User        string
	Provider    *providerLink
	Enroll      *enrollView
	Consent     *consentView
	Invite      *inviteView
	MinPassword int

	// The message page.
	Paragraphs []string
	Link       *link
	RequestID  string
}

// providerLink is an org's "Sign in with <Name>" button; Only: the org
// signs in through its provider only, so no password form is shown.
type providerLink struct {
	Name, URL string
	Only      bool
}

type link struct{ Text, URL string }

type enrollView struct {
	QR     template.URL // data:image/png;base64,… made here from the otpauth URL
	Secret string       // base32, in groups of four
}

type consentView struct {
	Client, Email, Org, Roles, UserCode string
	Scopes                              []string
}

type inviteView struct {
	Name, Org, Email, Roles, Licenses, Expires string
}

// pages are the parsed templates, one set per page over the shared layout.
type pages map[string]*template.Template

func parsePages() (pages, error) {
	p := pages{}
	for _, name := range []string{"login", "mfa", "enroll", "consent", "device", "signup", "message"} {
		t, err := template.New(name).Option("missingkey=zero").ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		p[name] = t
	}
	return p, nil
}

// render writes a page with its status. The page is rendered to a buffer
// first, so a template error becomes a 500 rather than half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	v.CSS = template.CSS(pageCSS)
	if v.MinPassword == 0 {
		v.MinPassword = minPasswordLength
	}
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		h.log.Error("render page", "page", name, "error", err, "request_id", requestID(r))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// message renders a page of text: an outcome, or why something cannot go on.
func (h *Handler) message(w http.ResponseWriter, r *http.Request, status int, title string, paragraphs []string, l *link) {
	h.render(w, r, status, "message", view{Title: title, Paragraphs: paragraphs, Link: l})
}

// groupSecret writes a base32 secret in groups of four, to read and type.
func groupSecret(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}
