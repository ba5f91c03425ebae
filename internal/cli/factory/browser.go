package factory

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/kballard/go-shellquote"
)

// Browser opens URLs: with the command in $BROWSER when set (the URL is its
// last argument, or replaces a "%s" in it), else the system's opener
// (xdg-open, open, rundll32).
type Browser struct {
	// LookupEnv reads the environment; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Stderr receives the opener's own error output; nil discards it.
	Stderr io.Writer
	GOOS   string
}

// Browse starts the browser and returns without waiting for it to exit.
func (b *Browser) Browse(url string) error {
	argv, err := b.command(url)
	if err != nil {
		return err
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return fmt.Errorf("cannot open a browser: %w", err)
	}
	cmd := exec.Command(path, argv[1:]...)
	cmd.Stderr = b.Stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cannot open a browser with %s: %w", argv[0], err)
	}
	// Reap it whenever it ends; a browser may outlive wsctl.
	go func() { _ = cmd.Wait() }()
	return nil
}

func (b *Browser) command(url string) ([]string, error) {
	lookup := b.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	if v, _ := lookup("BROWSER"); strings.TrimSpace(v) != "" {
		return browserEnvCommand(v, url)
	}
	goos := b.GOOS
	if goos == "" {
		goos = runtime.GOOS
	}
	switch goos {
	case "darwin":
		return []string{"open", url}, nil
	case "windows":
		return []string{"rundll32", "url.dll,FileProtocolHandler", url}, nil
	}
	return []string{"xdg-open", url}, nil
}

// browserEnvCommand reads $BROWSER: a command with arguments (shell words),
// in which "%s" stands for the URL; without one the URL is appended.
func browserEnvCommand(v, url string) ([]string, error) {
	words, err := shellquote.Split(v)
	if err != nil || len(words) == 0 {
		return nil, errors.New("cannot read $BROWSER: " + v)
	}
	replaced := false
	for i, w := range words {
		if strings.Contains(w, "%s") {
			words[i] = strings.ReplaceAll(w, "%s", url)
			replaced = true
		}
	}
	if !replaced {
		words = append(words, url)
	}
	return words, nil
}
