package redisstore

import (
	"bufio"
	"context"
	"fmt"
	"github.com/candorhq/candor/internal/eventually"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/recommend"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func req(now time.Time) consent.Request {
	return consent.Request{Now: now, PolicyVersion: 1}
}

// grantOnly stores granted records for scopes and denials for every other
// feature set, as a preset would; channels are granted only when listed.
func grantOnly(t testing.TB, db *redistest.DB, st *Store, id string, scopes ...consent.Scope) {
	t.Helper()
	fields := map[string]any{}
	for _, s := range consent.FeatureSets {
		state := consent.Denied
		for _, g := range scopes {
			if g == s {
				state = consent.Granted
			}
		}
		fields[string(s)] = consent.EncodeRecord(consent.Record{Scope: s, State: state, Time: t0, PolicyVersion: 1, Source: consent.SourceAPI})
	}
	for _, g := range scopes {
		if !g.IsFeatureSet() { // a channel or sale_share
			fields[string(g)] = consent.EncodeRecord(consent.Record{Scope: g, State: consent.Granted, Time: t0, PolicyVersion: 1, Source: consent.SourceAPI})
		}
	}
	if err := db.Client.HSet(context.Background(), st.keys.consent(id), fields).Err(); err != nil {
		t.Fatal(err)
	}
}

// seedEverySet writes data into every feature set of id directly, bypassing
// the gate, so a test can prove the read does not touch what it must not.
func seedEverySet(t testing.TB, db *redistest.DB, st *Store, id string, n int) {
	t.Helper()
	ctx := context.Background()
	for _, set := range consent.FeatureSets {
		key := st.keys.featureSet(id, string(set))
		if features.KindOf(set) == features.Profile {
			db.Client.HSet(ctx, key, "country", "DE", "age_band", "25-34", "categories", "kitchen")
			continue
		}
		for i := 0; i < n; i++ {
			db.Client.ZAdd(ctx, key, redis.Z{Score: features.PackScore(t0.Add(time.Duration(i)*time.Minute), 1, 0), Member: fmt.Sprintf("%s-item-%d", set, i)})
		}
	}
}

func TestReadStateReturnsOnlyGrantedSets(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		st := New(db.Client, db.Namespace)
		seedEverySet(t, db, st, "c1", 3)
		grantOnly(t, db, st, "c1", consent.Purchases, consent.Location)
		s, err := st.ReadState(context.Background(), "c1", req(t0.Add(time.Hour)), features.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Grant().FeatureSets(); fmt.Sprint(got) != "[purchases location]" {
			t.Errorf("granted = %v", got)
		}
		if len(s.Interactions) != 1 || len(s.Interactions[consent.Purchases]) != 3 {
			t.Errorf("interactions = %v, want only purchases", s.Interactions)
		}
		if s.Location == nil || s.Location.Country != "DE" || s.Declared != nil || s.Demographics != nil {
			t.Errorf("profiles: location=%v declared=%v demographics=%v", s.Location, s.Declared, s.Demographics)
		}
		got := s.Interactions[consent.Purchases][2]
		if got.Item != "purchases-item-2" || !got.Last.Equal(t0.Add(2*time.Minute)) || got.Count != 1 {
			t.Errorf("last interaction = %+v", got)
		}
	})
}

func TestReadStateWithoutConsentReadsNothing(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		st := New(db.Client, db.Namespace)
		seedEverySet(t, db, st, "c2", 2)
		s, err := st.ReadState(context.Background(), "c2", req(t0), features.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Interactions) != 0 || s.Declared != nil || s.Location != nil || s.Demographics != nil {
			t.Errorf("no consent record, yet state has data: %+v", s)
		}
		if e := s.Decision.Effective(consent.Browsing); e.Granted || e.Reason != consent.ReasonNoRecord {
			t.Errorf("browsing = %+v, want no_record", e)
		}
	})
}

