package workspace

import (
	"strings"
	"testing"
	"time"
)

func TestValidateInvite_R1(t *testing.T) {
	ok := InviteInput{Name: "Zoë O'Neil-Smith Jr.", Email: "zoe@acme.example", Roles: []string{"User", " manager "}, Licenses: []string{"Flow"}}
	if err := ValidateInvite(ok, []string{"flow", "agent-dialer"}); err != nil {
		t.Fatalf("valid invite refused: %v", err)
	}
	if err := ValidateInvite(InviteInput{Name: "Zoe\u0308", Email: "z@x.example", Roles: []string{"user"}, Licenses: []string{"any"}}, nil); err != nil {
		t.Errorf("a decomposed ë is a letter: %v", err)
	}
	cases := []struct {
		mutate func(*InviteInput)
		field  string
	}{
		{func(in *InviteInput) { in.Name = " " }, "name"},
		{func(in *InviteInput) { in.Name = "Ann_Lee" }, "name"},
		{func(in *InviteInput) { in.Name = strings.Repeat("a", 201) }, "name"},
		{func(in *InviteInput) { in.Email = "barbara@acme" }, "email"},
		{func(in *InviteInput) { in.Email = "a b@acme.example" }, "email"},
		{func(in *InviteInput) { in.Roles = []string{"", " "} }, "roles"},
		{func(in *InviteInput) { in.Roles = []string{"owner"} }, "roles"},
		{func(in *InviteInput) { in.Licenses = nil }, "licenses"},
		{func(in *InviteInput) { in.Licenses = []string{"crm"} }, "licenses"},
	}
	for _, c := range cases {
		in := ok
		c.mutate(&in)
		err := ValidateInvite(in, []string{"flow"})
		v, isV := err.(*ValidationError)
		if !isV || v.Field != c.field {
			t.Errorf("%+v: got %v, want a %s error", in, err, c.field)
		}
	}
	// Without a catalog, license names are not checked, but one is still needed.
	if err := ValidateInvite(InviteInput{Name: "Ann", Email: "a@x.example", Roles: []string{"user"}, Licenses: []string{"crm"}}, nil); err != nil {
		t.Errorf("no catalog: %v", err)
	}
}

func TestInviteStatusAt_ExpiresAfterTTL_R6(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	inv := Invite{Status: InvitePending, ExpiresAt: now.Add(InviteTTL)}
	if inv.StatusAt(now.Add(InviteTTL-time.Second)) != InvitePending || inv.StatusAt(now.Add(InviteTTL)) != InviteExpired {
		t.Error("a pending invite expires exactly at its expiry")
	}
	inv.Status = InviteAccepted
	if inv.StatusAt(now.Add(2*InviteTTL)) != InviteAccepted {
		t.Error("only pending invites expire")
	}
}

func TestIDs_GrowStrictlyWithinAMillisecond(t *testing.T) {
	g := &idGen{}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	prev := g.next("evt", at)
	for range 10000 {
		id := g.next("evt", at)
		if id <= prev {
			t.Fatalf("id %s after %s", id, prev)
		}
		prev = id
	}
	if earlier := g.next("evt", at.Add(-time.Hour)); earlier <= prev {
		t.Error("a clock stepping back must not make ids go back")
	}
}

func TestLicensePool_Available_R4(t *testing.T) {
	p := LicensePool{Total: 3, Assigned: 2, Reserved: 1}
	if p.Used() != 3 || p.Available() != 0 {
		t.Errorf("%+v: used %d available %d", p, p.Used(), p.Available())
	}
	p.Total = 2 // shrunk below use by hand: never negative
	if p.Available() != 0 {
		t.Errorf("available %d", p.Available())
	}
}

// Org slugs are DNS labels; an identity provider's allowed domains are
// domain names (the checks that replaced two slow regexps).
func TestIsLabelAndIsDomain(t *testing.T) {
	for s, want := range map[string]bool{
		"acme": true, "a": true, "acme-2": true, "9lives": true, strings.Repeat("a", 63): true,
		"": false, "-acme": false, "acme-": false, "Acme": false, "ac_me": false, "ac.me": false,
		"acmé": false, strings.Repeat("a", 64): false,
	} {
		if got := isLabel(s); got != want {
			t.Errorf("isLabel(%q) = %v, want %v", s, got, want)
		}
	}
	for s, want := range map[string]bool{
		"example.com": true, "mail.example.co.uk": true, "x-1.example.io": true,
		"example": false, "example.": false, ".example.com": false, "example..com": false,
		"example.123": false, "ex_ample.com": false, "example.com-": false, "Example.com": false,
		strings.Repeat("a.", 127) + "com": false,
	} {
		if got := isDomain(s); got != want {
			t.Errorf("isDomain(%q) = %v, want %v", s, got, want)
		}
	}
}
