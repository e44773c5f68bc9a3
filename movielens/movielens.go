// Package movielens reads MovieLens datasets (ml-latest-small and the
// other CSV releases, ml-100k) and turns them into what Candor stores: a
// catalog of movies with their genres as categories, and rating events of
// customers. `candor import`, `candor train --data` and `candor eval` all
// read datasets here, so they agree on IDs: user 1 is customer u1 and
// movie 1 is item m1.
package movielens

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/candorhq/candor"
)

// Format names a dataset layout on disk.
type Format string

// Dataset formats.
const (
	FormatAuto          Format = "auto"           // detect from the file names
	FormatMovieLensCSV  Format = "movielens-csv"  // ratings.csv (+ movies.csv): ml-latest-small, ml-25m
	FormatMovieLens100K Format = "movielens-100k" // u.data (+ u.item): ml-100k
)

// maxProblems bounds how many malformed lines a Dataset describes.
const maxProblems = 20

// ItemInfo describes an item of a dataset.
type ItemInfo struct {
	Title  string
	Genres []string
}

// Prefixes of Candor's IDs for MovieLens users and movies.
const (
	CustomerPrefix = "u"
	ItemPrefix     = "m"
)

// Rating is one line of the ratings file, with Candor's IDs.
type Rating struct {
	User  string // CustomerPrefix + the user id
	Item  string // ItemPrefix + the movie id
	Value float64
	Time  time.Time
}

// Dataset is a dataset loaded from disk.
type Dataset struct {
	Format   Format
	Ratings  []Rating
	Items    map[string]ItemInfo // by Candor item ID, from the item file if there is one
	Skipped  int                 // malformed lines skipped
	Problems []string            // the first malformed lines, as "file:line: reason"
}

// LoadOptions configure LoadDir.
type LoadOptions struct {
	Format Format // default auto
	Strict bool   // the first malformed line is an error instead of being skipped
}

// LoadDir loads a MovieLens directory. With FormatAuto it looks for
// ratings.csv, then u.data; a directory with neither is refused with an
// EInvalid error naming the expected files. Malformed lines are skipped,
// counted and described (file:line), unless o.Strict makes the first fatal.
func LoadDir(ctx context.Context, dir string, o LoadOptions) (*Dataset, error) {
	format, err := detect(dir, o.Format)
	if err != nil {
		return nil, err
	}
	ds := &Dataset{Format: format, Items: map[string]ItemInfo{}}
	l := &loader{ctx: ctx, ds: ds, strict: o.Strict}
	switch format {
	case FormatMovieLensCSV:
		err = l.files(dir, "ratings.csv", l.csvRating, "movies.csv", l.csvMovie)
	case FormatMovieLens100K:
		err = l.files(dir, "u.data", l.tabRating, "u.item", l.pipeMovie)
	}
	if err != nil {
		return nil, err
	}
	return ds, nil
}

// detect resolves the format of dir.
func detect(dir string, f Format) (Format, error) {
	has := func(name string) bool {
		st, err := os.Stat(filepath.Join(dir, name))
		return err == nil && st.Mode().IsRegular()
	}
	switch f {
	case FormatMovieLensCSV, FormatMovieLens100K:
		return f, nil
	case FormatAuto, "":
		switch {
		case has("ratings.csv"):
			return FormatMovieLensCSV, nil
		case has("u.data"):
			return FormatMovieLens100K, nil
		}
		return "", candor.Errorf(candor.EInvalid,
			"unknown dataset layout in %s: expected ratings.csv (and movies.csv) for MovieLens CSV such as ml-latest-small, or u.data (and u.item) for MovieLens 100k", dir)
	}
	return "", candor.Errorf(candor.EInvalid, "unknown format %q: use auto, movielens-csv or movielens-100k", f)
}

// loader reads dataset files line by line.
type loader struct {
	ctx    context.Context
	ds     *Dataset
	strict bool
}

