// Package cmdutil holds what every wsctl command shares: the Factory of lazy
// constructors, typed errors and exit codes, output formats and confirmations.
package cmdutil

import (
	"github.com/wsctl/wsctl/internal/cli/cmdutil/iostreams"
	"github.com/wsctl/wsctl/internal/cli/cmdutil/prompter"
	"github.com/wsctl/wsctl/internal/cli/config"
	"github.com/wsctl/wsctl/internal/client"
)

// Factory hands commands what they need. Config and Client are functions so
// that a command which never talks to the server (version, help, completion)
// never reads the config file or the environment's token.
type Factory struct {
	AppVersion     string
	ExecutableName string

	IOStreams *iostreams.IOStreams
	Prompter  prompter.Prompter

	Config func() (*config.Config, error)
	Client func() (*client.Client, error)

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
	// Output, JQ and Yes are accepted everywhere; commands that print data or
	// ask for confirmation declare their own copies (AddOutputFlags, AddYesFlag).
	Output string
	JQ     string
	Yes    bool
}
