package models

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor"
)

func load(tb testing.TB, dir string, o LoadOptions) *Dataset {
	tb.Helper()
	ds, err := LoadDir(context.Background(), dir, o)
	if err != nil {
		tb.Fatalf("LoadDir(%s): %v", dir, err)
	}
	return ds
}

func TestLoadMovieLensCSV(t *testing.T) {
	ds := load(t, "testdata/ml-csv", LoadOptions{})
	if got, want := ds.Format, FormatMovieLensCSV; got != want {
		t.Errorf("format = %q, want %q", got, want)
	}
	if got, want := len(ds.Interactions), 7; got != want {
		t.Errorf("%d interactions, want %d", got, want)
	}
	if got, want := ds.Interactions[0], (Interaction{User: "1", Item: "1", Value: 4, Time: time.Unix(964982703, 0).UTC()}); got != want {
		t.Errorf("first interaction = %+v, want %+v", got, want)
	}
	for _, tt := range []struct {
		id, title string
		genres    []string
	}{
		{"1", "Toy Story (1995)", []string{"Adventure", "Animation", "Children", "Comedy", "Fantasy"}},
		{"6", "American President, The (1995)", []string{"Comedy", "Drama", "Romance"}},
		{"11", `"Great Performances" Cats (1998)`, []string{"Musical"}},
		{"13", "Nothing (2000)", nil},
	} {
		got := ds.Items[tt.id]
		if got.Title != tt.title || !slices.Equal(got.Genres, tt.genres) {
			t.Errorf("item %s = %+v, want %q %q", tt.id, got, tt.title, tt.genres)
		}
	}
	if got, want := ds.Skipped, 3; got != want {
		t.Errorf("skipped %d lines, want %d: %q", got, want, ds.Problems)
	}
	want := []string{"ratings.csv:6: bad rating", "ratings.csv:9: bad timestamp", "movies.csv:6: unterminated quote"}
	for n, w := range want {
		if n >= len(ds.Problems) || !strings.HasPrefix(ds.Problems[n], w) {
			t.Errorf("problem %d = %q, want prefix %q", n, ds.Problems, w)
		}
	}
}

func TestLoadMovieLens100K(t *testing.T) {
	ds := load(t, "testdata/ml-100k", LoadOptions{})
	if got, want := ds.Format, FormatMovieLens100K; got != want {
		t.Errorf("format = %q, want %q", got, want)
	}
	if got, want := len(ds.Interactions), 10; got != want {
		t.Errorf("%d interactions, want %d", got, want)
	}
	if got, want := ds.Skipped, 1; got != want {
		t.Errorf("skipped %d, want %d", got, want)
	}
	if got, want := ds.Items["302"].Genres, []string{"Crime", "Mystery", "Thriller"}; !slices.Equal(got, want) {
		t.Errorf("genres of 302 = %q, want %q", got, want)
	}
	if got, want := ds.Items["1533"].Title, "I Donât Want to Talk About It (De eso no se habla) (1993)"; got != want {
		t.Errorf("Latin-1 title = %q, want %q", got, want)
	}
}

func TestLoadStrictFailsOnFirstMalformedLine(t *testing.T) {
	_, err := LoadDir(context.Background(), "testdata/ml-csv", LoadOptions{Strict: true})
	if got, want := candor.ErrorCode(err), candor.EInvalid; got != want {
		t.Fatalf("code = %q, want %q (err %v)", got, want, err)
	}
	if got, want := candor.ErrorMessage(err), "ratings.csv:6:"; !strings.HasPrefix(got, want) {
		t.Errorf("message = %q, want prefix %q", got, want)
	}
}

func TestLoadUnknownLayoutNamesExpectedFiles(t *testing.T) {
	for _, dir := range []string{"testdata/unknown", "testdata/does-not-exist"} {
		_, err := LoadDir(context.Background(), dir, LoadOptions{})
		if got, want := candor.ErrorCode(err), candor.EInvalid; got != want {
			t.Fatalf("%s: code = %q, want %q", dir, got, want)
		}
		for _, name := range []string{"ratings.csv", "u.data"} {
			if !strings.Contains(candor.ErrorMessage(err), name) {
				t.Errorf("%s: message %q does not name %s", dir, candor.ErrorMessage(err), name)
			}
		}
	}
}

func TestLoadForcedFormatMissingFile(t *testing.T) {
	_, err := LoadDir(context.Background(), "testdata/ml-csv", LoadOptions{Format: FormatMovieLens100K})
	if got, want := candor.ErrorCode(err), candor.EInvalid; got != want {
		t.Fatalf("code = %q, want %q (err %v)", got, want, err)
	}
	if !strings.Contains(candor.ErrorMessage(err), "u.data") {
		t.Errorf("message %q does not name u.data", candor.ErrorMessage(err))
	}
}

func TestSplitCSV(t *testing.T) {
	tests := []struct {
		line string
		want []string
		bad  bool
	}{
		{line: "a,b,c", want: []string{"a", "b", "c"}},
		{line: `1,"x, y",z`, want: []string{"1", "x, y", "z"}},
		{line: `1,"say ""hi""",`, want: []string{"1", `say "hi"`, ""}},
		{line: `"a"`, want: []string{"a"}},
		{line: `1,"open`, bad: true},
		{line: `1,"a"b`, bad: true},
		{line: `1,a"b`, bad: true},
	}
	for _, tt := range tests {
		got, err := splitCSV(tt.line)
		if (err != nil) != tt.bad || !slices.Equal(got, tt.want) {
			t.Errorf("splitCSV(%q) = %q, %v; want %q, bad=%v", tt.line, got, err, tt.want, tt.bad)
		}
	}
}
