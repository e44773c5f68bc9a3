package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// dryRun is an importer that checks files against a two-item catalog and
// writes nothing: a dry run never calls the store.
func dryRun() *Importer {
	cat := catalog.NewSnapshot([]catalog.Item{
		{ID: "p1", Title: "Serum", Category: []string{"beauty"}, Price: 1, Available: true},
		{ID: "p2", Title: "Vitamins", Category: []string{"health"}, Price: 1, Available: true},
	}, catalog.DefaultSensitiveCategories)
	return New(Deps{
		Catalog:       func() *catalog.Snapshot { return cat },
		ReloadCatalog: func(context.Context) error { return nil },
		Consent:       consent.NewService(nil, consent.Config{PolicyVersion: 2}),
		Events:        features.NewService(nil, nil, nil, features.DefaultRetention()),
		Now:           func() time.Time { return now },
	})
}

func check(tb testing.TB, kind Kind, f Format, in string) (*Summary, error) {
	tb.Helper()
	return dryRun().Import(context.Background(), kind, strings.NewReader(in), f, Options{DryRun: true})
}

func TestDetectFormat(t *testing.T) {
	for _, tc := range []struct {
		flag, name, head string
		want             Format
	}{
		{"", "items.jsonl", "", JSONLines},
		{"auto", "x.NDJSON", "", JSONLines},
		{"", "x.json", "", JSONLines},
		{"", "consent.csv", "{", CSV},
		{"csv", "events.jsonl", "", CSV},
		{"jsonl", "-", "id,title", JSONLines},
		{"", "-", "\ufeff  {\"id\":1}", JSONLines},
		{"", "-", "id,title\n", CSV},
		{"", "events.txt", "", CSV},
	} {
		if got, err := DetectFormat(tc.flag, tc.name, []byte(tc.head)); err != nil || got != tc.want {
			t.Errorf("DetectFormat(%q, %q, %q) = %v, %v; want %v", tc.flag, tc.name, tc.head, got, err, tc.want)
		}
	}
	if _, err := DetectFormat("xml", "a.csv", nil); err == nil {
		t.Error("--format xml accepted")
	}
}

// TestRoundTripDecode: the same items written as JSON Lines and as CSV
// decode to the same catalog items.
func TestRoundTripDecode(t *testing.T) {
	jsonl := `{"id":"p1","title":"Rose serum","categories":["beauty","skincare"],"price":24.5,"currency":"EUR","available":true,"image_url":"https://x.test/p1.jpg","attributes":{"size":"30ml"}}
{"id":"p2","title":"Day cream, \"rich\"","categories":["beauty"],"price":0,"currency":"USD","available":false,"brand":"Acme","sensitive":true}
`
	csv := "\ufeffid,title,categories,price,currency,available,image_url,attributes,brand,sensitive\r\n" +
		"p1,Rose serum,beauty/skincare,24.5,EUR,true,https://x.test/p1.jpg,\"{\"\"size\"\":\"\"30ml\"\"}\",,\r\n" +
		"p2,\"Day cream, \"\"rich\"\"\",\"[\"\"beauty\"\"]\",0,USD,FALSE,,,Acme,1\r\n"
	a, sa, err := DecodeItems(strings.NewReader(jsonl), JSONLines)
	if err != nil || sa.NotImported() != 0 {
		t.Fatalf("JSON Lines: %v, %+v", err, sa.Problems)
	}
	b, sb, err := DecodeItems(strings.NewReader(csv), CSV)
	if err != nil || sb.NotImported() != 0 {
		t.Fatalf("CSV: %v, %+v", err, sb.Problems)
	}
	if fmt.Sprintf("%+v", a) != fmt.Sprintf("%+v", b) || len(a) != 2 {
		t.Errorf("JSON Lines and CSV differ:\n%+v\n%+v", a, b)
	}
	if a[1].Title != `Day cream, "rich"` || !a[1].Sensitive || a[0].Attributes["size"] != "30ml" {
		t.Errorf("decoded %+v", a)
	}
}

