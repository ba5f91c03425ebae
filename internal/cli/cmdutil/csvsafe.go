package cmdutil

import "slices"

// SpreadsheetSafe returns rec with every cell that a spreadsheet would
// read as a formula (one starting with =, +, -, @, a tab or a carriage
// return) prefixed with ', as OWASP advises against CSV injection: names,
// token names and reasons come from other people, and an admin opens the
// file in a spreadsheet. rec is not changed.
//
// Files wsctl reads back (--failed) are not made safe: they hold the rows
// of the admin's own input, as they were.
func SpreadsheetSafe(rec []string) []string {
	var out []string
	for i, cell := range rec {
		if cell == "" || !isFormulaLead(cell[0]) {
			continue
		}
		if out == nil {
			out = slices.Clone(rec)
		}
		out[i] = "'" + cell
	}
	if out == nil {
		return rec
	}
	return out
}

func isFormulaLead(b byte) bool {
	switch b {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}
