package workspace

import (
	"errors"
	"testing"
)

// The one rule of who may sign in, hold a session or use a token: an
// active user (R9, R10), whatever their roles.
func TestUser_CanSignIn_OnlyWhileActive_R9_R10(t *testing.T) {
	for _, tc := range []struct {
		user User
		want error
	}{
		{User{Active: true, Roles: []Role{RoleUser}}, nil},
		{User{Active: true, Roles: []Role{RoleAdmin}}, nil},
		{User{Active: false, Roles: []Role{RoleAdmin}}, ErrUserDeactivated},
		{User{Active: false}, ErrUserDeactivated},
	} {
		if got := tc.user.CanSignIn(); !errors.Is(got, tc.want) || (got == nil) != (tc.want == nil) {
			t.Errorf("%+v: CanSignIn() = %v, want %v", tc.user, got, tc.want)
		}
	}
}
