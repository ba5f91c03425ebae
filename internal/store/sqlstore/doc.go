// Package sqlstore implements workspace.Store over database/sql, for every SQL
// dialect the project supports; internal/store/sqlite and .../postgres open
// the database, migrate it and supply the Dialect.
package sqlstore
