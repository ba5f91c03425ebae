package mail

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wsctl/wsctl/internal/testutil/smtptest"
	"github.com/wsctl/wsctl/internal/workspace"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		url, envPassword string
		want             Options
		err              string
	}{
		{url: "smtp://mail.example.com", want: Options{Host: "mail.example.com", Port: 587, StartTLS: StartTLSRequired}},
		{url: "smtp://ann:s3cret@mail.example.com:2525?starttls=opportunistic&from=ws@example.com",
			want: Options{Host: "mail.example.com", Port: 2525, Username: "ann", Password: "s3cret", StartTLS: StartTLSOpportunistic, From: "ws@example.com"}},
		{url: "smtp://ann@mail.example.com?starttls=none", envPassword: "fromenv",
			want: Options{Host: "mail.example.com", Port: 587, Username: "ann", Password: "fromenv", StartTLS: StartTLSNone}},
		{url: "smtp://ann:inurl@mail.example.com", envPassword: "fromenv",
			want: Options{Host: "mail.example.com", Port: 587, Username: "ann", Password: "inurl", StartTLS: StartTLSRequired}},
		{url: "smtps://ann@mail.example.com", want: Options{Host: "mail.example.com", Port: 465, Username: "ann", StartTLS: StartTLSRequired, ImplicitTLS: true}},
		{url: "smtp://mail.example.com?starttls=maybe", err: "starttls=maybe"},
		{url: "smtp://mail.example.com?tls=1", err: `unknown parameter "tls"`},
		{url: "http://mail.example.com", err: "scheme"},
		{url: "smtp://:pw@mail.example.com", err: "without a user name"},
		{url: "smtp://mail.example.com:99999", err: "bad port"},
		{url: "smtp://ann:pa%zzss@mail.example.com", err: "not a URL"},
	} {
		got, err := ParseURL(tc.url, tc.envPassword)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseURL(%q) error %v, want %q", tc.url, err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), "pa%zzss") {
				t.Errorf("ParseURL(%q) error shows the password: %v", tc.url, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.url, err)
			continue
		}
		if tc.want.From == "" {
			tc.want.From = DefaultFrom
		}
		got.Timeout = 0
		if got != tc.want {
			t.Errorf("ParseURL(%q) = %+v, want %+v", tc.url, got, tc.want)
		}
		if got.Password != "" && strings.Contains(got.String(), got.Password) {
			t.Errorf("Options.String() shows the password: %s", got)
		}
	}
}

func outboxMessage(id, to string) workspace.OutboxMessage {
	return workspace.OutboxMessage{ID: id, To: to, Subject: "You are invited", Text: "plain part https://ws.example/signup?token=wsi_x\n",
		HTML: `<p><a href="https://ws.example/signup?token=wsi_x">Sign up</a></p>`}
}

// STARTTLS and AUTH against a real SMTP server: the password goes only
// over TLS, and a server without STARTTLS is refused under starttls=required.
func TestSender_StartTLSAndAuth(t *testing.T) {
	peer := smtptest.Start(t, smtptest.Options{Username: "ann", Password: "s3cret", TLS: true})
	o, err := ParseURL(peer.URL(), "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	o.TLSConfig = peer.ClientTLS()
	ctx := context.Background()
	if err := NewSender(o).Send(ctx, outboxMessage("msg_1", "grace@navy.example")); err != nil {
		t.Fatalf("send over STARTTLS with AUTH: %v", err)
	}
	if msgs := peer.Messages(); len(msgs) != 1 || peer.Logins() != 1 || msgs[0].To[0] != "grace@navy.example" {
		t.Fatalf("peer got %d messages after %d logins", len(msgs), peer.Logins())
	}

	o.Password = "wrong"
	err = NewSender(o).Send(ctx, outboxMessage("msg_2", "grace@navy.example"))
	if err == nil || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("a wrong password: %v (must fail, and never show the password)", err)
	}
	var permanent *PermanentError
	if errorsAs(err, &permanent) {
		t.Errorf("a failed login is the configuration's trouble, worth retrying: %v", err)
	}

	plain := smtptest.Start(t, smtptest.Options{Username: "ann", Password: "s3cret"})
	o, _ = ParseURL(strings.Replace(plain.URL(), "starttls=none", "starttls=required", 1), "s3cret")
	o.Timeout = 5 * time.Second
	if err := NewSender(o).Send(ctx, outboxMessage("msg_3", "grace@navy.example")); err == nil || len(plain.Messages()) != 0 || plain.Logins() != 0 {
		t.Fatalf("starttls=required against a server without STARTTLS: %v, %d messages", err, len(plain.Messages()))
	}
}

func TestSender_5xxIsPermanent_4xxIsNot(t *testing.T) {
	peer := smtptest.Start(t, smtptest.Options{})
	o, _ := ParseURL(peer.URL(), "")
	s, ctx := NewSender(o), context.Background()
	var permanent *PermanentError
	peer.SetMode(smtptest.TempFail)
	if err := s.Send(ctx, outboxMessage("msg_1", "a@x.example")); err == nil || errorsAs(err, &permanent) || !strings.Contains(err.Error(), "451") {
		t.Errorf("451: %v", err)
	}
	peer.SetMode(smtptest.PermFail)
	if err := s.Send(ctx, outboxMessage("msg_2", "a@x.example")); !errorsAs(err, &permanent) || !strings.Contains(err.Error(), "550") {
		t.Errorf("550: %v", err)
	}
}
