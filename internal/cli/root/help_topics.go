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
			WSCTL_TOKEN    the API token wsctl sends. Create one with
			               'wsctl tokens create --name NAME --scope S[,S]' (as an admin)
			               or ask an admin. A CI job auditing licenses needs only
			               licenses:read. 'wsctl auth login' will sign in through a
			               browser in a later release.
			WSCTL_HOST     the workspaced address, e.g. https://ws.example.com
			               (default http://127.0.0.1:8080, where 'workspaced serve' listens).
			WSCTL_PROFILE  the profile of the config file to use (as --profile).
			WSCTL_CONFIG   the config file (default $XDG_CONFIG_HOME/wsctl/config.yaml,
			               or ~/.config/wsctl/config.yaml).
			NO_COLOR       no color in output (as --no-color).

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
			3  partial failure: some rows of 'users invite --csv' failed, or
			   'licenses show --fail-above' found a pool above the threshold
			4  not signed in (no or bad WSCTL_TOKEN) or not allowed
		`)),
	}
}
