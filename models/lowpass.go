package models

import (
	"cmp"
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"

	"github.com/candorhq/candor"
)

// lowPass is GF-CF's ideal low-pass filter over the EASE head (Shen et
// al., "How Powerful is Graph Convolution for Recommendation?", CIKM
// 2021): L = D^−½ V Vᵀ D^½, where R̃ = D_U^−½ X D_I^−½ is the
// degree-normalised interaction matrix over the head (D_U and D_I the
// customers' and items' weighted degrees) and V its top rank right
// singular vectors. A score Σ_i x_i·L[i][j] is the customer's history
// projected on the rank smoothest signals of the item graph, so L is an
// item-item weight like EASE's and can be added to it: every score stays a
// sum of one part per evidence item.
type lowPass struct {
	rank int
	// u holds d_p^−½·V_p and v holds d_p^½·V_p per head position p (rank
	// values each), so that L[p][q] = u_p · v_q.
	u, v []float64
}

// weight returns L[pi][pj] for head positions pi, pj.
func (l *lowPass) weight(pi, pj int32) float64 {
	a := l.u[int(pi)*l.rank : int(pi+1)*l.rank]
	b := l.v[int(pj)*l.rank : int(pj+1)*l.rank]
	s := 0.0
	for k, x := range a {
		s += x * b[k]
	}
	return s
}

// Subspace iteration settings of newLowPass: oversampling columns and
// power iterations. With 4 iterations the filter on ml-latest-small had
// not converged (which α and rank scored best changed once it had:
// benchmarks/README.md); 12 cost little, since an iteration is one pass
// over the interactions.
const (
	lowPassOversample = 10
	lowPassIterations = 12
)

