package models

import (
	"cmp"
	"context"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"

	"github.com/candorhq/candor"
)

// head is the set of items EASE is fitted on, numbered 0..n-1.
type head struct {
	items []int32 // head position → item number
	pos   []int32 // item number → head position, or -1
}

// chooseHead returns the (at most topN) items with the most distinct users,
// among those with at least minUsers. Items below minUsers could never keep
// a k-anonymous weight, so fitting them would only cost time.
func chooseHead(in *interactions, topN, minUsers int) head {
	h := head{pos: make([]int32, in.byItem.rows())}
	users := func(i int32) int { return int(in.byItem.off[i+1] - in.byItem.off[i]) }
	for i := range h.pos {
		h.pos[i] = -1
		if users(int32(i)) >= max(minUsers, 1) {
			h.items = append(h.items, int32(i))
		}
	}
	slices.SortStableFunc(h.items, func(a, b int32) int { return cmp.Compare(users(b), users(a)) })
	if topN > 0 && len(h.items) > topN {
		h.items = h.items[:topN]
	}
	slices.Sort(h.items)
	for p, i := range h.items {
		h.pos[i] = int32(p)
	}
	return h
}

// gram returns XᵀX over the head items (upper triangle filled), X holding
// the recency weights.
func gram(in *interactions, h head) *mat.SymDense {
	n := len(h.items)
	g := mat.NewSymDense(max(n, 1), nil)
	raw := g.RawSymmetric()
	var ps []int32
	var ws []float64
	for u := range in.byUser.rows() {
		ps, ws = ps[:0], ws[:0]
		items, w := in.byUser.row(int32(u))
		for k, i := range items {
			if p := h.pos[i]; p >= 0 {
				ps, ws = append(ps, p), append(ws, float64(w[k]))
			}
		}
		for a, pa := range ps {
			row := raw.Data[int(pa)*raw.Stride:]
			for b := a; b < len(ps); b++ {
				pb := ps[b]
				if pb >= pa {
					row[pb] += ws[a] * ws[b]
				} else {
					raw.Data[int(pb)*raw.Stride+int(pa)] += ws[a] * ws[b]
				}
			}
		}
	}
	return g
}

// invertInPlace replaces the symmetric positive definite g + λI by its
// inverse P, both triangles filled, using gonum's Cholesky (Potrf, Potri).
func invertInPlace(g *mat.SymDense, lambda float64) error {
	raw := g.RawSymmetric()
	for i := range raw.N {
		raw.Data[i*raw.Stride+i] += lambda
	}
	t, ok := lapack64.Potrf(raw)
	if !ok {
		return candor.Errorf(candor.EInvalid, "EASE: XᵀX + %g·I is not positive definite; use a larger lambda", lambda)
	}
	if _, ok := lapack64.Potri(t); !ok {
		return candor.Errorf(candor.EInternal, "EASE: the Cholesky inverse failed")
	}
	if raw.Uplo != blas.Upper {
		panic("models: gram must be upper")
	}
	for i := range raw.N {
		for j := i + 1; j < raw.N; j++ {
			raw.Data[j*raw.Stride+i] = raw.Data[i*raw.Stride+j]
		}
	}
	return nil
}

// easeWeight returns B[i][j] = −P[i][j] / P[j][j] for head positions i ≠ j.
func easeWeight(p []float64, n int, i, j int32) float64 {
	return -p[int(i)*n+int(j)] / p[int(j)*n+int(j)]
}

// easeRow returns the serving row of head item i: its top k EASE weights
// B[i][j] among head items j shared with i by at least kanon users (all head
// items when kanon < 0, the untruncated, unprotected reference).
func easeRow(w *coWorker, in *interactions, h head, p []float64, k, kanon int, i int32) []neighbour {
	n := len(h.items)
	pi := h.pos[i]
	w.top.reset(k)
	if kanon < 0 {
		for pj, j := range h.items {
			if j != i {
				w.top.offer(neighbour{item: j, w: float32(easeWeight(p, n, pi, int32(pj)))})
			}
		}
		return w.top.row()
	}
	w.accumulate(in, i)
	for _, j := range w.touched {
		if pj := h.pos[j]; pj >= 0 && j != i && int(w.cnt[j]) >= max(kanon, 1) {
			w.top.offer(neighbour{item: j, w: float32(easeWeight(p, n, pi, pj))})
		}
	}
	return w.top.row()
}

// EASEPath fits EASE on one training set for one λ or several: the head,
// its Gram matrix and the tail's similarity rows are computed once.
// Validation (evaluation.Fit) fits a grid of λ on one path; Train fits one.
type EASEPath struct {
	d       *Data
	in      *interactions
	p       Params
	h       head
	g       []float64 // XᵀX over the head, kept for the next λ when keep
	keep    bool
	tail    []int32
	sim     [][]neighbour // the tail's similarity rows, by item number
	workers int
	prog    func(string, int, int)
}

