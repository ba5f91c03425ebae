package bulk

import (
	"fmt"
	"io"
)

// Attention writes the rows of a run or a plan that need a look (refused,
// invalid, or with a notice) under one heading, the first maxListed of
// them, so that a large file never floods the terminal; Done says how many
// more there were and where every row is.
type Attention struct {
	W            io.Writer
	listed, more int
}

// Row lists one row's lines ("line 3 ann@example.com: refused: …").
func (a *Attention) Row(lines ...string) {
	if a.listed == maxListed {
		a.more++
		return
	}
	if a.listed == 0 {
		fmt.Fprintln(a.W, "Rows that need attention:")
	}
	a.listed++
	for _, l := range lines {
		fmt.Fprintf(a.W, "  %s\n", l)
	}
}

// Done says how many rows were not listed, and where they all are
// ("see the plan on stdout").
func (a *Attention) Done(everyRow string) {
	if a.more > 0 {
		fmt.Fprintf(a.W, "  and %d more (%s)\n", a.more, everyRow)
	}
}

// maxListed bounds the rows Attention lists.
const maxListed = 1000
