package shared

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/wsctl/wsctl/internal/client"
)

// Revoke asks the server to revoke token (RFC 7009); hint is
// "refresh_token" or "access_token". Revoking a refresh token ends the whole
// sign-in on the server.
func Revoke(ctx context.Context, hc *http.Client, meta *Metadata, host, token, hint string) error {
	if meta.RevocationEndpoint == "" {
		return fmt.Errorf("%s names no revocation endpoint", host)
	}
	form := url.Values{"token": {token}, "token_type_hint": {hint}, "client_id": {ClientID}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, meta.RevocationEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &client.TransportError{BaseURL: host, Err: err}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	var oerr struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(body, &oerr)
	if oerr.Error == "" {
		oerr.Error = fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	if oerr.Description != "" {
		return fmt.Errorf("the server refused to revoke the %s: %s: %s", strings.ReplaceAll(hint, "_", " "), oerr.Error, oerr.Description)
	}
	return fmt.Errorf("the server refused to revoke the %s: %s", strings.ReplaceAll(hint, "_", " "), oerr.Error)
}
