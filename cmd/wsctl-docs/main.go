// Command wsctl-docs generates wsctl's CLI reference (docs/cli), man pages
// (docs/man) and shell completions (completions/) from the command tree.
//
//	go run ./cmd/wsctl-docs [--out DIR]
//
// DIR is the root of the tree to write into (default: the current directory).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/wsctl/wsctl/internal/cli/docgen"
	"github.com/wsctl/wsctl/internal/cli/factory"
	"github.com/wsctl/wsctl/internal/cli/root"
)

func main() {
	out := flag.String("out", ".", "root directory: writes DIR/docs/cli, DIR/docs/man and DIR/completions")
	flag.Parse()

	dirs := docgen.Dirs{
		Markdown:    filepath.Join(*out, "docs", "cli"),
		Man:         filepath.Join(*out, "docs", "man"),
		Completions: filepath.Join(*out, "completions"),
	}
	cmd := root.NewCmdRoot(factory.New("dev"))
	if err := docgen.Generate(cmd, dirs); err != nil {
		fmt.Fprintln(os.Stderr, "wsctl-docs:", err)
		os.Exit(1)
	}
}