// TestBadInput: every kind of bad line gets its line number and a message
// naming the problem, in both formats, and the other lines still count.
func TestBadInput(t *testing.T) {
	item := `{"id":"p9","title":"T","categories":["x"],"price":1,"currency":"EUR","available":true}`
	ev := func(id, rest string) string {
		return `{"event_id":"` + id + `","customer":"c1","type":"view","item":"p1","time":"2026-05-01T10:00:00Z"` + rest + `}`
	}
	tests := []struct {
		name   string
		kind   Kind
		format Format
		in     string
		line   int
		want   string
	}{
		{"malformed JSON", Items, JSONLines, item + "\n{\"id\":\n", 2, "not valid JSON"},
		{"not an object", Items, JSONLines, item + "\n[1,2]\n", 2, "not a JSON object"},
		{"two values", Items, JSONLines, item + "\n" + item + item + "\n", 2, "more than one JSON value"},
		{"null", Items, JSONLines, "null\n" + item + "\n", 1, "the line is null"},
		{"unknown field", Items, JSONLines, strings.Replace(item, `"id"`, `"colour":"red","id"`, 1) + "\n", 1, `unknown field "colour"`},
		{"wrong type", Items, JSONLines, strings.Replace(item, `"price":1`, `"price":"1"`, 1) + "\n", 1, `field "price" must be a number`},
		{"wrong type in a list", Items, JSONLines, strings.Replace(item, `["x"]`, `[1]`, 1) + "\n", 1, `field "categories" must be an array of strings`},
		{"missing fields", Items, JSONLines, `{"id":"p9"}` + "\n", 1, `fields "title", "categories", "price", "currency", "available" are missing`},
		{"forbidden id character", Items, JSONLines, strings.Replace(item, `p9`, `p{9}`, 1) + "\n", 1, "has a character outside"},
		{"duplicate id", Items, JSONLines, item + "\n" + item + "\n", 2, `id "p9" repeats line 1`},
		{"binary", Items, JSONLines, item + "\n\x00\x01\xff\xfe\n", 2, "not UTF-8 text"},
		{"CSV unknown column", Items, CSV, "id,title,colour\np1,T,red\n", 1, `unknown column "colour"`},
		{"CSV missing column", Items, CSV, "id,title\np1,T\n", 1, `no "categories" column`},
		{"CSV wrong type", Items, CSV, "id,title,categories,price,currency,available\np1,T,x,cheap,EUR,true\n", 2, `field "price" must be a number, got "cheap"`},
		{"CSV bool", Items, CSV, "id,title,categories,price,currency,available\np1,T,x,1,EUR,yes\n", 2, `field "available" must be true or false`},
		{"CSV cells", Items, CSV, "id,title,categories,price,currency,available\np1,T,x,1\n", 2, "4 cells, but the header names 6 columns"},
		{"CSV quote", Items, CSV, "id,title,categories,price,currency,available\np1,T\"x,x,1,EUR,true\np2,T,x,1,EUR,true\n", 2, "not valid CSV"},
		{"CSV binary header", Items, CSV, "\x00\x9f\x92\x96garbage\n", 1, "not UTF-8 text"},
		{"consent future time", Consent, JSONLines, `{"customer":"c1","preset":"full","time":"2027-01-01T00:00:00Z","source":"cmp"}` + "\n", 1, "is in the future"},
		{"consent preset and scope", Consent, JSONLines, `{"customer":"c1","preset":"full","scope":"browsing","state":"granted","time":"2026-01-01T00:00:00Z","source":"cmp"}` + "\n", 1, "either preset or scope and state"},
		{"consent unknown scope", Consent, CSV, "customer,scope,state,time,source\nc1,browsing,granted,2026-01-01T00:00:00Z,cmp\nc1,shoe_size,granted,2026-01-01T00:00:00Z,cmp\n", 3, `unknown scope "shoe_size"`},
		{"consent time format", Consent, CSV, "customer,preset,time,source\nc1,full,01/02/2026,cmp\n", 2, "not an RFC 3339 time"},
		{"consent newer policy", Consent, JSONLines, `{"customer":"c1","preset":"full","time":"2026-01-01T00:00:00Z","source":"cmp","policy_version":3}` + "\n", 1, "newer than the live policy version 2"},
		{"consent source", Consent, JSONLines, `{"customer":"c1","preset":"full","time":"2026-01-01T00:00:00Z","source":"crm"}` + "\n", 1, `unknown consent source "crm"`},
		{"consent expiry", Consent, JSONLines, `{"customer":"c1","preset":"full","time":"2026-01-01T00:00:00Z","source":"cmp","expires":"2025-01-01T00:00:00Z"}` + "\n", 1, "is not after time"},
		{"event future time", Events, JSONLines, ev("e1", "") + "\n" + strings.Replace(ev("e2", ""), "2026-05", "2026-07", 1) + "\n", 2, "is in the future"},
		{"event in year 1", Events, JSONLines, strings.Replace(ev("e1", ""), "2026-05-01T10:00:00Z", "0001-01-01T00:00:00Z", 1) + "\n", 1, "time 0001-01-01T00:00:00Z is before 1970"},
		{"event without id", Events, JSONLines, `{"customer":"c1","type":"view","item":"p1","time":"2026-05-01T10:00:00Z"}` + "\n", 1, `field "event_id" is missing`},
		{"event duplicate id", Events, JSONLines, ev("e1", "") + "\n" + ev("e1", "") + "\n", 2, `event_id "e1" repeats line 1`},
		{"event unknown type", Events, CSV, "event_id,customer,type,item,time\ne1,c1,like,p1,2026-05-01T10:00:00Z\n", 2, `unknown event type "like"`},
		{"event unknown item", Events, JSONLines, strings.Replace(ev("e1", ""), "p1", "p404", 1) + "\n", 1, `item_id "p404" is not in the catalog`},
		{"event quantity", Events, JSONLines, ev("e1", `,"quantity":1.5`) + "\n", 1, "quantity must be a whole number"},
		{"event rating value", Events, JSONLines, strings.Replace(ev("e1", `,"value":9`), "view", "rating", 1) + "\n", 1, "a rating needs value between 0.5 and 5"},
		{"event customer id", Events, JSONLines, strings.Replace(ev("e1", ""), `"c1"`, `"c 1"`, 1) + "\n", 1, "has a character outside"},
		{"event no customer", Events, CSV, "event_id,type,item,time\ne1,view,p1,2026-05-01T10:00:00Z\n", 2, "needs customer (or anonymous_id)"},
		// A line that leaves a field out does not take it from a line before
		// it that failed to decode: not its ID, not its customer.
		{"empty categories", Items, JSONLines, strings.Replace(item, `"categories":["x"]`, `"categories":[]`, 1) + "\n", 1, `field "categories" is missing or empty`},
		{"CSV after a failed line", Items, CSV, "id,title,categories,price,currency,available\np3,T,x,1,EUR,maybe\n,Nameless,x,1,EUR,true\n", 3, `field "id" is missing`},
		{"JSON after a failed line", Items, JSONLines, strings.Replace(item, `"price":1`, `"price":"1"`, 1) + "\n" + strings.Replace(item, `"id":"p9",`, "", 1) + "\n", 2, `field "id" is missing`},
		{"event after a failed line", Events, CSV, "event_id,customer,type,item,time,quantity\ne1,c1,purchase,p1,2026-05-01T10:00:00Z,many\ne2,,purchase,p1,2026-05-01T10:00:00Z,1\n", 3, "needs customer (or anonymous_id)"},
		{"consent after a failed line", Consent, CSV, "customer,preset,time,source,policy_version\nc1,full,2026-01-01T00:00:00Z,cmp,two\n,full,2026-01-01T00:00:00Z,cmp,1\n", 3, "customer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sum, err := check(t, tt.kind, tt.format, tt.in)
			var p *Problem
			if errors.As(err, &p) {
				sum.Problems = append(sum.Problems, *p)
			} else if err != nil {
				t.Fatalf("import stopped: %v", err)
			}
			for _, got := range sum.Problems {
				if got.Line == tt.line && strings.Contains(got.Message, tt.want) {
					accounted(t, sum, err)
					return
				}
			}
			t.Errorf("problems %+v, want line %d: %q", sum.Problems, tt.line, tt.want)
		})
	}
}

