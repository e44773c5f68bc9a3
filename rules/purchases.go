package rules

import (
	"github.com/candorhq/candor/catalog"
)

// purchases answers "when did the customer last buy this item?" for
// exclude_purchased. With the request's catalog it keys by item address,
// which hashes faster than the ID; without, by ID.
type purchases struct {
	byItem map[*catalog.Item]int64 // Unix ns
	byID   map[string]int64
	items  bool // byItem is in use
}

// load fills p from the request's purchases.
func (p *purchases) load(req *Request) {
	p.items = req.Catalog != nil
	if !p.items {
		if p.byID == nil {
			p.byID = make(map[string]int64, len(req.Purchases))
		}
		for _, x := range req.Purchases {
			p.byID[x.Item] = max(p.byID[x.Item], x.Last.UnixNano())
		}
		return
	}
	if p.byItem == nil {
		p.byItem = make(map[*catalog.Item]int64, len(req.Purchases))
	}
	for _, x := range req.Purchases {
		if it, ok := req.Catalog.Get(x.Item); ok {
			p.byItem[it] = max(p.byItem[it], x.Last.UnixNano())
		}
	}
}

// last returns when it was last bought, in Unix ns; 0 for never. An item
// from another catalog than the request's counts as never bought.
func (p *purchases) last(it *catalog.Item) int64 {
	if p.items {
		return p.byItem[it]
	}
	return p.byID[it.ID]
}

func (p *purchases) reset() {
	clear(p.byItem)
	clear(p.byID)
}
