package sqlstore

// Grouped is how many requests the store's group commit has committed
// together with others (0 for a store without one).
func (s *Store) Grouped() int64 {
	if s.group == nil {
		return 0
	}
	return s.group.grouped.Load()
}

// OpenConnections is how many connections the writer handle holds open.
func (s *Store) OpenConnections() int { return s.writer.Stats().OpenConnections }
