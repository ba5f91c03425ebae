// Command wsctl is the admin command-line tool of workspaced.
package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/wsctl/wsctl/internal/cli/cmdutil"
	"github.com/wsctl/wsctl/internal/cli/factory"
	"github.com/wsctl/wsctl/internal/cli/root"
)

// version is set at build time: -ldflags "-X main.version=1.2.3".
var version = ""

func main() {
	os.Exit(run())
}

func run() int {
	// Ctrl-C cancels ctx's child that a running command gets (root installs
	// the handler then); cancel ends that handling too.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	f := factory.New(appVersion())
	cmd := root.NewCmdRootFor(f, os.Args[1:])
	executed, err := cmd.ExecuteContextC(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	code := cmdutil.ExitCode(err)
	if msg := cmdutil.ErrorMessage(err); msg != "" {
		fmt.Fprintln(f.IOStreams.ErrOut, msg)
	}
	if code == cmdutil.ExitUsage && executed != nil {
		fmt.Fprintf(f.IOStreams.ErrOut, "Run '%s --help' for usage.\n", executed.CommandPath())
	}
	return code
}

func appVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}
