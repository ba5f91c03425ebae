// Package smtptest runs a real SMTP server (emersion/go-smtp) on 127.0.0.1
// for tests: it records what it accepts and can refuse, fail or stall.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mode is how the server answers a message's DATA.
type Mode int

// The answers to a message.
const (
	Accept     Mode = iota // 250: the message is delivered
	TempFail               // 451: try again later
	PermFail               // 550: never
	AckStalled             // take the message, then never answer: a delivery whose acknowledgement is lost
)

// Message is one message the server took in.
type Message struct {
	From string
	To   []string
	Data []byte
	// Acked is whether the server answered 250 (AckStalled leaves it false:
	// the message arrived, but the sender never learned it).
	Acked bool
}

// Options configure a Server.
type Options struct {
	// Username and Password, when set, require AUTH PLAIN with them.
	Username, Password string
	// TLS offers STARTTLS with a self-signed certificate for 127.0.0.1;
	// trust it with Server.ClientTLS.
	TLS bool
}

// Server is an SMTP server on 127.0.0.1; it stops when the test ends.
type Server struct {
	Addr string
	Port int

	opts      Options
	srv       *smtp.Server
	clientTLS *tls.Config

	mu       sync.Mutex
	mode     Mode
	failNext int           // answer this many messages with TempFail first
	delay    time.Duration // wait this long before answering 250
	msgs     []Message
	authOK   int
	changed  chan struct{} // closed and replaced on every new message
	release  chan struct{} // closed to end every stall
}

// Start starts a server answering Accept.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{opts: opts, changed: make(chan struct{}), release: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	s.srv.Domain = "localhost"
	s.srv.ReadTimeout, s.srv.WriteTimeout = time.Minute, time.Minute
	s.srv.AllowInsecureAuth = !opts.TLS
	if opts.TLS {
		s.srv.TLSConfig, s.clientTLS = selfSigned(t)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	s.Port = ln.Addr().(*net.TCPAddr).Port
	go s.srv.Serve(ln)
	t.Cleanup(s.Close)
	return s
}

// Close ends every stall and stops the server.
func (s *Server) Close() {
	s.SetMode(Accept)
	s.srv.Close()
}

// URL is the --smtp URL of the server (plain text unless TLS).
func (s *Server) URL() string {
	u := "smtp://"
	if s.opts.Username != "" {
		u += s.opts.Username + "@"
	}
	u += "127.0.0.1:" + strconv.Itoa(s.Port)
	if s.opts.TLS {
		return u + "?starttls=required"
	}
	return u + "?starttls=none"
}

// ClientTLS trusts the server's certificate.
func (s *Server) ClientTLS() *tls.Config { return s.clientTLS }

// SetMode changes how the next messages are answered; leaving AckStalled
// ends the stalls in progress.
func (s *Server) SetMode(m Mode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mode == AckStalled && m != AckStalled {
		close(s.release)
		s.release = make(chan struct{})
	}
	s.mode = m
}

// FailNext answers the next n messages 451 before the mode applies.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	s.failNext = n
	s.mu.Unlock()
}

// SetDelay makes the server wait d before it answers 250 to a message.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// Messages is every message taken in so far, refused ones excluded.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Logins counts successful AUTH exchanges.
func (s *Server) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authOK
}

// WaitFor waits until cond holds on the messages, or fails the test.
func (s *Server) WaitFor(t testing.TB, timeout time.Duration, what string, cond func([]Message) bool) []Message {
	t.Helper()
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		msgs, changed := append([]Message(nil), s.msgs...), s.changed
		s.mu.Unlock()
		if cond(msgs) {
			return msgs
		}
		select {
		case <-changed:
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatalf("SMTP peer: %s: not within %v (%d messages)", what, timeout, len(msgs))
		}
	}
}

// ByRecipient counts the messages per recipient.
func ByRecipient(msgs []Message) map[string]int {
	n := map[string]int{}
	for _, m := range msgs {
		for _, to := range m.To {
			n[to]++
		}
	}
	return n
}

type session struct {
	s      *Server
	from   string
	to     []string
	authed bool
}

func (x *session) AuthMechanisms() []string {
	if x.s.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (x *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != x.s.opts.Username || password != x.s.opts.Password {
			return errors.New("invalid credentials")
		}
		x.authed = true
		x.s.mu.Lock()
		x.s.authOK++
		x.s.mu.Unlock()
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.opts.Username != "" && !x.authed {
		return smtp.ErrAuthRequired
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := x.s
	s.mu.Lock()
	mode := s.mode
	if s.failNext > 0 {
		s.failNext--
		mode = TempFail
	}
	switch mode {
	case TempFail:
		s.mu.Unlock()
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	case PermFail:
		s.mu.Unlock()
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	s.msgs = append(s.msgs, Message{From: x.from, To: append([]string(nil), x.to...), Data: bytes.Clone(data), Acked: mode == Accept})
	close(s.changed)
	s.changed = make(chan struct{})
	release, delay := s.release, s.delay
	s.mu.Unlock()
	if mode == AckStalled {
		<-release
		return &smtp.SMTPError{Code: 421, Message: "stalled"}
	}
	time.Sleep(delay)
	return nil
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and a client config trusting it.
func selfSigned(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}
