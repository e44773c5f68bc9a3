package models

import (
	"container/heap"
	"sync"
)

// Evidence is one thing known about a customer that may raise item scores: an
// item from a consented feature set (or the request context), or a declared
// category preference (Item = Model.CategoryRow(name)).
type Evidence struct {
	Item   int32   // a row of the model: an item number or a category row
	Weight float64 // how much this evidence counts, e.g. 1, or recency-decayed
	Source string  // the feature set it came from: "purchases", "browsing", "declared", "context"
}

// Contribution is the part of an item's score due to one piece of evidence:
// Weight(history[Evidence]) · W[row][item].
type Contribution struct {
	Evidence int     // index into the history passed to Score
	Value    float64 // its part of the score
}

// Candidate is a scored item.
type Candidate struct {
	Item  int32
	Score float64
}

// Scorer is a reusable sparse accumulator of item scores. Scoring costs
// O(len(history) · K), not O(catalog): only touched items are visited and
// reset. A Scorer is not safe for concurrent use; get one per request with
// AcquireScorer and give it back with Release.
//
// After Model.Score, for every item j:
//
//	Score(j) == Bias(j) + Σ Contributions(j)[c].Value   (exactly, in float64,
//	                                                      summing c in order)
type Scorer struct {
	model   *Model
	history []Evidence
	acc     []float64 // evidence part of the score of touched items
	mark    []uint32  // mark[j] == epoch: j touched; mark[j] == epoch+1: j in history
	epoch   uint32
	touched []int32
	inHist  []int32
	top     candHeap
}

var scorers = sync.Pool{New: func() any { return new(Scorer) }}

// AcquireScorer returns a Scorer from a pool.
func AcquireScorer() *Scorer { return scorers.Get().(*Scorer) }

// Release returns s to the pool. s must not be used afterwards.
func (s *Scorer) Release() {
	s.model, s.history = nil, nil
	scorers.Put(s)
}

// begin prepares s for a new scoring by m.
func (s *Scorer) begin(m *Model, history []Evidence) {
	s.model, s.history = m, history
	if n := m.NumItems(); len(s.acc) < n {
		s.acc = make([]float64, n)
		s.mark = make([]uint32, n)
		s.epoch = 0
	}
	s.epoch += 2
	if s.epoch < 2 { // wrapped: old marks could collide
		clear(s.mark)
		s.epoch = 2
	}
	for _, j := range s.touched {
		s.acc[j] = 0
	}
	s.touched, s.inHist = s.touched[:0], s.inHist[:0]
}

// Score accumulates the scores of every item reachable from history into s.
// history must not change until s is done with (Contributions reads it).
// Evidence whose row is out of range is ignored.
func (m *Model) Score(history []Evidence, s *Scorer) {
	s.begin(m, history)
	for _, e := range history {
		if e.Item < 0 || int(e.Item) >= m.NumRows() {
			continue
		}
		if int(e.Item) < m.NumItems() && s.mark[e.Item] != s.epoch+1 {
			if s.mark[e.Item] != s.epoch {
				s.touched = append(s.touched, e.Item)
			}
			s.mark[e.Item] = s.epoch + 1
			s.inHist = append(s.inHist, e.Item)
		}
		nbr, w := m.Neighbours(e.Item)
		for k, j := range nbr {
			if s.mark[j] < s.epoch {
				s.mark[j] = s.epoch
				s.touched = append(s.touched, j)
			}
			s.acc[j] += e.Weight * float64(w[k])
		}
	}
}

// Touched returns the items whose score has an evidence part (possibly zero
// after cancellation), including history items. It aliases s.
func (s *Scorer) Touched() []int32 { return s.touched }

// InHistory reports whether item j was itself part of the scored history.
func (s *Scorer) InHistory(j int32) bool { return s.mark[j] == s.epoch+1 }

// Bias returns item j's score part that needs no evidence (the popularity
// prior).
func (s *Scorer) Bias(j int32) float64 { return s.model.Bias(j) }

