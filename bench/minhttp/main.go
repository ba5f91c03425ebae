// Command minhttp is mincobra that also links an HTTP client (net/http, TLS):
// the start-up of any API client before it does anything, which make bench
// prints beside wsctl's and mincobra's.
package main

import (
	"net/http"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	cmd := &cobra.Command{Use: "minhttp URL", Version: "1.0.0", Args: cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			resp, err := http.Get(args[0])
			if err != nil {
				return err
			}
			return resp.Body.Close()
		}}
	if err := cmd.Execute(); err != nil {
		os.Exit(1)
	}
}