// files reads the required ratings file, then the optional items file.
func (l *loader) files(dir, ratings string, rate func([]byte) error, items string, item func([]byte) error) error {
	if err := l.file(filepath.Join(dir, ratings), rate); err != nil {
		return err
	}
	err := l.file(filepath.Join(dir, items), item)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// file calls parse for every non-empty line of a file (CRLF tolerated).
func (l *loader) file(path string, parse func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		code := candor.EInternal
		if errors.Is(err, os.ErrNotExist) {
			code = candor.EInvalid
		}
		return &candor.Error{Code: code, Message: "cannot open " + path, Op: "movielens.LoadDir", Err: err}
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if n%65536 == 0 && l.ctx.Err() != nil {
			return candor.Wrap("movielens.LoadDir", l.ctx.Err())
		}
		line := sc.Bytes()
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if len(line) == 0 {
			continue
		}
		if err := parse(line); err != nil && !(n == 1 && errors.Is(err, errHeader)) {
			if err := l.problem(path, n, err); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return l.problem(path, 0, err)
	}
	return nil
}

// problem records a malformed line, or fails in strict mode.
func (l *loader) problem(path string, line int, err error) error {
	where := fmt.Sprintf("%s:%d", filepath.Base(path), line)
	if l.strict || line == 0 {
		return candor.Errorf(candor.EInvalid, "%s: %v", where, err)
	}
	l.ds.Skipped++
	if len(l.ds.Problems) < maxProblems {
		l.ds.Problems = append(l.ds.Problems, fmt.Sprintf("%s: %v", where, err))
	}
	return nil
}

// errHeader marks a line that looks like a header; it is only allowed first.
var errHeader = errors.New("unexpected header line")

// csvRating parses "userId,movieId,rating,timestamp".
func (l *loader) csvRating(line []byte) error {
	f := strings.Split(string(line), ",")
	return l.rating(f)
}

// tabRating parses "user\titem\trating\ttimestamp".
func (l *loader) tabRating(line []byte) error {
	f := strings.Split(string(line), "\t")
	if len(f) != 4 {
		f = strings.Fields(string(line))
	}
	return l.rating(f)
}

// rating adds one rating from its four fields.
func (l *loader) rating(f []string) error {
	if len(f) != 4 {
		return fmt.Errorf("want 4 fields (user, item, rating, timestamp), got %d", len(f))
	}
	if f[0] == "userId" || f[0] == "user_id" {
		return errHeader
	}
	v, err := strconv.ParseFloat(f[2], 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("bad rating %q", f[2])
	}
	ts, err := strconv.ParseInt(f[3], 10, 64)
	if err != nil {
		return fmt.Errorf("bad timestamp %q", f[3])
	}
	if f[0] == "" || f[1] == "" {
		return fmt.Errorf("empty user or item id")
	}
	l.ds.Ratings = append(l.ds.Ratings, Rating{User: CustomerPrefix + f[0], Item: ItemPrefix + f[1], Value: v, Time: time.Unix(ts, 0).UTC()})
	return nil
}

// csvMovie parses `movieId,title,genres` with RFC 4180 quoting of the title.
func (l *loader) csvMovie(line []byte) error {
	f, err := splitCSV(string(line))
	if err != nil {
		return err
	}
	if len(f) != 3 {
		return fmt.Errorf("want 3 fields (movieId, title, genres), got %d", len(f))
	}
	if f[0] == "movieId" {
		return errHeader
	}
	var genres []string
	if f[2] != "(no genres listed)" && f[2] != "" {
		genres = strings.Split(f[2], "|")
	}
	return l.item(f[0], f[1], genres)
}

// genres100K are the genre flags of u.item, in column order.
var genres100K = []string{"unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
	"Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
	"Thriller", "War", "Western"}

// pipeMovie parses a u.item line: id|title|release|video release|url|19 genre flags.
// The file is Latin-1.
func (l *loader) pipeMovie(line []byte) error {
	f := strings.Split(latin1(line), "|")
	if len(f) != 5+len(genres100K) {
		return fmt.Errorf("want %d fields, got %d", 5+len(genres100K), len(f))
	}
	var genres []string
	for g, flag := range f[5:] {
		switch flag {
		case "1":
			if genres100K[g] != "unknown" {
				genres = append(genres, genres100K[g])
			}
		case "0":
		default:
			return fmt.Errorf("bad genre flag %q", flag)
		}
	}
	return l.item(f[0], f[1], genres)
}

// item records one item's description.
func (l *loader) item(id, title string, genres []string) error {
	if id == "" {
		return fmt.Errorf("empty item id")
	}
	l.ds.Items[ItemPrefix+id] = ItemInfo{Title: title, Genres: genres}
	return nil
}

// latin1 converts ISO 8859-1 bytes to a UTF-8 string.
func latin1(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}

// splitCSV splits one CSV line (RFC 4180 quoting within the line).
func splitCSV(line string) ([]string, error) {
	var fields []string
	for {
		if !strings.HasPrefix(line, `"`) {
			field, rest, more := strings.Cut(line, ",")
			if strings.Contains(field, `"`) {
				return nil, fmt.Errorf("bare quote in field %q", field)
			}
			fields = append(fields, field)
			if !more {
				return fields, nil
			}
			line = rest
			continue
		}
		field, rest, err := quoted(line[1:])
		if err != nil {
			return nil, err
		}
		fields = append(fields, field)
		if rest == "" {
			return fields, nil
		}
		if rest[0] != ',' {
			return nil, fmt.Errorf("text after closing quote")
		}
		line = rest[1:]
	}
}

// quoted reads a quoted field after its opening quote and returns it and the
// text after the closing quote.
func quoted(s string) (string, string, error) {
	var sb strings.Builder
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			return "", "", errors.New("unterminated quote")
		}
		sb.WriteString(s[:i])
		if i+1 < len(s) && s[i+1] == '"' {
			sb.WriteByte('"')
			s = s[i+2:]
			continue
		}
		return sb.String(), s[i+1:], nil
	}
}