// NewEASEPath prepares EASE fits of d with o (Kind is ignored; Lambda is
// given to each Fit), keeping the Gram matrix for several fits.
func NewEASEPath(ctx context.Context, d *Data, o TrainOptions) (*EASEPath, error) {
	o.Kind = KindEASE
	p, err := o.params()
	if err != nil {
		return nil, err
	}
	return newEASEPath(ctx, newInteractions(d, o.weighting(d, p)), d, p, o, true)
}

func newEASEPath(ctx context.Context, in *interactions, d *Data, p Params, o TrainOptions, keep bool) (*EASEPath, error) {
	e := &EASEPath{d: d, in: in, p: p, h: chooseHead(in, p.TopN, p.MinSupport), keep: keep, workers: o.Workers, prog: o.Progress}
	e.g = gram(in, e.h).RawSymmetric().Data
	for i, pos := range e.h.pos {
		if pos < 0 && in.byItem.off[i+1] > in.byItem.off[i] {
			e.tail = append(e.tail, int32(i))
		}
	}
	if len(e.tail) > 0 {
		sim, err := similarityRows(ctx, in, e.tail, p, o.Workers, nil)
		if err != nil {
			return nil, err
		}
		e.sim = sim
	}
	return e, nil
}

// HeadItems returns how many items EASE is fitted on.
func (e *EASEPath) HeadItems() int { return len(e.h.items) }

// Interactions returns the number of distinct (user, item) pairs fitted.
func (e *EASEPath) Interactions() int { return e.in.pairs }

// Fit returns the EASE model for λ, with the path's items and popularity.
func (e *EASEPath) Fit(ctx context.Context, lambda float64) (*Model, error) {
	rows, err := e.rows(ctx, lambda)
	if err != nil {
		return nil, err
	}
	p := e.p
	p.Lambda = lambda
	return assemble(KindEASE, p, e.d, e.in, rows), nil
}

// rows returns the serving rows for λ: EASE for head items, similarity
// (rescaled to EASE's scale) for tail items that have users.
func (e *EASEPath) rows(ctx context.Context, lambda float64) ([][]neighbour, error) {
	rows := make([][]neighbour, e.in.byItem.rows())
	if len(e.h.items) > 0 {
		data := e.g
		if e.keep {
			data = slices.Clone(e.g)
		}
		g := gramFrom(data, len(e.h.items))
		report(e.prog, "ease: inverse", 0, 1)
		if err := invertInPlace(g, lambda); err != nil {
			return nil, err
		}
		report(e.prog, "ease: inverse", 1, 1)
		pm := g.RawSymmetric().Data
		part, err := forRows(ctx, e.in, e.h.items, e.workers, stage(e.prog, "ease: rows", len(e.h.items)), func(w *coWorker, i int32) []neighbour {
			return easeRow(w, e.in, e.h, pm, e.p.K, e.p.KAnon, i)
		})
		if err != nil {
			return nil, err
		}
		for n, i := range e.h.items {
			rows[i] = part[n]
		}
	}
	e.addTail(rows)
	return rows, nil
}

// easeRows fits EASE with p.Lambda once, without keeping the Gram matrix.
func easeRows(ctx context.Context, in *interactions, d *Data, p Params, o TrainOptions) ([][]neighbour, error) {
	e, err := newEASEPath(ctx, in, d, p, o, false)
	if err != nil {
		return nil, err
	}
	return e.rows(ctx, p.Lambda)
}

// addTail fills the rows of items outside the head with their similarity
// rows, scaled so that the median row maximum matches the head's.
func (e *EASEPath) addTail(rows [][]neighbour) {
	if len(e.tail) == 0 {
		return
	}
	scale := medianRowMax(rows, e.h.items) / max(medianRowMax(e.sim, e.tail), 1e-12)
	for _, i := range e.tail {
		row := slices.Clone(e.sim[i])
		for n := range row {
			row[n].w *= float32(scale)
		}
		rows[i] = row
	}
}

// medianRowMax returns the median over the given non-empty rows of their
// largest weight, or 1 when there is none.
func medianRowMax(rows [][]neighbour, items []int32) float64 {
	var maxes []float64
	for _, i := range items {
		if len(rows[i]) == 0 {
			continue
		}
		m := float64(rows[i][0].w)
		for _, n := range rows[i] {
			m = max(m, float64(n.w))
		}
		maxes = append(maxes, m)
	}
	if len(maxes) == 0 {
		return 1
	}
	slices.Sort(maxes)
	return maxes[len(maxes)/2]
}

// gramFrom wraps a copy of a Gram matrix's storage for another inversion.
func gramFrom(data []float64, n int) *mat.SymDense { return mat.NewSymDense(n, data) }
