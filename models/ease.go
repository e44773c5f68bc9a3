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

// fitEASE fits EASE on the head and returns P = (XᵀX + λI)⁻¹.
func fitEASE(in *interactions, h head, lambda float64) ([]float64, error) {
	if len(h.items) == 0 {
		return nil, nil
	}
	g := gram(in, h)
	if err := invertInPlace(g, lambda); err != nil {
		return nil, err
	}
	return g.RawSymmetric().Data, nil
}

// easeRows fits EASE with p.Lambda on the head chosen by p.TopN and k-anonymity,
// and returns the serving rows: EASE for head items, similarity (rescaled to
// EASE's scale) for tail items that have users but are not in the head.
func easeRows(ctx context.Context, in *interactions, p Params, workers int, progress func(string, int, int)) ([][]neighbour, error) {
	h := chooseHead(in, p.TopN, p.MinSupport)
	report(progress, "ease: inverse", 0, 1)
	pm, err := fitEASE(in, h, p.Lambda)
	if err != nil {
		return nil, err
	}
	report(progress, "ease: inverse", 1, 1)
	part, err := forRows(ctx, in, h.items, workers, stage(progress, "ease: rows", len(h.items)), func(w *coWorker, i int32) []neighbour {
		return easeRow(w, in, h, pm, p.K, p.KAnon, i)
	})
	if err != nil {
		return nil, err
	}
	rows := make([][]neighbour, in.byItem.rows())
	for n, i := range h.items {
		rows[i] = part[n]
	}
	return rows, addTail(ctx, in, h, rows, p, workers)
}

// addTail fills the rows of items outside the head with item similarity,
// scaled so that the median row maximum matches the head's.
func addTail(ctx context.Context, in *interactions, h head, rows [][]neighbour, p Params, workers int) error {
	var tail []int32
	for i, pos := range h.pos {
		if pos < 0 && in.byItem.off[i+1] > in.byItem.off[i] {
			tail = append(tail, int32(i))
		}
	}
	if len(tail) == 0 {
		return nil
	}
	sim, err := similarityRows(ctx, in, tail, p, workers, nil)
	if err != nil {
		return err
	}
	scale := medianRowMax(rows, h.items) / max(medianRowMax(sim, tail), 1e-12)
	for _, i := range tail {
		for n := range sim[i] {
			sim[i][n].w *= float32(scale)
		}
		rows[i] = sim[i]
	}
	return nil
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
