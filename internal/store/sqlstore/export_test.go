package sqlstore

// Grouped reports whether the store's group commit ran more requests than
// transactions, i.e. some requests together.
func (s *Store) Grouped() bool {
	return s.group != nil && s.group.writes.Load() > s.group.commits.Load()
}

// OpenConnections is how many connections the writer handle holds open.
func (s *Store) OpenConnections() int { return s.writer.Stats().OpenConnections }