// newLowPass computes the low-pass filter of rank over the head h of in
// by randomised subspace iteration (Halko, Martinsson and Tropp 2011) on
// the sparse R̃: each iteration costs O(interactions·rank) plus a QR
// decomposition of a head × (rank + 10) matrix, never a dense head × head
// product. rank is capped at the head's size. The random start is seeded,
// so the same data always gives the same filter.
func newLowPass(in *interactions, h head, rank, workers int) (*lowPass, error) {
	n := len(h.items)
	if rank <= 0 || rank > MaxLowPassRank {
		return nil, candor.Errorf(candor.EInvalid, "low-pass rank %d: must be 1-%d", rank, MaxLowPassRank)
	}
	rank = min(rank, n)
	l := &lowPass{rank: rank, u: make([]float64, n*rank), v: make([]float64, n*rank)}
	if n == 0 {
		return l, nil
	}
	r := newNormalised(in, h)
	cols := min(rank+lowPassOversample, n)
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	q := mat.NewDense(n, cols, nil)
	for i := range n {
		for c := range cols {
			q.Set(i, c, rng.NormFloat64())
		}
	}
	q = orthonormal(q)
	for range lowPassIterations {
		q = orthonormal(r.gramTimes(q, workers))
	}
	// Rayleigh–Ritz: the eigenvectors of Qᵀ R̃ᵀR̃ Q, rotated back by Q,
	// are the leading right singular vectors of R̃.
	t := mat.NewSymDense(cols, nil)
	var qtg mat.Dense
	qtg.Mul(q.T(), r.gramTimes(q, workers))
	for i := range cols {
		for j := i; j < cols; j++ {
			t.SetSym(i, j, (qtg.At(i, j)+qtg.At(j, i))/2)
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(t, true) {
		return nil, candor.Errorf(candor.EInternal, "low-pass: the eigendecomposition failed")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	order := make([]int, cols)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(vals[b], vals[a]) })
	var v mat.Dense
	v.Mul(q, &vecs)
	for p := range n {
		su, sv := 1/math.Sqrt(r.d[p]), math.Sqrt(r.d[p])
		for k := range rank {
			x := v.At(p, order[k])
			l.u[p*rank+k] = su * x
			l.v[p*rank+k] = sv * x
		}
	}
	return l, nil
}

// orthonormal returns an orthonormal basis of a's columns (a is n × c,
// n ≥ c), by Householder QR, forming only Q's first c columns (the full Q
// would be n × n).
func orthonormal(a *mat.Dense) *mat.Dense {
	g := a.RawMatrix()
	tau := make([]float64, g.Cols)
	work := make([]float64, 1)
	lapack64.Geqrf(g, tau, work, -1)
	work = make([]float64, max(int(work[0]), g.Rows))
	lapack64.Geqrf(g, tau, work, len(work))
	lapack64.Orgqr(g, tau, work, -1)
	if int(work[0]) > len(work) {
		work = make([]float64, int(work[0]))
	}
	lapack64.Orgqr(g, tau, work, len(work))
	return a
}

// normalised is R̃ = D_U^−½ X D_I^−½ over the head, by customer, with the
// items' weighted degrees d (by head position).
type normalised struct {
	off  []int
	col  []int32
	val  []float64
	d    []float64
	head int
}

func newNormalised(in *interactions, h head) *normalised {
	n := len(h.items)
	r := &normalised{off: []int{0}, d: make([]float64, n), head: n}
	for u := range in.byUser.rows() {
		items, w := in.byUser.row(int32(u))
		for k, i := range items {
			if p := h.pos[i]; p >= 0 {
				r.d[p] += float64(w[k])
			}
		}
	}
	for u := range in.byUser.rows() {
		items, w := in.byUser.row(int32(u))
		start := len(r.col)
		du := 0.0
		for k, i := range items {
			if p := h.pos[i]; p >= 0 {
				r.col = append(r.col, p)
				r.val = append(r.val, float64(w[k]))
				du += float64(w[k])
			}
		}
		if len(r.col) == start {
			continue
		}
		for k := start; k < len(r.col); k++ {
			r.val[k] /= math.Sqrt(du * r.d[r.col[k]])
		}
		r.off = append(r.off, len(r.col))
	}
	return r
}

// gramChunks is how many parts gramTimes splits the customers into, each
// summed into a matrix of its own and the parts added in order: the filter
// is the same whatever the number of workers (a fixed count, not one per
// worker), and up to this many cores share the work.
const gramChunks = 8

// gramTimes returns R̃ᵀ R̃ q for an n × c q: the customers in gramChunks
// parts of about equal interactions, on up to workers goroutines.
func (r *normalised) gramTimes(q *mat.Dense, workers int) *mat.Dense {
	n, c := q.Dims()
	bounds := r.chunks(gramChunks)
	parts := make([]*mat.Dense, len(bounds)-1)
	var next atomic.Int64
	var wg sync.WaitGroup
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	for range min(workers, len(parts)) {
		wg.Go(func() {
			t := make([]float64, c)
			for k := int(next.Add(1) - 1); k < len(parts); k = int(next.Add(1) - 1) {
				parts[k] = mat.NewDense(n, c, nil)
				r.gramPart(q, parts[k], bounds[k], bounds[k+1], t)
			}
		})
	}
	wg.Wait()
	for _, p := range parts[1:] {
		parts[0].Add(parts[0], p)
	}
	return parts[0]
}

// chunks returns k+1 customer bounds (at most; fewer with fewer
// customers) splitting R̃'s interactions into parts of about equal size.
func (r *normalised) chunks(k int) []int {
	users, nnz := len(r.off)-1, r.off[len(r.off)-1]
	bounds := []int{0}
	for u := 1; u < users && len(bounds) < k; u++ {
		if r.off[u] >= nnz*len(bounds)/k {
			bounds = append(bounds, u)
		}
	}
	return append(bounds, users)
}

// gramPart adds R̃ᵀ R̃ q over customers [lo, hi) to out; t is scratch of
// q's width.
func (r *normalised) gramPart(q, out *mat.Dense, lo, hi int, t []float64) {
	c := len(t)
	qr, or := q.RawMatrix(), out.RawMatrix()
	for u := lo; u < hi; u++ {
		clear(t)
		from, to := r.off[u], r.off[u+1]
		for k := from; k < to; k++ {
			x, row := r.val[k], qr.Data[int(r.col[k])*qr.Stride:][:c]
			for j, y := range row {
				t[j] += x * y
			}
		}
		for k := from; k < to; k++ {
			x, row := r.val[k], or.Data[int(r.col[k])*or.Stride:][:c]
			for j, y := range t {
				row[j] += x * y
			}
		}
	}
}

// weightFunc returns the weight from head position pi to pj, the n-th of
// pi's near items (n is −1 when every head item is a neighbour).
type weightFunc func(pi, pj int32, n int) float64

// weights returns the head's weight function for r: EASE's B[i][j], plus
// r.LowPass·c·L[i][j] with r.LowPass > 0 (L the low-pass filter) and
// r.KNN·c'·S[i][j] with r.KNN > 0 (S the item similarity), where c and c'
// scale L and S so that the median over head rows of their largest
// magnitude among the weights a row may keep equals B's: a blend's weight
// means the same whatever λ or the data's scale.
func (e *EASEPath) weights(ctx context.Context, v *inverse, r Reg) (weightFunc, error) {
	ease := func(pi, pj int32, _ int) float64 { return v.weight(r.FreeDiagonal, pi, pj) }
	wt := weightFunc(ease)
	var base float64
	if r.LowPass > 0 || r.KNN > 0 {
		base = e.medianRowMax(ease)
	}
	if r.LowPass > 0 {
		rank := cmp.Or(r.LowPassRank, DefaultLowPassRank)
		if e.lp == nil || e.lp.rank != min(rank, len(e.h.items)) {
			report(e.prog, "ease: low-pass", 0, 1)
			lp, err := newLowPass(e.in, e.h, rank, e.workers)
			if err != nil {
				return nil, err
			}
			report(e.prog, "ease: low-pass", 1, 1)
			e.lp = lp
		}
		lp := e.lp
		lw := func(pi, pj int32, _ int) float64 { return lp.weight(pi, pj) }
		a := r.LowPass * base / max(e.medianRowMax(lw), 1e-300)
		prev := wt
		wt = func(pi, pj int32, n int) float64 { return prev(pi, pj, n) + a*lp.weight(pi, pj) }
	}
	if r.KNN > 0 {
		if e.p.KAnon < 0 {
			return nil, candor.Errorf(candor.EInvalid, "knn-blend: needs k-anonymity (the blend keeps the similarity of k-anonymous pairs only)")
		}
		if err := e.similarities(ctx); err != nil {
			return nil, err
		}
		sim := e.nearSim
		sw := func(pi, _ int32, n int) float64 { return float64(sim[pi][n]) }
		g := r.KNN * base / max(e.medianRowMax(sw), 1e-300)
		prev := wt
		wt = func(pi, pj int32, n int) float64 { return prev(pi, pj, n) + g*float64(sim[pi][n]) }
	}
	return wt, nil
}

// similarities fills nearSim: the path's similarity (Params.Similarity)
// of every head item towards each of its near items.
func (e *EASEPath) similarities(ctx context.Context) error {
	if e.nearSim != nil {
		return nil
	}
	d := selfWeights(e.in)
	sims := make([][]float32, len(e.h.items))
	_, err := forRows(ctx, e.in, e.h.items, e.workers, stage(e.prog, "ease: similarities", len(e.h.items)), func(w *coWorker, i int32) []neighbour {
		w.accumulate(e.in, i)
		pi := e.h.pos[i]
		row := make([]float32, len(e.near[pi]))
		for n, pj := range e.near[pi] {
			j := e.h.items[pj]
			if s := e.p.Similarity.of(w.co[j], d[i], d[j]); !math.IsInf(s, 0) && !math.IsNaN(s) {
				row[n] = float32(s)
			}
		}
		sims[pi] = row
		return nil
	})
	if err != nil {
		return err
	}
	e.nearSim = sims
	return nil
}

// medianRowMax returns the median over head rows with any weight of the
// largest |wt| among the weights row pi may keep (its near items, or
// every other head item without k-anonymity).
func (e *EASEPath) medianRowMax(wt weightFunc) float64 {
	var maxes []float64
	for pi := range e.h.items {
		m, any := 0.0, false
		offer := func(pj int32, n int) {
			if pj != int32(pi) {
				m, any = max(m, math.Abs(wt(int32(pi), pj, n))), true
			}
		}
		if e.p.KAnon < 0 {
			for pj := range e.h.items {
				offer(int32(pj), -1)
			}
		} else {
			for n, pj := range e.near[pi] {
				offer(pj, n)
			}
		}
		if any {
			maxes = append(maxes, m)
		}
	}
	if len(maxes) == 0 {
		return 1
	}
	slices.Sort(maxes)
	return maxes[len(maxes)/2]
}
