package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/redisstore"
)

// shopFiles are the three files of a small shop in one format, with times
// relative to now so that no event is past its retention.
type shopFiles struct{ items, consent, events string }

func writeShop(t testing.TB, dir, format string, now time.Time) shopFiles {
	t.Helper()
	ts := func(d time.Duration) string { return now.Add(-d).UTC().Format(time.RFC3339) }
	var items, cons, evs string
	if format == "jsonl" {
		items = `{"id":"p1","title":"Rose serum","categories":["beauty","skincare"],"price":24.5,"currency":"EUR","available":true,"attributes":{"size":"30ml"}}
{"id":"p2","title":"Day cream","categories":["beauty","skincare"],"price":19,"currency":"EUR","available":true}
{"id":"p3","title":"Lip balm","categories":["beauty"],"price":4,"currency":"EUR","available":false,"image_url":"https://shop.test/p3.jpg"}
`
		cons = fmt.Sprintf(`{"customer":"c1","preset":"full","time":"%s","source":"cmp","policy_version":1}
{"customer":"c2","preset":"basic","time":"%s","source":"cmp"}
{"customer":"c1","scope":"email","state":"granted","time":"%s","source":"preference_centre","expires":"%s"}
{"customer":"c1","scope":"location","state":"denied","time":"%s","source":"cmp"}
`, ts(72*time.Hour), ts(71*time.Hour), ts(48*time.Hour), now.Add(365*24*time.Hour).UTC().Format(time.RFC3339), ts(24*time.Hour))
		evs = fmt.Sprintf(`{"event_id":"e1","customer":"c1","type":"view","item":"p1","time":"%s"}
{"event_id":"e2","customer":"c1","type":"purchase","item":"p2","time":"%s","quantity":2,"value":38}
{"event_id":"e3","customer":"c1","type":"rating","item":"p2","time":"%s","value":4.5}
{"event_id":"e4","customer":"c2","type":"view","item":"p1","time":"%s"}
{"event_id":"e5","customer":"c3","type":"add_to_cart","item":"p3","time":"%s"}
{"event_id":"e6","anonymous_id":"a1","type":"view","item":"p1","time":"%s"}
{"event_id":"e7","customer":"c1","type":"view","item":"p1","time":"%s"}
`, ts(5*time.Hour), ts(4*time.Hour), ts(3*time.Hour), ts(3*time.Hour), ts(2*time.Hour), ts(time.Hour), ts(time.Hour))
	} else {
		items = "id,title,categories,price,currency,available,image_url,attributes\n" +
			"p1,Rose serum,beauty/skincare,24.5,EUR,true,,\"{\"\"size\"\":\"\"30ml\"\"}\"\n" +
			"p2,Day cream,\"[\"\"beauty\"\",\"\"skincare\"\"]\",19,EUR,true,,\n" +
			"p3,Lip balm,beauty,4,EUR,false,https://shop.test/p3.jpg,\n"
		cons = "customer,preset,scope,state,time,source,policy_version,expires\n" +
			fmt.Sprintf("c1,full,,,%s,cmp,1,\n", ts(72*time.Hour)) +
			fmt.Sprintf("c2,basic,,,%s,cmp,,\n", ts(71*time.Hour)) +
			fmt.Sprintf("c1,,email,granted,%s,preference_centre,,%s\n", ts(48*time.Hour), now.Add(365*24*time.Hour).UTC().Format(time.RFC3339)) +
			fmt.Sprintf("c1,,location,denied,%s,cmp,,\n", ts(24*time.Hour))
		evs = "event_id,customer,anonymous_id,type,item,time,value,quantity,channel\n" +
			fmt.Sprintf("e1,c1,,view,p1,%s,,,\n", ts(5*time.Hour)) +
			fmt.Sprintf("e2,c1,,purchase,p2,%s,38,2,\n", ts(4*time.Hour)) +
			fmt.Sprintf("e3,c1,,rating,p2,%s,4.5,,\n", ts(3*time.Hour)) +
			fmt.Sprintf("e4,c2,,view,p1,%s,,,\n", ts(3*time.Hour)) +
			fmt.Sprintf("e5,c3,,add_to_cart,p3,%s,,,\n", ts(2*time.Hour)) +
			fmt.Sprintf("e6,,a1,view,p1,%s,,,\n", ts(time.Hour)) +
			fmt.Sprintf("e7,c1,,view,p1,%s,,,\n", ts(time.Hour))
	}
	f := shopFiles{filepath.Join(dir, "items."+format), filepath.Join(dir, "consent."+format), filepath.Join(dir, "events."+format)}
	for path, body := range map[string]string{f.items: items, f.consent: cons, f.events: evs} {
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// importCmd runs `candor import KIND FILE` on db and returns its summary.
func importCmd(t testing.TB, db *redistest.DB, kind, file string, extra ...string) (string, error) {
	t.Helper()
	out := &syncBuffer{}
	args := append([]string{"candor", "--redis-url", redisURL(db), "--redis-timeout", "5s", "--namespace", db.Namespace, "import", kind}, extra...)
	err := run(context.Background(), append(args, file), out, io.Discard)
	return out.String(), err
}

// shopWithConsent writes the shop's files (JSON Lines) to a directory of
// its own and imports its items and consent into a Redis of the test's.
func shopWithConsent(t *testing.T) (*redistest.DB, string, shopFiles) {
	t.Helper()
	db, dir := redistest.New(t), t.TempDir()
	f := writeShop(t, dir, "jsonl", time.Now())
	mustImport(t, db, "items", f.items)
	mustImport(t, db, "consent", f.consent)
	return db, dir, f
}

func mustImport(t testing.TB, db *redistest.DB, kind, file string) string {
	t.Helper()
	out, err := importCmd(t, db, kind, file)
	if err != nil {
		t.Fatalf("import %s: %v\n%s", kind, err, out)
	}
	return out
}

// shopState is what the store holds after importing a shop: items,
// consent records and log, interactions.
type shopState struct {
	Items        map[string]string
	Log          map[string][]consent.Entry
	Interactions map[string]map[consent.Scope][]features.Interaction
}

func readShop(t testing.TB, db *redistest.DB) shopState {
	t.Helper()
	ctx := context.Background()
	st := redisstore.New(db.Client, db.Namespace)
	s := shopState{Items: map[string]string{}, Log: map[string][]consent.Entry{}, Interactions: map[string]map[consent.Scope][]features.Interaction{}}
	for _, id := range []string{"p1", "p2", "p3"} {
		it, err := st.GetItem(ctx, id)
		if err != nil {
			t.Fatalf("item %s: %v", id, err)
		}
		s.Items[id] = fmt.Sprintf("%+v", it)
	}
	req := consent.NewService(st, consent.Config{PolicyVersion: 1}).Request(false)
	for _, c := range []string{"c1", "c2", "c3"} {
		log, err := st.Log(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		s.Log[c] = log
		state, err := st.ReadState(ctx, c, req, features.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s.Interactions[c] = state.Interactions
	}
	return s
}

// TestImportRoundTrip: the same shop imported from JSON Lines and from CSV
// stores the same items, consent ledger and interactions, each as the
// file says: original consent times and sources in a verifiable chain,
// events through the gate.
func TestImportRoundTrip(t *testing.T) {
	now := time.Now()
	var states []shopState
	for _, format := range []string{"jsonl", "csv"} {
		t.Run(format, func(t *testing.T) {
			db := redistest.New(t)
			f := writeShop(t, t.TempDir(), format, now)
			mustImport(t, db, "items", f.items)
			mustImport(t, db, "consent", f.consent)
			mustImport(t, db, "events", f.events)
			s := readShop(t, db)
			if !strings.Contains(s.Items["p1"], "Category:[beauty skincare]") || !strings.Contains(s.Items["p1"], "Attributes:map[size:30ml]") ||
				!strings.Contains(s.Items["p3"], "Available:false") || !strings.Contains(s.Items["p3"], "ImageURL:https://shop.test/p3.jpg") {
				t.Errorf("items = %v", s.Items)
			}
			c1 := s.Log["c1"]
			if ok, bad := consent.VerifyChain(c1); !ok || len(c1) != 9 {
				t.Fatalf("c1's log: %d entries, chain ok %v (first bad %d)", len(c1), ok, bad)
			}
			email := c1[7].Record
			if email.Scope != consent.Email || email.Source != consent.SourcePreferenceCentre || !email.Time.Equal(now.Add(-48*time.Hour).UTC().Truncate(time.Second)) ||
				!email.Expiry.Equal(now.Add(365*24*time.Hour).UTC().Truncate(time.Second)) {
				t.Errorf("email entry = %+v, want the file's time, source and expiry", email)
			}
			if loc := c1[8].Record; loc.Scope != consent.Location || loc.State != consent.Denied {
				t.Errorf("last entry = %+v, want the location denial", loc)
			}
			in := s.Interactions["c1"]
			if b := in[consent.Browsing]; len(b) != 1 || b[0].Item != "p1" || b[0].Count != 2 {
				t.Errorf("c1 browsing = %+v, want p1 twice", b)
			}
			if p := in[consent.Purchases]; len(p) != 1 || p[0].Item != "p2" || p[0].Count != 2 || p[0].Rating != 4.5 {
				t.Errorf("c1 purchases = %+v, want p2 bought and rated 4.5", p)
			}
			states = append(states, s)
		})
	}
	if len(states) == 2 && !reflect.DeepEqual(states[0], states[1]) {
		t.Errorf("JSON Lines and CSV stored different data:\n%+v\n%+v", states[0], states[1])
	}
}

// TestImportConsentGate: imported events pass the API's collection gate:
// a set the customer denies is dropped and counted, a customer without a
// consent record gets nothing stored, an anonymous visitor neither.
func TestImportConsentGate(t *testing.T) {
	db, _, f := shopWithConsent(t)
	out := mustImport(t, db, "events", f.events)
	for _, want := range []string{`stored +4\n`, `dropped by consent +2: 1 denied and 1 no_record\n`, `dropped +1: 1 anonymous\n`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	for _, k := range db.Keys(t) {
		if strings.Contains(k, "{c:c3}") || strings.Contains(k, "{c:a1}") {
			t.Errorf("key %s stored for a customer without consent", k)
		}
	}
	s := readShop(t, db)
	if n := len(s.Interactions["c2"][consent.Browsing]); n != 0 {
		t.Errorf("c2 (basic: browsing denied) has %d browsing items", n)
	}
}

// TestImportDropsEventsPastRetention: an event older than its set's
// retention is dropped and counted, as POST /v1/events drops it: a view 100
// days old (browsing is kept 90), while a purchase as old is kept (730).
func TestImportDropsEventsPastRetention(t *testing.T) {
	db, dir, _ := shopWithConsent(t)
	old := time.Now().Add(-100 * 24 * time.Hour).UTC().Format(time.RFC3339)
	path := filepath.Join(dir, "old.jsonl")
	body := fmt.Sprintf(`{"event_id":"o1","customer":"c1","type":"view","item":"p1","time":"%s"}
{"event_id":"o2","customer":"c1","type":"purchase","item":"p2","time":"%s"}
`, old, old)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	out := mustImport(t, db, "events", path)
	for _, want := range []string{`stored +1\n`, `dropped +1: 1 older_than_retention\n`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	s := readShop(t, db)
	if views, bought := s.Interactions["c1"][consent.Browsing], s.Interactions["c1"][consent.Purchases]; len(views) != 0 || len(bought) != 1 {
		t.Errorf("c1 holds views %+v and purchases %+v; want no view and the purchase", views, bought)
	}
}

// TestImportIsIdempotent: importing the same files again writes nothing:
// every line is reported unchanged, the consent ledger gains no entry and
// the stored data is the same.
func TestImportIsIdempotent(t *testing.T) {
	db := redistest.New(t)
	f := writeShop(t, t.TempDir(), "csv", time.Now())
	for _, k := range []string{"items", "consent", "events"} {
		mustImport(t, db, k, []string{f.items, f.consent, f.events}[slices.Index([]string{"items", "consent", "events"}, k)])
	}
	before := readShop(t, db)
	for _, tc := range []struct{ kind, file, want string }{
		{"items", f.items, `new or changed +0\n  unchanged +3\n`},
		{"consent", f.consent, `recorded +0\n  already recorded +4 `},
		{"events", f.events, `stored +0\n  already stored +4 `},
	} {
		if out := mustImport(t, db, tc.kind, tc.file); !regexp.MustCompile(tc.want).MatchString(out) {
			t.Errorf("second import of %s:\n%s\nwant %q", tc.kind, out, tc.want)
		}
	}
	if after := readShop(t, db); !reflect.DeepEqual(before, after) {
		t.Errorf("a second import changed the store:\n%+v\n%+v", before, after)
	}
	out := &syncBuffer{}
	if err := run(context.Background(), []string{"candor", "--redis-url", redisURL(db), "--namespace", db.Namespace, "consent", "verify", "--customer", "c1"}, out, io.Discard); err != nil {
		t.Errorf("consent verify: %v\n%s", err, out)
	}
}

// TestImportTruncatedFile: a file cut short imports its whole lines,
// reports the cut one and fails.
func TestImportTruncatedFile(t *testing.T) {
	db, dir, f := shopWithConsent(t)
	b, _ := os.ReadFile(f.events)
	cut := filepath.Join(dir, "cut.jsonl")
	if err := os.WriteFile(cut, b[:len(b)-30], 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := importCmd(t, db, "events", cut)
	if err == nil || !strings.Contains(err.Error(), "1 line of 7 not imported") {
		t.Errorf("err = %v, want 1 of 7 lines not imported", err)
	}
	if !strings.Contains(out, "line 7: the file ends in the middle of this line (cut short?)") || !regexp.MustCompile(`stored +3\n`).MatchString(out) {
		t.Errorf("summary:\n%s", out)
	}
	if out := mustImport(t, db, "events", f.events); !regexp.MustCompile(`stored +1\n  already stored +3 `).MatchString(out) {
		t.Errorf("the whole file after the cut one:\n%s", out)
	}
}

// TestImportFromStdin reads - with --format, and a dry run writes nothing.
func TestImportFromStdin(t *testing.T) {
	db := redistest.New(t)
	f := writeShop(t, t.TempDir(), "csv", time.Now())
	body, _ := os.ReadFile(f.items)
	args := []string{"candor", "--redis-url", redisURL(db), "--namespace", db.Namespace, "import", "items", "--format", "csv"}
	out := &syncBuffer{}
	if err := runWithInput(context.Background(), append(args, "--dry-run", "-"), strings.NewReader(string(body)), out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "checked (dry run: nothing was written) items from -: 3 lines") || len(db.Keys(t)) != 0 {
		t.Errorf("dry run: %s, keys %v", out, db.Keys(t))
	}
	if err := runWithInput(context.Background(), append(args, "-"), strings.NewReader(string(body)), out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := redisstore.New(db.Client, db.Namespace).GetItem(context.Background(), "p3"); err != nil {
		t.Errorf("p3 not imported from standard input: %v", err)
	}
}
