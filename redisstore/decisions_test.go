package redisstore

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/internal/redistest"
	"github.com/candorhq/candor/recommend"
)

// decisionBody is a decision with one reason from purchases and one from
// browsing, as the scorer writes it.
const decisionBody = `{"decision_id":"%s","customer_id":"d1","items":[{"item_id":"i9","score":1.5,"reasons":[
 {"kind":"bought_together","text":"Because you bought Kettle and 1 more","evidence":["p1","p2"],"feature_set":"purchases","contribution":1},
 {"kind":"viewed_recently","text":"Because you viewed Mug","evidence":["v1"],"feature_set":"browsing","contribution":0.5}]}]}`

// record makes the stored record of decision id made under the customer's
// current consent head, as the writer does.
func record(t *testing.T, st *Store, id string) recommend.DecisionRecord {
	t.Helper()
	s, err := st.ReadState(context.Background(), "d1", req(time.Now()), features.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var d recommend.Response
	if err := json.Unmarshal([]byte(strings.ReplaceAll(decisionBody, "%s", id)), &d); err != nil {
		t.Fatal(err)
	}
	docs, err := recommend.SplitReasons([][]recommend.Reason{d.Items[0].Reasons})
	body, _ := json.Marshal(d)
	if err != nil || len(docs) != 2 || strings.Contains(string(body), "p1") {
		t.Fatalf("record: %v, evidence of %d sets, body %s", err, len(docs), body)
	}
	return recommend.DecisionRecord{ID: id, CustomerID: "d1", Time: time.Now(), Body: body, Evidence: docs, ConsentHead: s.ConsentHead}
}

// shown returns decision id as the why page reads it.
func shown(t *testing.T, st *Store, id string) string {
	t.Helper()
	rec, err := st.Decision(context.Background(), "d1", id)
	if err != nil {
		t.Fatal(err)
	}
	b, err := recommend.JoinEvidence(rec.Body, rec.Evidence)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Withdrawing purchases deletes its evidence from every stored decision in
// the consent change's own step; a record made before the withdrawal and
// written after it (queued in a writer) cannot bring it back.
func TestWithdrawalReachesStoredDecisions(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		svc := consent.NewService(st, consent.Config{PolicyVersion: 1})
		if _, err := svc.Put(ctx, "d1", consent.Change{Preset: consent.PresetFull}, "", false); err != nil {
			t.Fatal(err)
		}
		written, queued := record(t, st, "dec1"), record(t, st, "dec2")
		if err := st.AppendDecisions(ctx, []recommend.DecisionRecord{written}, time.Hour); err != nil {
			t.Fatal(err)
		}
		if got := shown(t, st, "dec1"); !strings.Contains(got, "Because you bought") || !strings.Contains(got, `"p1"`) {
			t.Fatalf("before the withdrawal: %s", got)
		}
		withdraw := consent.Change{Scopes: map[consent.Scope]consent.State{consent.Purchases: consent.Denied}}
		if _, err := svc.Put(ctx, "d1", withdraw, "", false); err != nil {
			t.Fatal(err)
		}
		if err := st.AppendDecisions(ctx, []recommend.DecisionRecord{queued}, time.Hour); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"dec1", "dec2"} {
			got := shown(t, st, id)
			if strings.Contains(got, "Because you bought") || strings.Contains(got, `"p1"`) || strings.Contains(got, `"p2"`) || !strings.Contains(got, `"evidence_deleted":true`) {
				t.Errorf("%s after the withdrawal: %s", id, got)
			}
		}
		if got := shown(t, st, "dec1"); !strings.Contains(got, `"v1"`) {
			t.Errorf("browsing evidence lost though browsing is still granted: %s", got)
		}
		ex, err := st.Export(ctx, "d1")
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ex.Decisions {
			if strings.Contains(string(d), `"p1"`) {
				t.Errorf("the export repeats withdrawn evidence: %s", d)
			}
		}
	})
}

// A decision is found only in its own customer's records.
func TestDecisionIsFoundOnlyForItsCustomer(t *testing.T) {
	redistest.Each(t, func(t *testing.T, db *redistest.DB) {
		ctx := context.Background()
		st := New(db.Client, db.Namespace)
		rec := recommend.DecisionRecord{ID: "dx", CustomerID: "d1", Time: time.Now(), Body: []byte(`{"decision_id":"dx"}`)}
		if err := st.AppendDecisions(ctx, []recommend.DecisionRecord{rec}, time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Decision(ctx, "d1", "dx"); err != nil {
			t.Errorf("own: %v", err)
		}
		for _, who := range []string{"d2", ""} {
			if _, err := st.Decision(ctx, who, "dx"); candor.ErrorCode(err) != candor.ENotFound {
				t.Errorf("as %q: %v, want not_found", who, err)
			}
		}
	})
}
