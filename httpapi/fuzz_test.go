package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/features"
)

// FuzzDecodeEvents feeds arbitrary event batches through the decoder and
// the validator: they must never panic, and an event they accept must be
// well-formed.
func FuzzDecodeEvents(f *testing.F) {
	f.Add(`[{"customer_id":"c1","type":"view","item_id":"i1"}]`)
	f.Add(`[{"anonymous_id":"a","type":"rating","item_id":"i1","value":4.5,"ts":"2026-01-01T00:00:00Z"}]`)
	f.Add(`[{"customer_id":"c1","type":"impression","action_id":"welcome"},{"type":7}]`)
	f.Add(`[{"customer_id":"{c:x}","type":"view","item_id":"i1"}]`)
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	items := func(id string) (bool, bool) { return strings.HasPrefix(id, "i"), id == "i9" }
	f.Fuzz(func(t *testing.T, body string) {
		var raw []json.RawMessage
		if json.Unmarshal([]byte(body), &raw) != nil {
			return
		}
		evs, bad := decodeEvents(raw)
		for i := range evs {
			if _, isBad := bad[i]; isBad {
				continue
			}
			if features.Validate(&evs[i], now, items) == nil {
				id := evs[i].CustomerID + evs[i].AnonymousID
				if strings.ContainsAny(id, "{}") || evs[i].Time.After(now.Add(features.MaxFuture)) {
					t.Fatalf("accepted a bad event: %+v", evs[i])
				}
			}
		}
	})
}

// FuzzItemValidate: catalog items from outside never panic the validator,
// and accepted items keep IDs safe for Redis hash tags.
func FuzzItemValidate(f *testing.F) {
	f.Add(`{"id":"p1","title":"Pan","category":["kitchen"],"price":3}`)
	f.Add(`{"id":"p{1}","title":"","category":[]}`)
	f.Fuzz(func(t *testing.T, body string) {
		var it catalog.Item
		if json.Unmarshal([]byte(body), &it) != nil {
			return
		}
		if it.Validate() == nil && (strings.ContainsAny(it.ID, "{}\n") || it.Price < 0 || len(it.Category) == 0) {
			t.Fatalf("accepted a bad item: %+v", it)
		}
	})
}

// FuzzProfiles: profile bodies never panic and accepted ones store no
// separator characters.
func FuzzProfiles(f *testing.F) {
	f.Add(`{"categories":["a","b"],"price_band":"mid"}`, `{"country":"DE","region":"Bavaria"}`)
	f.Add(`{"categories":["a,b"]}`, `{"country":"de"}`)
	f.Fuzz(func(t *testing.T, declared, location string) {
		var d features.Declared
		if json.Unmarshal([]byte(declared), &d) == nil && d.Validate() == nil {
			for _, c := range append(append(d.Categories, d.Brands...), d.Sizes...) {
				if strings.ContainsAny(c, ",\n") {
					t.Fatalf("accepted %q", c)
				}
			}
		}
		var l features.Location
		if json.Unmarshal([]byte(location), &l) == nil && l.Validate() == nil && len(l.Country) != 2 {
			t.Fatalf("accepted country %q", l.Country)
		}
	})
}

// FuzzFeedback: feedback bodies never panic the validator.
func FuzzFeedback(f *testing.F) {
	f.Add(`{"kind":"not_interested","item_id":"i1"}`)
	f.Add(`{"kind":"wrong_reason","text":"meh"}`)
	f.Fuzz(func(t *testing.T, body string) {
		var fb features.Feedback
		if json.Unmarshal([]byte(body), &fb) == nil && fb.Validate() == nil && len(fb.Text) > 4*features.MaxFeedbackText {
			t.Fatalf("accepted %d bytes of text", len(fb.Text))
		}
	})
}