// accounted checks that every line read is counted exactly once.
func accounted(tb testing.TB, s *Summary, err error) {
	tb.Helper()
	if err != nil {
		return
	}
	dropped := 0
	for _, n := range s.Dropped {
		dropped += n
	}
	if got := s.Stored + s.Unchanged + dropped + s.NotImported(); got != s.Lines {
		tb.Errorf("%d lines read, %d accounted for: %+v", s.Lines, got, s)
	}
}

// TestTruncatedFiles: a file cut short imports what is whole and reports
// the line it stops in.
func TestTruncatedFiles(t *testing.T) {
	jsonl := `{"event_id":"e1","customer":"c1","type":"view","item":"p1","time":"2026-05-01T10:00:00Z"}
{"event_id":"e2","customer":"c1","type":"view","item":"p1","time":"2026-05-01T10:00:00Z"}
`
	csv := "event_id,customer,type,item,time\ne1,c1,view,p1,2026-05-01T10:00:00Z\ne2,c1,view,p1,2026-05-01T10:00:00Z\n"
	for _, tc := range []struct {
		name   string
		format Format
		in     string
		whole  int
		line   int
	}{
		{"JSON Lines cut mid-line", JSONLines, jsonl[:len(jsonl)-20], 1, 2},
		{"JSON Lines cut before the line break", JSONLines, jsonl[:len(jsonl)-1], 2, 0},
		{"CSV cut mid-record", CSV, csv[:len(csv)-10], 1, 3},
		{"CSV without the last line break", CSV, csv[:len(csv)-1], 1, 3},
		{"CSV cut in a quoted cell", CSV, csv + "e3,c1,view,\"p1", 2, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sum, err := check(t, Events, tc.format, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Stored != tc.whole {
				t.Errorf("%d lines valid, want %d", sum.Stored, tc.whole)
			}
			if tc.line == 0 {
				if sum.NotImported() != 0 {
					t.Errorf("a whole last line without a line break: %+v", sum.Problems)
				}
				return
			}
			if sum.Truncated != 1 || len(sum.Problems) != 1 || sum.Problems[0].Line != tc.line || !strings.Contains(sum.Problems[0].Message, "cut short") {
				t.Errorf("truncated %d, problems %+v; want line %d cut short", sum.Truncated, sum.Problems, tc.line)
			}
			accounted(t, sum, err)
		})
	}
}

