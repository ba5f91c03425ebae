package sqlstore

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Collectors are the store's Prometheus series: on PostgreSQL the
// connection pool's (go_sql_*{db_name="workspaced"}: connections in use,
// idle, and the time requests waited for one); on SQLite the group
// commit's, whose ratio says how many writes one commit carries.
func (s *Store) Collectors() []prometheus.Collector {
	if s.group == nil {
		return []prometheus.Collector{collectors.NewDBStatsCollector(s.writer, "workspaced")}
	}
	g := s.group
	return []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "workspaced_sqlite_commits_total",
			Help: "Write transactions committed (or rolled back) on SQLite, each carrying one or more requests' changes.",
		}, func() float64 { return float64(g.commits.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "workspaced_sqlite_writes_total",
			Help: "Requests' changes run in those transactions; writes_total / commits_total is the average group.",
		}, func() float64 { return float64(g.writes.Load()) }),
	}
}
