package workspaced

import "strings"

// signupLink finds the link in an invite email's text.
func signupLink(text string) string {
	for _, f := range strings.Fields(text) {
		if strings.Contains(f, "/signup?token=") {
			return f
		}
	}
	return ""
}

// oneLine keeps an SMTP error on its line of the tab-separated listing.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