func TestEmptyFiles(t *testing.T) {
	for _, tc := range []struct {
		format Format
		in     string
		want   string
	}{
		{JSONLines, "", "the file is empty"},
		{CSV, "", "the file is empty"},
		{JSONLines, "\n  \n\r\n", "holds no records"},
		{CSV, "event_id,customer,type,item,time\n", "holds no records"},
	} {
		_, err := check(t, Events, tc.format, tc.in)
		var p *Problem
		if !errors.As(err, &p) || p.Line != 1 || !strings.Contains(p.Message, tc.want) {
			t.Errorf("%s %q: err = %v, want line 1: %q", tc.format, tc.in, err, tc.want)
		}
	}
}

// TestProblemsAreCapped: the first MaxProblems are listed by line, the
// rest counted.
func TestProblemsAreCapped(t *testing.T) {
	var b bytes.Buffer
	for i := range 100 {
		if i%2 == 0 {
			fmt.Fprintf(&b, "{\"id\":\"p%d\",\"title\":\"T\",\"categories\":[\"x\"],\"price\":1,\"currency\":\"EUR\",\"available\":true}\n", i)
		} else {
			b.WriteString("garbage\n")
		}
	}
	sum, err := check(t, Items, JSONLines, b.String())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Invalid != 50 || sum.Stored != 50 || len(sum.Problems) != MaxProblems || sum.Problems[0].Line != 2 || sum.Problems[MaxProblems-1].Line != 2*MaxProblems {
		t.Errorf("invalid %d, valid %d, problems %d from line %d to %d", sum.Invalid, sum.Stored, len(sum.Problems), sum.Problems[0].Line, sum.Problems[len(sum.Problems)-1].Line)
	}
}

