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
