package consent

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// fakeStore keeps what the Redis store keeps, in the same encodings: the
// consent hash (scope → EncodeRecord) and the log with encoded records.
type fakeStore struct {
	hash map[Scope]string
	log  []storedEntry
}

type storedEntry struct {
	seq        int64
	scope      Scope
	record     string
	prev, hash string
}

func (s *fakeStore) records(tb testing.TB) map[Scope]Record {
	tb.Helper()
	out := make(map[Scope]Record, len(s.hash))
	for sc, v := range s.hash {
		r, err := DecodeRecord(sc, v)
		if err != nil {
			tb.Fatalf("stored record: %v", err)
		}
		out[sc] = r
	}
	return out
}

func (s *fakeStore) entries(tb testing.TB) []Entry {
	tb.Helper()
	out := make([]Entry, len(s.log))
	for i, e := range s.log {
		r, err := DecodeRecord(e.scope, e.record)
		if err != nil {
			tb.Fatalf("log entry %d: %v", i, err)
		}
		out[i] = Entry{Seq: e.seq, Record: r, Prev: e.prev, Hash: e.hash}
	}
	return out
}

// apply writes recs to the hash and appends them to the log, as the store's
// script does atomically.
func (s *fakeStore) apply(recs []Record) {
	prev, seq := GenesisHash, int64(1)
	if n := len(s.log); n > 0 {
		prev, seq = s.log[n-1].hash, s.log[n-1].seq+1
	}
	for _, e := range Chain(prev, seq, recs) {
		enc := EncodeRecord(e.Record)
		s.hash[e.Record.Scope] = enc
		s.log = append(s.log, storedEntry{e.Seq, e.Record.Scope, enc, e.Prev, e.Hash})
	}
}

func randomChange(rng *rand.Rand, live int) Change {
	if rng.IntN(8) == 0 {
		return GPCChange()
	}
	var ch Change
	if rng.IntN(2) == 0 {
		ch.Preset = Presets[rng.IntN(len(Presets))]
	}
	for range rng.IntN(4) {
		if ch.Scopes == nil {
			ch.Scopes = map[Scope]State{}
		}
		ch.Scopes[AllScopes[rng.IntN(len(AllScopes))]] = States[rng.IntN(len(States))]
	}
	if rng.IntN(2) == 0 {
		ch.Source = Sources[rng.IntN(len(Sources))]
	}
	if rng.IntN(3) == 0 {
		ch.PolicyVersion = 1 + rng.IntN(live)
	}
	return ch
}

func randomRequest(rng *rand.Rand, now time.Time, live int) Request {
	maxAges := []time.Duration{0, 30 * 24 * time.Hour, 400 * 24 * time.Hour}
	return Request{
		Now:           now.Add(time.Duration(rng.Int64N(int64(60 * 24 * time.Hour)))),
		PolicyVersion: live + rng.IntN(2),
		GPC:           rng.IntN(2) == 0,
		MaxAge:        maxAges[rng.IntN(len(maxAges))],
	}
}

// TestPropertyLogReplayMatchesState: for random sequences of changes, the
// effective consent computed from a replay of the log equals the one computed
// from the stored hash, the chain verifies, replanning is a no-op, and
// tampering with any entry is reported at that entry.
func TestPropertyLogReplayMatchesState(t *testing.T) {
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 0x5eed))
		st := &fakeStore{hash: map[Scope]string{}}
		now, live := t0, 1
		for step := range 40 {
			now = now.Add(time.Duration(rng.Int64N(int64(120 * 24 * time.Hour))))
			if rng.IntN(10) == 0 {
				live++
			}
			ch := randomChange(rng, live)
			if err := ch.Validate(live); err != nil {
				continue // e.g. an empty change
			}
			st.apply(Plan(st.records(t), ch, now, live))
			if again := Plan(st.records(t), ch, now, live); len(again) != 0 {
				t.Fatalf("seed %d step %d: replanning %+v wrote %v", seed, step, ch, scopesOf(again))
			}
			log := st.entries(t)
			if ok, bad := VerifyChain(log); !ok {
				t.Fatalf("seed %d step %d: chain broken at %d", seed, step, bad)
			}
			req := randomRequest(rng, now, live)
			if got, want := Evaluate(Replay(log), req), Evaluate(st.records(t), req); !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d step %d: Evaluate(Replay(log)) =\n%+v\nwant\n%+v", seed, step, got, want)
			}
		}
		checkTamperDetected(t, rng, st.entries(t))
	}
}

func checkTamperDetected(t *testing.T, rng *rand.Rand, log []Entry) {
	t.Helper()
	if len(log) == 0 {
		return
	}
	i := rng.IntN(len(log))
	tampered := append([]Entry(nil), log...)
	switch rng.IntN(4) {
	case 0:
		tampered[i].Record.State = flip(tampered[i].Record.State)
	case 1:
		tampered[i].Record.Time = tampered[i].Record.Time.Add(-time.Millisecond)
	case 2:
		tampered[i].Prev = tampered[i].Hash
	case 3:
		tampered[i].Hash = GenesisHash
	}
	if ok, bad := VerifyChain(tampered); ok || bad != i {
		t.Fatalf("tampered entry %d: VerifyChain = %v, %d", i, ok, bad)
	}
}
