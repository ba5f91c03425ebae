package smtptest

import (
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
)

// Parts reads a multipart/alternative message into its plain-text and HTML
// parts (transfer encodings undone); both must be there.
func Parts(data []byte) (text, html string, err error) {
	msg, err := mail.ReadMessage(strings.NewReader(string(data)))
	if err != nil {
		return "", "", err
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		return "", "", fmt.Errorf("Content-Type %q, want multipart/alternative (%v)", msg.Header.Get("Content-Type"), err)
	}
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := r.NextPart() // undoes quoted-printable
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", "", err
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return "", "", err
		}
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct {
		case "text/plain":
			text = string(b)
		case "text/html":
			html = string(b)
		}
	}
	if text == "" || html == "" {
		return "", "", fmt.Errorf("a part is missing: text %d bytes, html %d bytes", len(text), len(html))
	}
	return text, html, nil
}

// SignupLink is the first signup link in a text.
func SignupLink(text string) string {
	for _, f := range strings.Fields(text) {
		if strings.Contains(f, "/signup?token=") {
			return f
		}
	}
	return ""
}
