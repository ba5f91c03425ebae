// Command workspaced is the workspace API server and its operator commands.
package main

import (
	"os"

	"github.com/wsctl/wsctl/internal/workspaced"
)

func main() {
	os.Exit(workspaced.Execute(os.Args[1:], os.Stdout, os.Stderr))
}