// Score returns item j's score: its bias plus the evidence part.
func (s *Scorer) Score(j int32) float64 {
	if s.mark[j] >= s.epoch {
		return s.acc[j] + s.model.Bias(j)
	}
	return s.model.Bias(j)
}

// Contributions appends to dst the non-zero per-evidence parts of item j's
// score, in history order, and returns it. It costs O(len(history) · log K).
// Summed in order starting from 0, then adding Bias(j), they give Score(j)
// exactly.
func (s *Scorer) Contributions(dst []Contribution, j int32) []Contribution {
	m := s.model
	for ei, e := range s.history {
		if e.Item < 0 || int(e.Item) >= m.NumRows() {
			continue
		}
		if w := m.Weight(e.Item, j); w != 0 {
			dst = append(dst, Contribution{Evidence: ei, Value: e.Weight * w})
		}
	}
	return dst
}

// Top appends to dst the n best items by score, best first (ties broken by
// lower item number), and returns it. Items not touched by evidence compete
// with their bias alone, drawn in popularity order, so an empty history
// yields the popular items. excludeHistory drops items that were evidence;
// skip, when non-nil, drops any item it reports true for.
func (s *Scorer) Top(dst []Candidate, n int, excludeHistory bool, skip func(int32) bool) []Candidate {
	if n <= 0 {
		return dst
	}
	keep := func(j int32) bool {
		return !(excludeHistory && s.InHistory(j)) && (skip == nil || !skip(j))
	}
	s.top.reset(n)
	for _, j := range s.touched {
		if keep(j) {
			s.top.offer(Candidate{j, s.Score(j)})
		}
	}
	s.offerUntouched(n, keep)
	return s.top.sorted(dst)
}

// offerUntouched offers the best n untouched items: the most popular ones
// (their score is their bias), then, if bias cannot fill n, items in number
// order with a zero score.
func (s *Scorer) offerUntouched(n int, keep func(int32) bool) {
	m, added := s.model, 0
	if m.Params.PriorWeight > 0 {
		for _, j := range m.popular {
			if added == n {
				return
			}
			if s.mark[j] < s.epoch && keep(j) {
				s.top.offer(Candidate{j, m.Bias(j)})
				added++
			}
		}
	}
	for j := int32(0); int(j) < m.NumItems() && added < n; j++ {
		if s.mark[j] < s.epoch && m.Bias(j) == 0 && keep(j) {
			s.top.offer(Candidate{j, 0})
			added++
		}
	}
}

// before orders candidates: higher score first, then lower item number.
func before(a, b Candidate) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.Item < b.Item
}

// candHeap keeps the best n candidates; its root is the worst kept.
type candHeap struct {
	n int
	h []Candidate
}

func (c *candHeap) Len() int           { return len(c.h) }
func (c *candHeap) Less(i, j int) bool { return before(c.h[j], c.h[i]) }
func (c *candHeap) Swap(i, j int)      { c.h[i], c.h[j] = c.h[j], c.h[i] }
func (c *candHeap) Push(x any)         { c.h = append(c.h, x.(Candidate)) }
func (c *candHeap) Pop() any {
	x := c.h[len(c.h)-1]
	c.h = c.h[:len(c.h)-1]
	return x
}

func (c *candHeap) reset(n int) { c.n, c.h = n, c.h[:0] }

func (c *candHeap) offer(x Candidate) {
	switch {
	case len(c.h) < c.n:
		heap.Push(c, x)
	case before(x, c.h[0]):
		c.h[0] = x
		heap.Fix(c, 0)
	}
}

// sorted appends the kept candidates to dst, best first, emptying c.
func (c *candHeap) sorted(dst []Candidate) []Candidate {
	start := len(dst)
	dst = append(dst, make([]Candidate, len(c.h))...)
	for i := len(dst) - 1; i >= start; i-- {
		dst[i] = heap.Pop(c).(Candidate)
	}
	return dst
}
