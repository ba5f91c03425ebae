// Package cmdutil holds what every wsctl command shares: the Factory of lazy
// constructors, typed errors and exit codes, output formats and confirmations.
package cmdutil

import (
	"net/http"

	"github.com/wsctl/wsctl/internal/cli/authstore"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/prompter"
	"github.com/wsctl/wsctl/internal/cli/config"
	"github.com/wsctl/wsctl/internal/client"
)

// Factory hands commands what they need. Config, Client, HTTPClient and
// TokenStores are functions so that a command which never talks to the server
// (version, help, completion) never reads the config file, the environment's
// token or the keyring.
type Factory struct {
	AppVersion string
	// AppCommit and AppDate are the commit the binary was built from and
	// that commit's time (RFC 3339), for 'wsctl version'; empty if unknown.
	AppCommit      string
	AppDate        string
	ExecutableName string

	IOStreams *iostreams.IOStreams
	Prompter  prompter.Prompter

	Config func() (*config.Config, error)
	// Client is the API client for the selected host, authenticated with
	// WSCTL_TOKEN or else the stored sign-in (refreshed as needed).
	Client func() (*client.Client, error)
	// HTTPClient is a plain client for requests outside the API (OAuth).
	HTTPClient func() (*http.Client, error)
	// TokenStores are where sign-ins are kept (keyring, insecure file).
	TokenStores func() (*authstore.Stores, error)
	// Browser opens URLs for 'wsctl auth login'.
	Browser Browser

	// Globals are the root command's persistent flags, filled in when the
	// command line is parsed and read lazily by Config and Client.
	Globals *GlobalFlags
}

// GlobalFlags are the flags every command accepts (SPEC §4).
type GlobalFlags struct {
	Host    string
	Profile string
	NoColor bool
	Debug   bool
	// InsecureHTTP lets a token go to a plain-http host on another machine.
	InsecureHTTP bool
	// Output, JQ and Yes are accepted everywhere; commands that print data or
	// ask for confirmation declare their own copies (AddOutputFlags, AddYesFlag).
	Output string
	JQ     string
	Yes    bool
}

// Browser opens a URL in the person's web browser.
type Browser interface {
	Browse(url string) error
}
