// Package mail delivers the outbox: a worker that leases due messages, sends
// them over SMTP (wneessen/go-mail) and retries with backoff; at least once.
package mail
