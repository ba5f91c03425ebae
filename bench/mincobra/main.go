// Command mincobra is the smallest cobra program with a --version flag: the
// start-up baseline that wsctl --version is compared with (make bench).
package main

import (
	"os"

	"github.com/spf13/cobra"
)

func main() {
	cmd := &cobra.Command{Use: "mincobra", Version: "1.0.0", Run: func(*cobra.Command, []string) {}}
	if err := cmd.Execute(); err != nil {
		os.Exit(1)
	}
}
