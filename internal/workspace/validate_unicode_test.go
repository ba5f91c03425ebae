package workspace

import (
	"strings"
	"testing"
)

// Security finding 8 (issue 12): look-alike emails and names. Each case
// was accepted before; the accepted ones stay accepted.
func TestValidate_LookAlikesRefused_R1(t *testing.T) {
	for _, tc := range []struct {
		name, email string
		field, why  string // "" when accepted
		wantEmail   string
	}{
		{name: "Ada Lovelace", email: "ada@acme.example", wantEmail: "ada@acme.example"},
		{name: "Ada Lovelace", email: "\u0430da@acme.example", field: "email", why: "mixes Cyrillic and Latin"}, // Cyrillic а
		{name: "Ada Lovelace", email: "ada@\u0430cme.example", field: "email", why: "mixes Cyrillic and Latin"},
		{name: "Ada Lovelace", email: "\u0430\u0441\u0435@acme.example", field: "email", why: "look like plain ones"}, // all-Cyrillic "асе"
		{name: "Ada Lovelace", email: "\uff41\uff44\uff41@acme.example", wantEmail: "ada@acme.example"},               // fullwidth, NFKC
		{name: "Иван Петров", email: "иван@почта.example", wantEmail: "иван@почта.example"},
		{name: "Zoë O'Neil", email: "zoë@acme.example", wantEmail: "zoë@acme.example"},
		{name: "\u0410da Lovelace", email: "ada@acme.example", field: "name", why: "mixes Cyrillic and Latin"},
		{name: "Ada" + strings.Repeat("\u0301", 3), email: "ada@acme.example", field: "name", why: "more than 2 accents"},
		{name: "Việt Nguyễn", email: "viet@acme.example", wantEmail: "viet@acme.example"}, // two marks on one letter
		{name: "山田 太郎", email: "taro@acme.example", wantEmail: "taro@acme.example"},
		{name: "やまだ タロウ 山田", email: "yamada@acme.example", wantEmail: "yamada@acme.example"},
		{name: "김 민준", email: "kim@acme.example", wantEmail: "kim@acme.example"},
		{name: "김 タロウ", email: "kim@acme.example", field: "name", why: "mixes"},
		{name: "Ａｄａ", email: "ada@acme.example", wantEmail: "ada@acme.example"},
	} {
		v, err := validatePerson(InviteInput{Name: tc.name, Email: tc.email, Roles: []string{"user"}, Licenses: []string{"flow"}}, nil)
		if tc.field == "" {
			if err != nil && !strings.Contains(err.Error(), "license") {
				t.Errorf("%q <%s>: %v, want accepted", tc.name, tc.email, err)
			} else if err == nil && v.email != tc.wantEmail {
				t.Errorf("%q <%s>: kept as %q, want %q", tc.name, tc.email, v.email, tc.wantEmail)
			}
			continue
		}
		ve, ok := err.(*ValidationError)
		if !ok || ve.Field != tc.field || !strings.Contains(ve.Reason, tc.why) {
			t.Errorf("%q <%s>: %v, want the %s refused because it %s", tc.name, tc.email, err, tc.field, tc.why)
		}
	}
	if n, err := validateName("Ａｄａ"); err != nil || n != "Ada" {
		t.Errorf("a fullwidth name: %q %v, want NFKC's Ada", n, err)
	}
}