// TestReadStateNeverTouchesUngrantedKeys watches every command Redis runs
// (MONITOR shows the commands a Lua script issues) and fails if a key of a
// feature set that is not granted is touched.
func TestReadStateNeverTouchesUngrantedKeys(t *testing.T) {
	db := redistest.New(t)
	if !db.Real() {
		t.Skip("MONITOR needs a real Redis (REDIS_URL)")
	}
	st := New(db.Client, db.Namespace)
	ctx := context.Background()
	seedEverySet(t, db, st, "m1", 5)
	for _, set := range ingestSets { // and their packed copies (any content)
		db.Client.Set(ctx, st.keys.packedSet("m1", string(set)), "\nx\t1", 0)
	}
	grantOnly(t, db, st, "m1", consent.Purchases)
	if err := st.LoadScripts(ctx); err != nil {
		t.Fatal(err)
	}
	lines := monitor(t, db, func() {
		if _, err := st.ReadState(ctx, "m1", req(t0.Add(time.Hour)), features.ReadOptions{Recent: 3}); err != nil {
			t.Fatal(err)
		}
	})
	assertTouched(t, lines, st.keys.packedSet("m1", "purchases")+`"`, true)
	for _, set := range consent.FeatureSets {
		if set != consent.Purchases {
			assertTouched(t, lines, st.keys.featureSet("m1", string(set))+`"`, false)
			assertTouched(t, lines, st.keys.packedSet("m1", string(set))+`"`, false)
		}
	}
	grantOnly(t, db, st, "m1") // withdraw everything
	lines = monitor(t, db, func() {
		if _, err := st.ReadState(ctx, "m1", req(t0.Add(time.Hour)), features.ReadOptions{Recent: 3}); err != nil {
			t.Fatal(err)
		}
	})
	assertTouched(t, lines, ":fs:", false)
	assertTouched(t, lines, st.keys.consent("m1"), true)
}

func assertTouched(t *testing.T, lines []string, key string, want bool) {
	t.Helper()
	got := false
	for _, l := range lines {
		if strings.Contains(l, key) && !strings.Contains(l, "EVALSHA") && !strings.Contains(l, "evalsha") {
			got = true
		}
	}
	if got != want {
		t.Errorf("key %s touched = %v, want %v; commands:\n%s", key, got, want, strings.Join(lines, "\n"))
	}
}

// monitor runs f while MONITOR (over a raw connection, to keep the test
// independent of client quirks) records the commands that mention the
// test's namespace.
func monitor(t *testing.T, db *redistest.DB, f func()) []string {
	t.Helper()
	conn, err := net.Dial("tcp", db.Client.Options().Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if pw := db.Client.Options().Password; pw != "" {
		fmt.Fprintf(conn, "AUTH %s\r\n", pw)
	}
	fmt.Fprint(conn, "MONITOR\r\n")
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	lines := make(chan string, 10000)
	go func() {
		sc := bufio.NewScanner(conn)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	waitForLine(t, db, lines, db.Namespace+":monitor-mark") // MONITOR is now live
	f()
	seen := waitForLine(t, db, lines, db.Namespace+":monitor-end")
	var out []string
	for _, l := range seen {
		if strings.Contains(l, db.Namespace) {
			out = append(out, l)
		}
	}
	return out
}

func waitForLine(t *testing.T, db *redistest.DB, ch chan string, marker string) []string {
	t.Helper()
	var seen []string
	deadline := time.After(time.Until(eventually.Deadline(t)))
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case l, ok := <-ch:
			if !ok {
				t.Fatalf("MONITOR connection closed before %s", marker)
			}
			if strings.Contains(l, marker) {
				return seen
			}
			seen = append(seen, l)
		case <-tick.C:
			db.Client.Get(context.Background(), marker)
		case <-deadline:
			t.Fatalf("MONITOR never showed %s", marker)
		}
	}
}

// countingHook counts the round trips a client makes.
type countingHook struct{ calls atomic.Int64 }

func (h *countingHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *countingHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.calls.Add(1)
		return next(ctx, cmd)
	}
}
func (h *countingHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.calls.Add(1)
		return next(ctx, cmds)
	}
}

