package recommend

import (
	"github.com/candorhq/candor/catalog"
	"github.com/candorhq/candor/features"
	"github.com/candorhq/candor/rules"
)

// applyRules runs the live ruleset over the candidates (best first) and
// returns them in the ruleset's order. Every boost or bury becomes a part
// of its item's score, disclosed as a promoted or demoted reason. When the
// rules ran out of their budget, the warning saying so is added to
// warnings.
func applyRules(rs *rules.Compiled, cands []candidate, cat *catalog.Snapshot, st *features.State, req *Request, tr *Trace, warnings *[]string) ([]candidate, int) {
	if rs == emptyRules || len(cands) == 0 {
		return cands, len(cands)
	}
	in := make([]rules.Candidate, len(cands))
	pos := make(map[string]int, len(cands))
	for i, c := range cands {
		in[i] = rules.Candidate{Item: c.item, Score: c.score}
		pos[c.id] = i
	}
	rreq := rules.NewRequest(req.Placement, req.Now, st)
	rreq.Category, rreq.ItemID, rreq.Cart, rreq.Catalog = req.Category, req.ItemID, req.Cart, cat
	rreq.Trace = tr != nil
	res := rs.Apply(rreq, in)
	if w := res.Warning(); w != "" {
		*warnings = append(*warnings, w)
	}
	if tr != nil {
		tr.RuleEvents = append(tr.RuleEvents, res.Trace...)
	}
	out := make([]candidate, 0, len(res.Candidates))
	for _, rc := range res.Candidates {
		c := cands[pos[rc.Item.ID]]
		for _, p := range rc.Parts {
			kind := KindPromoted
			switch p.Kind {
			case rules.PartDemoted:
				kind = KindDemoted
			case rules.PartPinned:
				kind = KindPinned
			}
			c.extra = append(c.extra, part{kind: kind, set: "rules", ruleID: p.RuleID, value: p.Value})
		}
		c.score = rc.Score
		out = append(out, c)
	}
	return out, res.DeferredFrom
}
