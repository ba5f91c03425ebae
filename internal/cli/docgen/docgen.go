// Package docgen writes wsctl's generated documentation: the CLI reference
// in Markdown, man pages and shell completions. 'make docs' runs it through
// cmd/wsctl-docs; the output is never edited by hand.
package docgen

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/wsctl/wsctl/internal/cli/completion"
)

// Dirs are where each kind of document goes.
type Dirs struct {
	Markdown    string // docs/cli
	Man         string // docs/man
	Completions string // completions
}

// Generate writes every document for root. The date of man pages is fixed so
// that regenerating without changes gives identical files.
func Generate(root *cobra.Command, dirs Dirs) error {
	root.DisableAutoGenTag = true
	for _, d := range []string{dirs.Markdown, dirs.Man, dirs.Completions} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := doc.GenMarkdownTree(root, dirs.Markdown); err != nil {
		return fmt.Errorf("markdown: %w", err)
	}
	date := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	header := &doc.GenManHeader{Title: "WSCTL", Section: "1", Source: "wsctl", Manual: "wsctl manual", Date: &date}
	if err := doc.GenManTree(root, header, dirs.Man); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	names := map[string]string{"bash": "wsctl.bash", "zsh": "_wsctl", "fish": "wsctl.fish", "powershell": "wsctl.ps1"}
	for _, shell := range completion.Shells {
		f, err := os.Create(filepath.Join(dirs.Completions, names[shell]))
		if err != nil {
			return err
		}
		err = completion.Write(root, shell, f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%s completion: %w", shell, err)
		}
	}
	return nil
}