func TestReadStateIsOneRoundTrip(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		c := redis.NewClient(db.Client.Options())
		defer c.Close()
		st := New(c, db.Namespace)
		seedEverySet(t, db, st, "r1", 50)
		grantOnly(t, db, st, "r1", consent.Browsing, consent.Purchases, consent.Declared)
		if err := st.LoadScripts(ctx); err != nil {
			t.Fatal(err)
		}
		h := &countingHook{}
		c.AddHook(h)
		s, err := st.ReadState(ctx, "r1", req(t0.Add(time.Hour)), features.ReadOptions{Recent: 10})
		if err != nil {
			t.Fatal(err)
		}
		if n := h.calls.Load(); n != 1 {
			t.Errorf("ReadState made %d round trips, want 1", n)
		}
		if len(s.Interactions[consent.Browsing]) != 10 || s.Declared == nil {
			t.Errorf("state incomplete: %d browsing, declared %v", len(s.Interactions[consent.Browsing]), s.Declared)
		}
	})
}

// TestBoundedReadKeepsEveryPurchaseExcluded: a read of the 10 most recent
// items per set returns exactly those, with their scores, newest last, and
// the 40 older purchases as bare IDs; older views are not read.
func TestBoundedReadKeepsEveryPurchaseExcluded(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		st := New(db.Client, db.Namespace)
		seedEverySet(t, db, st, "b1", 50)
		grantOnly(t, db, st, "b1", consent.Browsing, consent.Purchases)
		full, _ := st.ReadState(context.Background(), "b1", req(t0.Add(time.Hour)), features.ReadOptions{})
		s, err := st.ReadState(context.Background(), "b1", req(t0.Add(time.Hour)), features.ReadOptions{Recent: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, set := range []consent.Scope{consent.Browsing, consent.Purchases} {
			if got, want := s.Interactions[set], full.Interactions[set][40:]; !slices.Equal(got, want) {
				t.Errorf("%s: %v, want the 10 newest %v", set, got, want)
			}
		}
		var older []string
		for _, x := range full.Interactions[consent.Purchases][:40] {
			older = append(older, x.Item)
		}
		if !slices.Equal(s.Older, older) || len(full.Older) != 0 {
			t.Errorf("older = %v (full read %v), want the 40 older purchases", s.Older, full.Older)
		}
	})
}

// TestLuaConsentMatchesGo holds the Lua mirror of consent.Evaluate to the
// same answer as the Go original for random records, clocks, policy
// versions and GPC, including malformed records and boundary times.
func TestLuaConsentMatchesGo(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		st := New(db.Client, db.Namespace)
		rng := rand.New(rand.NewPCG(1, 2))
		scopes := append(append([]consent.Scope{}, consent.FeatureSets...), consent.SaleShare, consent.Email)
		for i := 0; i < 300; i++ {
			id := fmt.Sprintf("p%d", i)
			raw := randomConsent(rng, scopes)
			if len(raw) > 0 {
				db.Client.HSet(context.Background(), st.keys.consent(id), raw)
			}
			r := consent.Request{Now: t0.Add(time.Duration(rng.IntN(800)) * 24 * time.Hour), PolicyVersion: rng.IntN(4), GPC: rng.IntN(2) == 0, MaxAge: time.Duration(rng.IntN(3)) * 200 * 24 * time.Hour}
			if rng.IntN(5) == 0 {
				r.Now = t0.Add(395 * 24 * time.Hour) // the exact boundary of the default max age
			}
			lua := luaReasons(t, db, st, id, scopes, r)
			want := consent.Evaluate(decodeConsent(stringsOf(raw)), r)
			for j, s := range scopes {
				if got := want.Effective(s).Reason; lua[j] != got {
					t.Fatalf("case %d scope %s: lua %q, go %q; records %v request %+v", i, s, lua[j], got, raw, r)
				}
			}
		}
	})
}

func randomConsent(rng *rand.Rand, scopes []consent.Scope) map[string]any {
	m := map[string]any{}
	for _, s := range scopes {
		switch rng.IntN(8) {
		case 0: // no record
		case 1:
			m[string(s)] = []string{"g|0|0|1|api", "x|1|0|1|api", "g|01|0|1|api", "g|5|0|1|nope", "garbage", "g|5|0|0|api"}[rng.IntN(6)]
		default:
			rec := consent.Record{Scope: s, State: consent.Granted, Time: t0.Add(-time.Duration(rng.IntN(100)) * 24 * time.Hour),
				PolicyVersion: 1 + rng.IntN(3), Source: consent.Sources[rng.IntN(len(consent.Sources))]}
			if rng.IntN(3) == 0 {
				rec.State = consent.Denied
			}
			if rng.IntN(3) == 0 {
				rec.Expiry = t0.Add(time.Duration(rng.IntN(400)) * 24 * time.Hour)
			}
			m[string(s)] = consent.EncodeRecord(rec)
		}
	}
	return m
}

