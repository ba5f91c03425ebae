package authserver

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/wsctl/wsctl/internal/authserver/grants"
	"github.com/wsctl/wsctl/internal/authserver/signin"
	"github.com/wsctl/wsctl/internal/workspace"
)

// The device authorization grant (RFC 8628): zitadel makes the codes and
// answers the polls; we keep the requests, and the device page decides them
// through the Server methods below.

// StoreDeviceAuthorization keeps a new device request. Only the hash of the
// device code is stored; user codes are unique (a clash, about one in 10^10
// with 8 letters of 20, fails the request) and expired ones are purged first.
func (s *storage) StoreDeviceAuthorization(ctx context.Context, clientID, deviceCode, userCode string, expires time.Time, scopes []string) error {
	now := s.now()
	err := s.store.InsertDeviceRequest(ctx, grants.DeviceRequest{
		DeviceCodeHash: workspace.HashSecret(deviceCode),
		UserCode:       userCode,
		ClientID:       clientID,
		Scopes:         onlySupported(scopes),
		CreatedAt:      now,
		ExpiresAt:      expires.UTC(),
	}, now)
	if errors.Is(err, grants.ErrUserCodeTaken) {
		return op.ErrDuplicateUserCode
	}
	return err
}

// GetDeviceAuthorizatonState answers a poll. An approved request is
// consumed by the poll that sees it first, so a device code gives tokens
// once; later polls are refused.
func (s *storage) GetDeviceAuthorizatonState(ctx context.Context, clientID, deviceCode string) (*op.DeviceAuthorizationState, error) {
	hash := workspace.HashSecret(deviceCode)
	d, err := s.store.DeviceRequestByCode(ctx, hash)
	if err != nil {
		return nil, err
	}
	if d.ClientID != clientID {
		return nil, &workspace.NotFoundError{Kind: "device code", Key: "(secret)"}
	}
	state := &op.DeviceAuthorizationState{ClientID: d.ClientID, Scopes: d.Scopes, Expires: d.ExpiresAt}
	switch {
	case d.DeniedAt != nil:
		state.Denied = true
	case d.ConsumedAt != nil:
		return nil, errors.New("this device code was already exchanged for tokens")
	case d.ApprovedAt != nil:
		if err := s.store.ConsumeDeviceRequest(ctx, hash, s.now()); err != nil {
			return nil, err
		}
		state.Done, state.Subject, state.AuthTime = true, d.UserID, *d.ApprovedAt
	}
	return state, nil
}

// normalizeUserCode accepts a user code as people type it: any case, with
// or without the dash or spaces.
func normalizeUserCode(typed string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(typed) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	code := b.String()
	if n := op.UserCodeBase20.DashInterval; len(code) == op.UserCodeBase20.CharAmount {
		code = code[:n] + "-" + code[n:]
	}
	return code
}

// pendingDevice finds a device request that still waits for a decision.
func (s *Server) pendingDevice(ctx context.Context, userCode string) (grants.DeviceRequest, error) {
	code := normalizeUserCode(userCode)
	d, err := s.storage.store.DeviceRequestByUserCode(ctx, code)
	if err != nil {
		return d, err
	}
	if d.ApprovedAt != nil || d.DeniedAt != nil || !s.storage.now().Before(d.ExpiresAt) {
		return d, &workspace.NotFoundError{Kind: "pending device code", Key: code}
	}
	return d, nil
}

// DeviceRequest describes a pending device authorization to the device page.
func (s *Server) DeviceRequest(ctx context.Context, userCode string) (signin.DeviceRequestInfo, error) {
	d, err := s.pendingDevice(ctx, userCode)
	if err != nil {
		return signin.DeviceRequestInfo{}, err
	}
	return signin.DeviceRequestInfo{UserCode: d.UserCode, ClientID: d.ClientID, Scopes: d.Scopes, Expires: d.ExpiresAt}, nil
}

// CompleteDeviceRequest approves a pending device request for the user of
// the browser session sess, still signed in when the approval is stored;
// the device's next poll gets the tokens.
func (s *Server) CompleteDeviceRequest(ctx context.Context, userCode string, sess workspace.BrowserSession) error {
	by, err := signInOf(sess)
	if err != nil {
		return err
	}
	d, err := s.pendingDevice(ctx, userCode)
	if err != nil {
		return err
	}
	if err := s.storage.requireActive(ctx, by.UserID); err != nil {
		return err
	}
	return s.storage.store.ApproveDeviceRequest(ctx, d.UserCode, by, s.storage.now())
}

// DenyDeviceRequest refuses it; the device's next poll gets access_denied.
func (s *Server) DenyDeviceRequest(ctx context.Context, userCode string) error {
	d, err := s.pendingDevice(ctx, userCode)
	if err != nil {
		return err
	}
	return s.storage.store.DenyDeviceRequest(ctx, d.UserCode, s.storage.now())
}
