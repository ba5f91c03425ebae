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

// version, commit and date say where the binary came from; release builds
// set them (.goreleaser.yaml): -ldflags "-X main.version=1.2.3
// -X main.commit=SHA -X main.date=2026-01-02T03:04:05Z", date being the
// commit's time so that a rebuild of a tag gives the same binary. Left
// empty, they come from what the Go toolchain records (buildStamp).
var (
	version = ""
	commit  = ""
	date    = ""
)

func main() {
	os.Exit(run())
}

func run() int {
	// Ctrl-C cancels ctx's child that a running command gets (root installs
	// the handler then); cancel ends that handling too.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	f := factory.New(appVersion())
	f.AppCommit, f.AppDate = buildStamp()
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

// buildStamp is the commit and commit time set at build time or else those
// that 'go build' records when it builds in a git checkout (a 'go install'
// from the module proxy records none; its version says it all).
func buildStamp() (string, string) {
	if commit != "" || date != "" {
		return commit, date
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "", ""
	}
	var revision, at string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if revision != "" && modified {
		revision += "-dirty"
	}
	return revision, at
}
