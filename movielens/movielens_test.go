package movielens

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

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
	if got, want := len(ds.Ratings), 7; got != want {
		t.Errorf("%d interactions, want %d", got, want)
	}
	if got, want := ds.Ratings[0], (Rating{User: "u1", Item: "m1", Value: 4, Time: time.Unix(964982703, 0).UTC()}); got != want {
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
		got := ds.Items["m"+tt.id]
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
	if got, want := len(ds.Ratings), 10; got != want {
		t.Errorf("%d interactions, want %d", got, want)
	}
	if got, want := ds.Skipped, 1; got != want {
		t.Errorf("skipped %d, want %d", got, want)
	}
	if got, want := ds.Items["m302"].Genres, []string{"Crime", "Mystery", "Thriller"}; !slices.Equal(got, want) {
		t.Errorf("genres of 302 = %q, want %q", got, want)
	}
	if got, want := ds.Items["m1533"].Title, "I Donât Want to Talk About It (De eso no se habla) (1993)"; got != want {
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

func TestCatalogItemsAndEvents(t *testing.T) {
	ds := load(t, "testdata/ml-csv", LoadOptions{})
	items := ds.CatalogItems()
	byID := map[string][]string{}
	for _, it := range items {
		if err := it.Validate(); err != nil {
			t.Errorf("item %s is not a valid catalog item: %v", it.ID, err)
		}
		byID[it.ID] = it.Category
	}
	for id, want := range map[string][]string{
		"m1":  {"adventure", "animation", "children", "comedy", "fantasy"},
		"m6":  {"comedy", "drama", "romance"},
		"m13": {Uncategorized},
	} {
		if got, ok := byID[id]; ok && !slices.Equal(got, want) {
			t.Errorf("categories of %s = %q, want %q", id, got, want)
		}
	}
	if cats := byID["m1"]; len(cats) == 0 || cats[0] == "movies" {
		t.Errorf("m1 categories %q: want its genres, not a shared top category", cats)
	}
	evs := ds.Events()
	if len(evs) != len(ds.Ratings) {
		t.Fatalf("%d events for %d ratings", len(evs), len(ds.Ratings))
	}
	if e := evs[0]; e.CustomerID != "u1" || e.ItemID != "m1" || e.Type != "rating" || e.Value != 4 {
		t.Errorf("first event = %+v", e)
	}
}

// A title or genre past its limit is cut on a character boundary, so the
// item stays valid UTF-8 text (the catalog refuses anything else).
func TestClipKeepsCharactersWhole(t *testing.T) {
	title := strings.Repeat("a", 299) + "é and more"
	ds := &Dataset{Ratings: []Rating{{User: "u1", Item: "m1", Value: 4}}, Items: map[string]ItemInfo{"m1": {Title: title}}}
	it := ds.CatalogItems()[0]
	if !utf8.ValidString(it.Title) || it.Title != strings.Repeat("a", 299) {
		t.Errorf("title clipped to %q (%d bytes, valid UTF-8 %v)", it.Title, len(it.Title), utf8.ValidString(it.Title))
	}
	if err := it.Validate(); err != nil {
		t.Errorf("clipped item: %v", err)
	}
	if got := Categories([]string{strings.Repeat("b", 63) + "ü"})[0]; got != strings.Repeat("b", 63) {
		t.Errorf("genre clipped to %q", got)
	}
}

func TestCategoriesCapAndClean(t *testing.T) {
	got := Categories([]string{"Sci/Fi", "Drama", "drama", "A", "B", "C", "D"})
	if want := []string{"sci-fi", "drama", "a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("Categories = %q, want %q", got, want)
	}
}

func TestDeclaredGenres(t *testing.T) {
	ds := &Dataset{Items: map[string]ItemInfo{"m1": {Genres: []string{"Drama"}}, "m2": {Genres: []string{"Comedy", "Drama"}}, "m3": {Genres: []string{"Horror"}}},
		Ratings: []Rating{{User: "u1", Item: "m1"}, {User: "u1", Item: "m2"}, {User: "u1", Item: "m3"}}}
	if got, want := ds.DeclaredGenres(2)["u1"], []string{"drama", "comedy"}; !slices.Equal(got, want) {
		t.Errorf("declared = %q, want %q", got, want)
	}
	if ds.DeclaredGenres(0) != nil {
		t.Error("DeclaredGenres(0) is not nil")
	}
}

func TestSplitPerCustomer(t *testing.T) {
	ds := &Dataset{}
	for u := range 20 {
		for i := range u + 1 {
			ds.Ratings = append(ds.Ratings, Rating{User: fmt.Sprintf("u%d", u), Item: fmt.Sprintf("m%d", i)})
		}
	}
	train, test, err := ds.Split(0.25, 42)
	if err != nil {
		t.Fatal(err)
	}
	count := func(d *Dataset) map[string]int {
		n := map[string]int{}
		for _, r := range d.Ratings {
			n[r.User]++
		}
		return n
	}
	tr, te := count(train), count(test)
	for u := range 20 {
		id := fmt.Sprintf("u%d", u)
		if want := int(math.RoundToEven(0.75 * float64(u+1))); tr[id] != want || tr[id]+te[id] != u+1 {
			t.Errorf("%s: %d train, %d test of %d; want %d train", id, tr[id], te[id], u+1, want)
		}
	}
	again, _, _ := ds.Split(0.25, 42)
	if !slices.Equal(again.Ratings, train.Ratings) {
		t.Error("the same seed split differently")
	}
	if _, _, err := ds.Split(1, 1); err == nil {
		t.Error("ratio 1 accepted")
	}
}
