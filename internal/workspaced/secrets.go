package workspaced

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/MakeNowJust/heredoc/v2"
	"github.com/spf13/cobra"

	"github.com/wsctl/wsctl/internal/secrets"
	"github.com/wsctl/wsctl/internal/store"
)

// resealer is a store that can seal its secrets again with its newest key
// (sqlstore.Store.Reseal).
type resealer interface {
	Reseal(ctx context.Context) (int, error)
	Close() error
}

func newSecretsCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "secrets", Short: "Rotate the keys that seal the database's secrets"}
	var keepOld bool
	rotate := &cobra.Command{
		Use:   "rotate [--keep-old]",
		Short: "Seal every secret of the database with a new key, then drop the old one",
		Long: heredoc.Doc(`
			Add a new key to the key file, seal every secret of the database again with
			it (one transaction per table), then drop the old keys from the file. Until
			the secrets are sealed again the file holds both keys, so a rotation cut
			short loses nothing: run it again.

			Run it while no server uses the database: a server started before holds the
			old key and would go on sealing with it. Then copy the key file to every
			host whose servers or operator commands share the database, and start them.

			To rotate without stopping the servers: run 'rotate --keep-old' (the file
			keeps the old key beside the new one), copy the file to every host, restart
			each server, then run 'workspaced secrets reseal --drop-old'.

			The keys must be in a key file. Keys given in WORKSPACED_SECRETS_KEY: write
			them to a file readable by you only, rotate with --secrets-key-file FILE,
			and put the file's new keys in WORKSPACED_SECRETS_KEY.
		`),
		Example: heredoc.Doc(`
			$ workspaced secrets rotate --database sqlite:/var/lib/workspaced/ws.db
			$ workspaced secrets rotate --keep-old --database postgres://ws@db.internal/ws --secrets-key-file /etc/workspaced/secrets.key
		`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.rotateKeys(cmd.Context(), true, !keepOld)
		},
	}
	rotate.Flags().BoolVar(&keepOld, "keep-old", false, "keep the old keys in the key file, for servers still running with them")
	var dropOld bool
	reseal := &cobra.Command{
		Use:   "reseal [--drop-old]",
		Short: "Seal every secret of the database again with the newest key of the key file",
		Long: heredoc.Doc(`
			Seal every secret of the database with the newest (last) key of the key file,
			secrets still in clear included; with --drop-old, then drop the older keys
			from the file. The second step of a rotation without stopping the servers
			(see 'workspaced secrets rotate --help'): run it once every server was
			restarted with the new key file.
		`),
		Example: "$ workspaced secrets reseal --drop-old --database postgres://ws@db.internal/ws",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.rotateKeys(cmd.Context(), false, dropOld)
		},
	}
	reseal.Flags().BoolVar(&dropOld, "drop-old", false, "drop the older keys from the key file once every secret is sealed with the newest")
	cmd.AddCommand(rotate, reseal)
	return cmd
}

// rotateKeys adds a fresh key to the key file when addKey, seals every
// secret again with the newest key, then leaves only that key in the file
// when dropOld. The file always holds every key a stored secret needs: it
// gains the new key before anything is sealed with it, and loses the old
// ones only once nothing is sealed with them.
func (e *env) rotateKeys(ctx context.Context, addKey, dropOld bool) error {
	old, src, err := store.LoadKeys(e.database, e.keyFile)
	if err != nil {
		return err
	}
	if src.File == "" {
		return fmt.Errorf("the keys are given in $%s, which this command cannot change: write them to a file readable by you only, "+
			"run this with --secrets-key-file FILE, then put the file's keys in $%s", store.EnvKey, store.EnvKey)
	}
	keys := old.Keys()
	if addKey {
		keys = append(keys, secrets.NewKey())
		if err := secrets.WriteFile(src.File, keys); err != nil {
			return fmt.Errorf("add a key to %s: %w", src.File, err)
		}
	}
	ring, err := secrets.NewKeyring(keys...)
	if err != nil {
		return err
	}
	st, err := store.OpenWithKeys(ctx, e.database, ring)
	if err != nil {
		if addKey { // nothing was sealed with the new key
			_ = secrets.WriteFile(src.File, old.Keys())
		}
		if src.Created {
			os.Remove(src.File)
		}
		var unknown *secrets.UnknownKeyError
		if errors.As(err, &unknown) {
			return &store.WrongKeyError{Source: src, Err: unknown}
		}
		return err
	}
	defer st.Close()
	rs, ok := st.(resealer)
	if !ok {
		return fmt.Errorf("this database cannot seal its secrets again")
	}
	n, err := rs.Reseal(ctx)
	if err != nil {
		return fmt.Errorf("%w (nothing is lost: %s holds the old and the new keys; run this again)", err, src.File)
	}
	current := ring.Current()
	fmt.Fprintf(e.errOut, "sealed %d secrets with key %s\n", n, current.ID())
	if !dropOld || len(keys) == 1 {
		fmt.Fprintf(e.errOut, "%s holds keys %s; copy it to every host that shares this database\n", src.File, strings.Join(ring.IDs(), ", "))
		return nil
	}
	if err := secrets.WriteFile(src.File, []secrets.Key{current}); err != nil {
		return fmt.Errorf("drop the old keys from %s: %w (every secret is sealed with %s already)", src.File, err, current.ID())
	}
	fmt.Fprintf(e.errOut, "dropped keys %s from %s; copy it to every host that shares this database, and restart the servers\n",
		strings.Join(ring.IDs()[:len(keys)-1], ", "), src.File)
	return nil
}

// logKeySource says at start where the server's keys are, and warns when
// their file can be read by others than its owner.
func logKeySource(log *slog.Logger, src store.KeySource) {
	log.Info("secrets sealed", "keys", src.String())
	if src.File == "" {
		return
	}
	if st, err := os.Stat(src.File); err == nil && st.Mode().Perm()&0o077 != 0 {
		log.Warn("the secrets key file can be read by others than its owner: chmod 600 it", "file", src.File, "mode", st.Mode().Perm().String())
	}
}
