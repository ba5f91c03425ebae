package bulk

// CSVFile is a --report or --failed file for a verb that does not run on
// Outputs, such as 'users sync', whose whole file is one request: the
// same writer, with the same header handling, as Outputs uses.
type CSVFile struct{ c *csvFile }

// CreateCSV creates path with header as its first row. An empty path
// gives a CSVFile that writes nothing, as an unset flag.
func CreateCSV(path string, header []string) (*CSVFile, error) {
	c, err := createCSV(path, header)
	if err != nil {
		return nil, err
	}
	return &CSVFile{c: c}, nil
}

// CreateReportCSV is CreateCSV for a report, a file people open in a
// spreadsheet: cells that would run as formulas are quoted.
func CreateReportCSV(path string, header []string) (*CSVFile, error) {
	c, err := createReportCSV(path, header)
	if err != nil {
		return nil, err
	}
	return &CSVFile{c: c}, nil
}

// Write adds a row.
func (f *CSVFile) Write(row []string) error { return f.c.write(row) }

// Close flushes the rows and closes the file.
func (f *CSVFile) Close() error { return f.c.close() }
