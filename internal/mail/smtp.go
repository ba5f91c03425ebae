package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/wsctl/wsctl/internal/workspace"
)

// PasswordEnv names the variable that holds the SMTP password when the
// --smtp URL has none; keep it there rather than in argv, which every
// local user can read.
const PasswordEnv = "WORKSPACED_SMTP_PASSWORD"

// StartTLS is what the sender does about STARTTLS.
type StartTLS string

// The STARTTLS policies of the URL's starttls parameter.
const (
	StartTLSRequired      StartTLS = "required"      // refuse to send without it (the default)
	StartTLSOpportunistic StartTLS = "opportunistic" // use it when the server offers it
	StartTLSNone          StartTLS = "none"          // never: plain text, for a relay on loopback
)

// Options say how to reach the SMTP server. Password is never printed:
// String and LogValue leave it out.
type Options struct {
	Host     string
	Port     int
	Username string
	Password string
	StartTLS StartTLS
	// ImplicitTLS is smtps://: TLS from the first byte (port 465).
	ImplicitTLS bool
	From        string
	// TLSConfig, when set, replaces the default (verify the server as Host),
	// e.g. to trust a private CA.
	TLSConfig *tls.Config
	// Timeout bounds one delivery: connect, greet, authenticate, send.
	Timeout time.Duration
}

// DefaultFrom is the sender address when the URL gives none.
const DefaultFrom = "workspace@localhost"

// ParseURL reads smtp://[user[:password]@]host[:port][?starttls=required|opportunistic|none&from=ADDR]
// or smtps://… (implicit TLS). password, when not empty, is used if the URL
// has none (it comes from WORKSPACED_SMTP_PASSWORD).
func ParseURL(raw, password string) (Options, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Options{}, fmt.Errorf("--smtp: not a URL (smtp://user@host:587?starttls=required): %w", redactErr(err, raw))
	}
	o := Options{Host: u.Hostname(), StartTLS: StartTLSRequired, From: DefaultFrom, Timeout: 30 * time.Second}
	switch u.Scheme {
	case "smtp":
		o.Port = 587
	case "smtps":
		o.Port, o.ImplicitTLS = 465, true
	default:
		return Options{}, fmt.Errorf("--smtp: scheme %q: use smtp://host:port or smtps://host:port", u.Scheme)
	}
	if o.Host == "" {
		return Options{}, errors.New("--smtp: no host (smtp://user@host:587)")
	}
	if p := u.Port(); p != "" {
		if o.Port, err = strconv.Atoi(p); err != nil || o.Port < 1 || o.Port > 65535 {
			return Options{}, fmt.Errorf("--smtp: bad port %q", p)
		}
	}
	if u.User != nil {
		o.Username = u.User.Username()
		o.Password, _ = u.User.Password()
	}
	if o.Password == "" {
		o.Password = password
	}
	if o.Password != "" && o.Username == "" {
		return Options{}, errors.New("--smtp: a password without a user name: put the user in the URL (smtp://user@host)")
	}
	q := u.Query()
	if v := q.Get("starttls"); v != "" {
		switch StartTLS(v) {
		case StartTLSRequired, StartTLSOpportunistic, StartTLSNone:
			o.StartTLS = StartTLS(v)
		default:
			return Options{}, fmt.Errorf("--smtp: starttls=%s: use required, opportunistic or none", v)
		}
	}
	if v := q.Get("from"); v != "" {
		o.From = v
	}
	for k := range q {
		if k != "starttls" && k != "from" {
			return Options{}, fmt.Errorf("--smtp: unknown parameter %q (known: starttls, from)", k)
		}
	}
	return o, nil
}

// redactErr keeps a URL's password out of a parse error.
func redactErr(err error, raw string) error {
	if u, perr := url.Parse(raw); perr == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			return errors.New(strings.ReplaceAll(err.Error(), p, "xxxxx"))
		}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err // the url.Error repeats the whole URL, password included
	}
	return err
}

// String is the URL without the password.
func (o Options) String() string {
	scheme := "smtp"
	if o.ImplicitTLS {
		scheme = "smtps"
	}
	u := url.URL{Scheme: scheme, Host: net.JoinHostPort(o.Host, strconv.Itoa(o.Port))}
	if o.Username != "" {
		u.User = url.User(o.Username)
	}
	if !o.ImplicitTLS {
		u.RawQuery = "starttls=" + string(o.StartTLS)
	}
	return u.String()
}

// Sender sends outbox messages over SMTP, one connection per message.
type Sender struct{ opts Options }

// NewSender returns a Sender; it connects only when sending.
func NewSender(o Options) *Sender { return &Sender{opts: o} }

// Send delivers one message: a plain-text part and an HTML alternative.
// Its Message-ID is derived from the outbox id, so the copies an
// at-least-once delivery may make are recognizable as one message.
func (s *Sender) Send(ctx context.Context, m workspace.OutboxMessage) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.opts.From); err != nil {
		return &PermanentError{Err: fmt.Errorf("sender address %q: %w", s.opts.From, err)}
	}
	if err := msg.To(m.To); err != nil {
		return &PermanentError{Err: fmt.Errorf("recipient %q: %w", m.To, err)}
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageIDWithValue(m.ID + "@" + domainOf(s.opts.From))
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	timeout := s.opts.Timeout
	if d, ok := ctx.Deadline(); ok && (timeout <= 0 || time.Until(d) < timeout) {
		timeout = max(time.Until(d), time.Millisecond)
	}
	c, err := gomail.NewClient(s.opts.Host, s.clientOptions(timeout)...)
	if err != nil {
		return &PermanentError{Err: err}
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return classify(err)
	}
	return nil
}

// clientOptions are go-mail's options; timeout bounds the whole delivery
// (go-mail sets it as the connection's deadline).
func (s *Sender) clientOptions(timeout time.Duration) []gomail.Option {
	o := s.opts
	tlsConfig := o.TLSConfig
	if tlsConfig == nil {
		tlsConfig = &tls.Config{ServerName: o.Host, MinVersion: tls.VersionTLS12}
	}
	opts := []gomail.Option{gomail.WithPort(o.Port), gomail.WithTLSConfig(tlsConfig), gomail.WithoutNoop()}
	if timeout > 0 {
		opts = append(opts, gomail.WithTimeout(timeout))
	}
	switch {
	case o.ImplicitTLS:
		opts = append(opts, gomail.WithSSL())
	case o.StartTLS == StartTLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case o.StartTLS == StartTLSOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if o.Username != "" {
		// AUTODISCOVER picks the strongest mechanism the server offers and
		// refuses plain-text ones (PLAIN, LOGIN) without TLS.
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(o.Username), gomail.WithPassword(o.Password))
	}
	return opts
}

func domainOf(addr string) string {
	if i := strings.LastIndex(addr, "@"); i >= 0 {
		return strings.TrimRight(addr[i+1:], ">")
	}
	return "localhost"
}

// PermanentError is a failure that sending again will not cure: the SMTP
// server refused the message with a 5xx reply, or the message is malformed.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// classify marks 5xx replies to the message (MAIL, RCPT, DATA) as
// permanent. Everything else is worth retrying, including a refused
// connection, a timeout and a failed login: those are the server's or the
// configuration's trouble, not the message's, and an operator can fix
// them while the message waits.
func classify(err error) error {
	var se *gomail.SendError
	if errors.As(err, &se) && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
		return &PermanentError{Err: err}
	}
	return err
}
