package root

import (
	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"
)

// helpTopics are 'wsctl help environment' and 'wsctl help exit-codes'.
func helpTopics() []*cobra.Command {
	topic := func(name, short, long string) *cobra.Command {
		// No Run: cobra lists it under "Additional help topics".
		return &cobra.Command{Use: name, Short: short, Long: long}
	}
	return []*cobra.Command{
		topic("environment", "Environment variables and the config file", heredoc.Doc(`
			WSCTL_TOKEN    an API token wsctl sends instead of any stored sign-in
			               (for CI and scripts). Create one with
			               'wsctl tokens create --name NAME --scope S[,S]' (as an admin)
			               or ask an admin. A CI job watching pools with
			               'licenses show --fail-above' needs only licenses:read;
			               'licenses audit' needs licenses:read and users:read,
			               of an admin. People sign in with 'wsctl auth login'.
			WSCTL_HOST     the workspaced address, e.g. https://ws.example.com
			               (default http://127.0.0.1:8080, where 'workspaced serve' listens).
			WSCTL_PROFILE  the profile of the config file to use (as --profile).
			WSCTL_CONFIG   the config file (default $XDG_CONFIG_HOME/wsctl/config.yaml,
			               or ~/.config/wsctl/config.yaml).
			NO_COLOR       no color in output (as --no-color).
			BROWSER        the command 'wsctl auth login' opens the sign-in page with
			               (the URL is its last argument, or replaces %s in it).
			WSCTL_LOGIN_TIMEOUT
			               how long 'wsctl auth login' waits for the browser sign-in
			               (a duration such as 90s; default 5m; as --timeout).
			XDG_STATE_HOME where refresh locks and --insecure-storage sign-ins are kept
			               ($XDG_STATE_HOME/wsctl, default ~/.local/state/wsctl).

			A sign-in is kept in the OS keyring (service "wsctl", one entry per
			host and profile). The token sent is WSCTL_TOKEN when set, else the
			stored sign-in of the host (and profile).

			The host is taken from, in order: --host, WSCTL_HOST, the profile's
			host, the config file's host, the default.

			The config file is YAML:

			    host: https://ws.example.com
			    profile: staging          # the default profile, optional
			    profiles:
			      staging:
			        host: https://ws-staging.example.com
		`)),
		topic("exit-codes", "What wsctl's exit codes mean", heredoc.Doc(`
			0  success
			1  failure (the server refused, could not be reached, ...)
			2  usage error: bad flags or arguments, a bad CSV header, a
			   confirmation needed without a terminal (pass --yes)
			3  partial failure: some rows of 'users invite --csv' failed,
			   'licenses show --fail-above' found a pool above the threshold,
			   or 'licenses audit' found something (a pool above its limit,
			   an idle holder, a stale invite, an inactive holder)
			4  not signed in (no stored sign-in, an ended one, or a bad
			   WSCTL_TOKEN) or not allowed; 'wsctl auth status' exits 4 when
			   not signed in and 0 when signed in
		`)),
	}
}
