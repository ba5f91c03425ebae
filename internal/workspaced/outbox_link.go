package workspaced

import "strings"

// oneLine keeps an SMTP error on its line of the tab-separated listing.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
