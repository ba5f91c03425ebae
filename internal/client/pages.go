package client

import (
	"iter"

	"github.com/wsctl/wsctl/internal/api/schema"
)

// pages turns a page fetcher into an iterator over pages, so a caller can
// print each page as it arrives. It stops after the page whose next_cursor is
// empty, at the first error (yielded once), or when the caller stops.
func pages[T any](fetch func(cursor string) (schema.Page[T], error), cursor string) iter.Seq2[[]T, error] {
	return func(yield func([]T, error) bool) {
		seen := map[string]bool{}
		for {
			page, err := fetch(cursor)
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(page.Items, nil) || page.NextCursor == "" {
				return
			}
			// A server handing back a cursor twice would loop forever.
			if seen[page.NextCursor] {
				return
			}
			seen[page.NextCursor] = true
			cursor = page.NextCursor
		}
	}
}