func TestOverlongLine(t *testing.T) {
	long := `{"id":"` + strings.Repeat("x", MaxLineBytes) + "\"}\n"
	item := `{"id":"p1","title":"T","categories":["x"],"price":1,"currency":"EUR","available":true}` + "\n"
	sum, err := check(t, Items, JSONLines, item+long+item)
	if err != nil || sum.Invalid != 1 || sum.Problems[0].Line != 2 || !strings.Contains(sum.Problems[0].Message, "longer than") || sum.Duplicates != 1 {
		t.Errorf("%v, %+v", err, sum)
	}
	if _, err := check(t, Items, CSV, "id,title,categories,price,currency,available\n"+strings.Repeat("x", MaxLineBytes+1)+"\n"); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("overlong CSV line: %v", err)
	}
}

// FuzzImport: whatever the bytes, an import never panics, stops only on
// a file-level problem, counts every line exactly once and numbers every
// problem within the file.
func FuzzImport(f *testing.F) {
	f.Add(uint8(0), []byte(`{"id":"p1","title":"T","categories":["x"],"price":1,"currency":"EUR","available":true}`+"\n"))
	f.Add(uint8(1), []byte("id,title,categories,price,currency,available\np1,T,a/b,1,EUR,true\n"))
	f.Add(uint8(2), []byte(`{"customer":"c1","preset":"full","time":"2026-01-01T00:00:00Z","source":"cmp"}`+"\n"))
	f.Add(uint8(3), []byte("customer,scope,state,time,source,expires\nc1,email,granted,2026-01-01T00:00:00Z,cmp,2026-09-01T00:00:00Z\n"))
	f.Add(uint8(4), []byte(`{"event_id":"e1","customer":"c1","type":"rating","item":"p1","time":"2026-05-01T10:00:00Z","value":4}`+"\n"))
	f.Add(uint8(5), []byte("event_id,anonymous_id,type,item,time,quantity\ne1,a1,purchase,p2,2026-05-01T10:00:00Z,2\n"))
	f.Add(uint8(5), []byte("\x00\xff\"\n\"\n,,\n"))
	f.Fuzz(func(t *testing.T, which uint8, in []byte) {
		kind := []Kind{Items, Consent, Events}[int(which/2)%3]
		format := []Format{JSONLines, CSV}[which%2]
		sum, err := dryRun().Import(context.Background(), kind, bytes.NewReader(in), format, Options{DryRun: true})
		var p *Problem
		if err != nil && !errors.As(err, &p) && !strings.Contains(err.Error(), "longer than") {
			t.Fatalf("import stopped with %v", err)
		}
		accounted(t, sum, err)
		lines := bytes.Count(in, []byte("\n")) + 1
		for _, q := range sum.Problems {
			if q.Line < 1 || q.Line > lines {
				t.Fatalf("problem on line %d of %d: %s", q.Line, lines, q.Message)
			}
		}
	})
}
