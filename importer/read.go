package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxLineBytes is the longest line a file may have (1 MiB). A longer
// JSON Lines line is reported and skipped; a CSV file with one stops the
// import (its records can no longer be told apart).
const MaxLineBytes = 1 << 20

// record is one line of a file: a JSON Lines line, or a CSV record (which
// may span lines when a quoted cell holds a line break; line is where it
// starts).
type record struct {
	line  int
	json  []byte   // JSON Lines
	cells []string // CSV, in header order
}

// source reads the records of one file. next returns io.EOF at the end;
// a *Problem is a record that could not be read (the next call goes on
// with the following one); any other error stops the import.
type source interface {
	next() (record, error)
}

// newSource reads r in format f; the CSV header must name only fields of
// s and every field s requires.
func newSource(r io.Reader, f Format, s *schema) (source, error) {
	br := bufio.NewReaderSize(r, MaxLineBytes)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3) // a UTF-8 byte order mark, as spreadsheets write
	}
	if _, err := br.Peek(1); err == io.EOF {
		return nil, &Problem{Line: 1, Message: "the file is empty"}
	}
	if f == CSV {
		return newCSVSource(br, s)
	}
	return &jsonSource{r: br}, nil
}

// jsonSource reads JSON Lines: one JSON object per line; blank lines are
// skipped.
type jsonSource struct {
	r    *bufio.Reader // of MaxLineBytes
	line int
}

func (j *jsonSource) next() (record, error) {
	for {
		b, err := j.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			j.line++
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = j.r.ReadSlice('\n')
			}
			if err != nil && err != io.EOF {
				return record{}, err
			}
			return record{}, &Problem{Line: j.line, Message: fmt.Sprintf("longer than %d bytes: is this a JSON Lines file?", MaxLineBytes)}
		}
		if err != nil && err != io.EOF {
			return record{}, err
		}
		if len(b) == 0 && err == io.EOF {
			return record{}, io.EOF
		}
		j.line++
		complete := err == nil // ends with a line break
		b = bytes.TrimRight(b, "\r\n")
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		if p := textProblem(j.line, b); p != nil {
			return record{}, p
		}
		if !complete && !json.Valid(b) {
			// a JSON object cut short is never valid JSON: a last line
			// without a line break is whole exactly when it parses
			return record{}, &Problem{Line: j.line, Message: "the file ends in the middle of this line (cut short?); it was not imported", Truncated: true}
		}
		return record{line: j.line, json: slices.Clone(b)}, nil
	}
}

// textProblem reports a line that is not text: invalid UTF-8 or NUL bytes.
func textProblem(line int, b []byte) *Problem {
	if !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		return &Problem{Line: line, Message: "not UTF-8 text (binary data?)"}
	}
	return nil
}

// csvSource reads CSV with a header row naming the fields. It reads one
// record ahead, to know whether a record is the file's last: a last record
// without a line break after it may have been cut short.
type csvSource struct {
	r      *csv.Reader
	in     *lineLimit
	header []string
	ahead  *csvRead
}

type csvRead struct {
	cells []string
	line  int
	err   error
}

func newCSVSource(br *bufio.Reader, s *schema) (*csvSource, error) {
	in := &lineLimit{r: br}
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1 // checked here, to word the message
	header, err := r.Read()
	if err != nil {
		if errors.Is(err, errLineTooLong) {
			return nil, &Problem{Line: 1, Message: fmt.Sprintf("the header is longer than %d bytes: is this a CSV file?", MaxLineBytes)}
		}
		return nil, &Problem{Line: 1, Message: "the header row is not valid CSV: " + csvMessage(err)}
	}
	for i, h := range header {
		if p := textProblem(1, []byte(h)); p != nil {
			return nil, &Problem{Line: 1, Message: "the header row is " + p.Message}
		}
		header[i] = strings.TrimSpace(h)
	}
	if err := s.checkHeader(header); err != nil {
		return nil, &Problem{Line: 1, Message: err.Error()}
	}
	c := &csvSource{r: r, in: in, header: header}
	c.ahead = c.read()
	return c, nil
}

func (c *csvSource) read() *csvRead {
	cells, err := c.r.Read()
	rd := &csvRead{cells: cells, err: err}
	var pe *csv.ParseError
	switch {
	case errors.As(err, &pe):
		rd.line = pe.StartLine
	case err == nil && len(cells) > 0:
		rd.line, _ = c.r.FieldPos(0)
	}
	return rd
}

func (c *csvSource) next() (record, error) {
	cur := c.ahead
	if cur.err == io.EOF {
		return record{}, io.EOF
	}
	if errors.Is(cur.err, errLineTooLong) {
		return record{}, fmt.Errorf("a line after line %d is longer than %d bytes: is this a CSV file?", cur.line, MaxLineBytes)
	}
	c.ahead = c.read()
	last := c.ahead.err == io.EOF && !c.in.lastNL
	var pe *csv.ParseError
	switch {
	case errors.As(cur.err, &pe) && last:
		return record{}, &Problem{Line: cur.line, Message: "the file ends in the middle of this record (cut short?); it was not imported", Truncated: true}
	case errors.As(cur.err, &pe):
		return record{}, &Problem{Line: cur.line, Message: "not valid CSV: " + csvMessage(cur.err)}
	case cur.err != nil:
		return record{}, cur.err
	case last:
		return record{}, &Problem{Line: cur.line, Message: "the file ends without a line break after this record, so it may be cut short; it was not imported (end the file with a line break to import it)", Truncated: true}
	}
	for _, v := range cur.cells {
		if p := textProblem(cur.line, []byte(v)); p != nil {
			return record{}, p
		}
	}
	if len(cur.cells) != len(c.header) {
		return record{}, &Problem{Line: cur.line, Message: fmt.Sprintf("%d cells, but the header names %d columns", len(cur.cells), len(c.header))}
	}
	return record{line: cur.line, cells: cur.cells}, nil
}

// csvMessage is a CSV parse error without the position (the line says it).
func csvMessage(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// errLineTooLong: a line longer than MaxLineBytes.
var errLineTooLong = errors.New("line too long")

// lineLimit passes bytes through, refusing lines longer than MaxLineBytes
// and remembering whether the last byte read was a line break.
type lineLimit struct {
	r      io.Reader
	run    int // bytes since the last line break
	lastNL bool
}

func (l *lineLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for _, b := range p[:n] {
		l.run++
		if b == '\n' {
			l.run = 0
		}
		if l.run > MaxLineBytes {
			return 0, errLineTooLong
		}
	}
	if n > 0 {
		l.lastNL = p[n-1] == '\n'
	}
	return n, err
}