func stringsOf(m map[string]any) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k], _ = v.(string)
	}
	return out
}

// luaReasons runs the read script with the given scopes and returns the
// reasons it computed.
func luaReasons(t *testing.T, db *redistest.DB, st *Store, id string, scopes []consent.Scope, r consent.Request) []string {
	t.Helper()
	keys := []string{st.keys.consent(id), st.keys.feedback(id), st.keys.contacts(id)}
	args := append(consentArgs(r), len(scopes), 0)
	for _, s := range scopes {
		keys = append(keys, st.keys.featureSet(id, string(s)))
		args = append(args, string(s), "z")
	}
	for _, s := range scopes {
		keys = append(keys, st.keys.packedSet(id, string(s)))
	}
	res, err := scriptReadState.Run(context.Background(), db.Client, keys, args...).Slice()
	if err != nil {
		t.Fatal(err)
	}
	packed, _ := res[1].(string)
	return strings.Split(packed, "\n")
}

func TestScanStatesReadsOnlyGrantedData(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		st := New(db.Client, db.Namespace)
		for i := 0; i < 450; i++ {
			id := fmt.Sprintf("s%d", i)
			seedEverySet(t, db, st, id, 2)
			if i%3 == 0 {
				grantOnly(t, db, st, id, consent.Purchases)
			} else {
				grantOnly(t, db, st, id)
			}
		}
		seen, withPurchases := 0, 0
		err := st.ScanStates(context.Background(), req(t0.Add(time.Hour)), func(s *features.State) error {
			seen++
			if len(s.Interactions[consent.Purchases]) > 0 {
				withPurchases++
			}
			if len(s.Interactions[consent.Browsing]) > 0 || s.Declared != nil {
				t.Errorf("%s: data of a set not granted", s.CustomerID)
			}
			return nil
		})
		if err != nil || seen != 450 || withPurchases != 150 {
			t.Errorf("scan: err %v, seen %d, with purchases %d", err, seen, withPurchases)
		}
	})
}

// readCall and decisionKeys cut their keys from one string; they must be
// exactly the keys keys.go names, in the scripts' order.
func TestReadCallKeysMatchKeyNames(t *testing.T) {
	st := New(nil, "ns-x")
	got, args := st.readCall("cust:7", consent.Request{Now: time.Unix(100, 0), PolicyVersion: 3}, features.ReadOptions{Recent: 40})
	want := []string{st.keys.consent("cust:7"), st.keys.feedback("cust:7"), st.keys.contacts("cust:7")}
	for _, set := range consent.FeatureSets {
		want = append(want, st.keys.featureSet("cust:7", string(set)))
	}
	for _, set := range consent.FeatureSets {
		want = append(want, st.keys.packedSet("cust:7", string(set)))
	}
	if !slices.Equal(got, want) {
		t.Errorf("keys = %q, want %q", got, want)
	}
	rec := recommend.DecisionRecord{CustomerID: "cust:7"}
	if got, want := st.decisionKeys(&rec), []string{st.keys.decisions("cust:7"), st.keys.consent("cust:7")}; !slices.Equal(got, want) {
		t.Errorf("decision keys = %q, want %q", got, want)
	}
	// the per-request arguments are pointers, written as what they point to
	head := []any{*args[0].(*int64), *args[1].(*string), *args[2].(*int64), *args[3].(*string), *args[4].(*int), *args[5].(*int)}
	wantHead := []any{int64(100_000), "3", consent.DefaultMaxAge.Milliseconds(), "0", len(consent.FeatureSets), 40}
	if n := 6 + 2*len(consent.FeatureSets); len(args) != n || !slices.Equal(head, wantHead) || args[6] != "browsing" {
		t.Errorf("args = %v (the first six %v, want %v)", args, head, wantHead)
	}
}
