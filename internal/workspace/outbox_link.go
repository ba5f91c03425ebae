package workspace

import (
	"html"
	"net/url"
	"strings"
)

// An invite email's bodies are stored without the secret of its sign-up
// link: a database or backup reader could otherwise accept the invite.
// The secret waits apart (OutboxMessage.LinkToken, sealed by the store)
// and goes into the bodies only as the message is handed to the mail
// server, or shown to the operator, who hands out links by hand when the
// server sends no email.

// LinkTokenPlaceholder stands for the link's secret in stored bodies.
// Neither query nor HTML escaping changes it.
const LinkTokenPlaceholder = "{signup-token}"

// linkMarker starts the sign-up link in an email's text.
const linkMarker = "/signup?token="

// Rendered is the message as it is sent: the link's secret in its bodies.
// A message whose secret is forgotten (sent, failed or cancelled) keeps the
// placeholder.
func (m OutboxMessage) Rendered() OutboxMessage {
	if m.LinkToken == "" {
		return m
	}
	q := url.QueryEscape(m.LinkToken)
	m.Text = strings.ReplaceAll(m.Text, LinkTokenPlaceholder, q)
	m.HTML = strings.ReplaceAll(m.HTML, LinkTokenPlaceholder, html.EscapeString(q))
	return m
}

// SignupLink is the sign-up link the message carries, "" when it carries
// none or its secret is forgotten.
func (m OutboxMessage) SignupLink() string {
	if m.LinkToken == "" {
		return ""
	}
	for _, f := range strings.Fields(m.Rendered().Text) {
		if strings.Contains(f, linkMarker) {
			return f
		}
	}
	return ""
}

// DetachLinkToken takes the link's secret out of the bodies of a message
// written before secrets were kept apart, leaving the placeholder in their
// place; ok is false when the bodies hold no such link.
func DetachLinkToken(m OutboxMessage) (out OutboxMessage, ok bool) {
	_, rest, found := strings.Cut(m.Text, linkMarker)
	if !found {
		return m, false
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 || fields[0] == LinkTokenPlaceholder {
		return m, false
	}
	escaped := fields[0]
	token, err := url.QueryUnescape(escaped)
	if err != nil {
		return m, false
	}
	m.Text = strings.ReplaceAll(m.Text, linkMarker+escaped, linkMarker+LinkTokenPlaceholder)
	m.HTML = strings.ReplaceAll(m.HTML, linkMarker+html.EscapeString(escaped), linkMarker+LinkTokenPlaceholder)
	m.LinkToken = token
	return m, true
}
