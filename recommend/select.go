package recommend

import (
	"slices"
	"strings"

	"github.com/candorhq/candor/consent"
	"github.com/candorhq/candor/features"
)

// nonPersonal computes the parts of a score that use no history: the
// declared preferences and popularity. With evidence they are scaled to it
// (Scoring.Prior and Declared are shares of the best evidence score, and
// PriorFew/n² more for popularity when the evidence is n items, so
// popularity outweighs the customer's best evidence only while the
// evidence is a few items); without, the list is popularity plus
// Scoring.DeclaredAlone per declared category.
type nonPersonal struct {
	m        Model
	idx      *popular
	prior    float64  // the popularity part of the most popular item
	declared float64  // the part of one declared category
	cats     []string // declared categories, lower case
	ids      []int32  // their numbers (popular.catID)
	names    []string // as stated
	category string   // the request's category, lower case
}

// newNonPersonal returns the parts for a customer whose best evidence
// score is best (0 without evidence), from n evidence items.
func newNonPersonal(m Model, idx *popular, st *features.State, req *Request, best float64, n int) *nonPersonal {
	sc := m.Scoring()
	np := &nonPersonal{m: m, idx: idx, prior: 1, declared: sc.DeclaredAlone, category: strings.ToLower(req.Category)}
	if best > 0 {
		nf := float64(max(n, 1))
		np.prior, np.declared = (sc.Prior+sc.PriorFew/(nf*nf))*best, sc.Declared*best
	}
	if st != nil && st.Declared != nil && st.Grant().Has(consent.Declared) {
		for _, c := range st.Declared.Categories {
			if lc := strings.ToLower(c); !slices.Contains(np.cats, lc) {
				np.cats, np.ids, np.names = append(np.cats, lc), append(np.ids, idx.catID(lc)), append(np.names, c)
			}
		}
	}
	return np
}

// sum returns item j's non-personal score, added in the order of parts.
func (np *nonPersonal) sum(j int32) float64 {
	var s float64
	for _, id := range np.ids {
		if np.idx.hasCategory(j, id) {
			s += np.declared
		}
	}
	if p := np.m.Popularity(j); p > 0 {
		s += np.prior * p
	}
	return s
}

// parts appends item j's non-personal parts to arena.
func (np *nonPersonal) parts(j int32, arena []part) []part {
	for k, id := range np.ids {
		if np.idx.hasCategory(j, id) {
			arena = append(arena, part{kind: KindDeclaredPreference, set: string(consent.Declared), evidence: np.names[k], value: np.declared})
		}
	}
	if p := np.m.Popularity(j); p > 0 {
		kind, evidence := KindPopular, ""
		if np.category != "" && np.idx.inCategory(j, np.category) {
			kind, evidence = KindPopularInCategory, np.category
		}
		arena = append(arena, part{kind: kind, set: "none", evidence: evidence, value: np.prior * p})
	}
	return arena
}

// declaredBonus is the most the declared parts can add to one item.
func (np *nonPersonal) declaredBonus() float64 { return np.declared * float64(len(np.cats)) }

// inDeclared reports whether item j is in a declared category.
func (np *nonPersonal) inDeclared(j int32) bool {
	for _, id := range np.ids {
		if np.idx.hasCategory(j, id) {
			return true
		}
	}
	return false
}

// pick is a selected item and its score.
type pick struct {
	j     int32
	score float64
}

// selection keeps the want best eligible items, by score then item ID. An
// item is checked against the filters only when it would enter, so the
// cost is that of the evidence, not of the catalog.
type selection struct {
	m       Model
	acc     *accumulator
	f       *filterer
	np      *nonPersonal
	tr      *Trace
	want    int
	h       []pick  // a heap whose root is the worst kept
	offered []int32 // items of the popularity lists already offered
}

// newSelection returns a selection of want items whose buffers come from
// the request's accumulator.
func newSelection(m Model, acc *accumulator, f *filterer, np *nonPersonal, tr *Trace, want int) *selection {
	return &selection{m: m, acc: acc, f: f, np: np, tr: tr, want: want, h: acc.picks[:0], offered: acc.offered[:0]}
}

// worse reports whether x ranks below y.
func (s *selection) worse(x, y pick) bool {
	if x.score != y.score {
		return x.score < y.score
	}
	return s.m.ItemID(x.j) > s.m.ItemID(y.j)
}

func (s *selection) full() bool { return len(s.h) == s.want }

// offer considers item j with its score.
func (s *selection) offer(j int32, score float64) {
	x := pick{j, score}
	if s.full() && !s.worse(s.h[0], x) {
		return
	}
	id := s.m.ItemID(j)
	if why, _ := s.f.drop(j, id); why != "" {
		s.tr.removed(id, why)
		return
	}
	if !s.full() {
		s.h = append(s.h, x)
		s.up(len(s.h) - 1)
		return
	}
	s.h[0] = x
	s.down(0)
}

// run selects from everything the evidence reached, then from the items
// no evidence reached, most popular first, until none left can enter.
func (s *selection) run() {
	for _, j := range s.acc.touched {
		s.offer(j, s.acc.score[j]+s.np.sum(j))
	}
	idx := s.np.idx
	s.list(idx.overall, 0, true)
	for _, c := range s.np.cats {
		s.list(idx.byCat[c], s.np.declaredBonus(), false)
	}
	if !s.full() || s.h[0].score <= s.np.declaredBonus() {
		for _, j := range idx.zero {
			if !s.acc.mark[j] {
				s.offer(j, s.np.sum(j))
			}
		}
	}
	for _, j := range s.offered {
		s.acc.unflag(j, flagOffered)
	}
	s.acc.offered = s.offered[:0]
}

// list offers the untouched items of a popularity-ordered list until no
// later one can enter: their score is at most prior·popularity + bonus.
// The overall list leaves items of declared categories to their own lists.
func (s *selection) list(l []int32, bonus float64, skipDeclared bool) {
	for _, j := range l {
		if s.full() && s.np.prior*s.m.Popularity(j)+bonus < s.h[0].score {
			return
		}
		if s.acc.mark[j] || s.acc.has(j, flagOffered) || skipDeclared && s.np.inDeclared(j) {
			continue
		}
		s.acc.flag(j, flagOffered) // an item can be in several lists
		s.offered = append(s.offered, j)
		s.offer(j, s.np.sum(j))
	}
}

// sorted returns the kept items, best first, emptying the heap (whose
// buffer goes back to the accumulator).
func (s *selection) sorted() []pick {
	defer func() { s.acc.picks = s.h[:0] }()
	out := make([]pick, len(s.h))
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = s.h[0]
		last := len(s.h) - 1
		s.h[0] = s.h[last]
		s.h = s.h[:last]
		s.down(0)
	}
	return out
}

func (s *selection) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !s.worse(s.h[i], s.h[p]) {
			return
		}
		s.h[i], s.h[p] = s.h[p], s.h[i]
		i = p
	}
}

func (s *selection) down(i int) {
	for {
		l, m := 2*i+1, i
		if l < len(s.h) && s.worse(s.h[l], s.h[m]) {
			m = l
		}
		if r := l + 1; r < len(s.h) && s.worse(s.h[r], s.h[m]) {
			m = r
		}
		if m == i {
			return
		}
		s.h[i], s.h[m] = s.h[m], s.h[i]
		i = m
	}
}
