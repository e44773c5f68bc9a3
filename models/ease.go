package models

import (
	"cmp"
	"context"
	"fmt"
	"math"
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
// the interaction weights, each customer's row scaled by |u|^(−userNorm/2)
// so that a customer with |u| items adds |u|^−userNorm per pair: with
// userNorm > 0 the longest histories no longer dominate the co-occurrences.
// With a sequence share, each pair also weighs by how far apart in the
// customer's history its two items are (see TrainOptions.Sequence).
func gram(in *interactions, h head, userNorm float64, seq seqKernel) *mat.SymDense {
	n := len(h.items)
	g := mat.NewSymDense(max(n, 1), nil)
	raw := g.RawSymmetric()
	var us []userItem
	for u := range in.byUser.rows() {
		us = us[:0]
		items, w := in.byUser.row(int32(u))
		rank := in.rank[in.byUser.off[u]:]
		un := 1.0
		if userNorm != 0 && len(items) > 0 {
			un = math.Pow(float64(len(items)), -userNorm/2)
		}
		for k, i := range items {
			if p := h.pos[i]; p >= 0 {
				us = append(us, userItem{p: p, rank: rank[k], w: float64(w[k]) * un})
			}
		}
		seq.userPairs(raw.Data, raw.Stride, us)
	}
	return g
}

// invertInPlace replaces the symmetric positive definite g + Λ by its
// inverse P, both triangles filled, using gonum's Cholesky (Potrf, Potri),
// and returns Λ's diagonal. Λ = λI + p/(1−p)·diag(g): EASE's L2 penalty
// plus, with dropout p > 0, the dropout emphasis of Steck's DLAE and
// EDLAE (NeurIPS 2020), which penalises each item's weights in proportion
// to its own weight in XᵀX.
func invertInPlace(g *mat.SymDense, lambda, dropout float64) ([]float64, error) {
	raw := g.RawSymmetric()
	emph := dropout / (1 - dropout)
	reg := make([]float64, raw.N)
	for i := range raw.N {
		reg[i] = lambda + emph*raw.Data[i*raw.Stride+i]
		raw.Data[i*raw.Stride+i] += reg[i]
	}
	t, ok := lapack64.Potrf(raw)
	if !ok {
		return nil, candor.Errorf(candor.EInvalid, "EASE: XᵀX + %g·I is not positive definite; use a larger lambda", lambda)
	}
	if _, ok := lapack64.Potri(t); !ok {
		return nil, candor.Errorf(candor.EInternal, "EASE: the Cholesky inverse failed")
	}
	if raw.Uplo != blas.Upper {
		panic("models: gram must be upper")
	}
	for i := range raw.N {
		for j := i + 1; j < raw.N; j++ {
			raw.Data[j*raw.Stride+i] = raw.Data[i*raw.Stride+j]
		}
	}
	return reg, nil
}

// inverse is P = (XᵀX + Λ)⁻¹ for one λ and dropout, and Λ's diagonal.
type inverse struct {
	lambda, dropout float64
	p, reg          []float64
	n               int
}

// weight returns the serving weight B[i][j] for head positions i ≠ j:
// −P[i][j] / P[j][j] under EASE's zero-diagonal constraint (EASE, EDLAE),
// or −P[i][j]·Λ[j][j] without it (DLAE: B = I − PΛ, whose diagonal, an
// item's weight towards itself, is never used because an item already
// interacted with is never shown).
func (v *inverse) weight(free bool, i, j int32) float64 {
	if free {
		return -v.p[int(i)*v.n+int(j)] * v.reg[j]
	}
	return -v.p[int(i)*v.n+int(j)] / v.p[int(j)*v.n+int(j)]
}

// easeRow returns the serving row of head item i (head position pi): its
// top k weights wt(pi, pj, n) towards the head items near it (every other
// head item when all is set, the untruncated, unprotected reference). Each
// weight towards j is multiplied by scale[j] (the popularity
// normalisation) before the top k are chosen.
func easeRow(top *topK, h head, wt weightFunc, all bool, near []int32, scale []float64, k int, pi int32) []neighbour {
	i := h.items[pi]
	top.reset(k)
	if all {
		for pj, j := range h.items {
			if j != i {
				top.offer(neighbour{item: j, w: float32(wt(pi, int32(pj), -1) * scale[j])})
			}
		}
		return top.row()
	}
	for n, pj := range near {
		j := h.items[pj]
		top.offer(neighbour{item: j, w: float32(wt(pi, pj, n) * scale[j])})
	}
	return top.row()
}

// headNear returns the head positions of the items that share at least
// kanon users with head item i: the only EASE weights a k-anonymous row
// may keep. They do not depend on λ, so a path finds them once.
func headNear(w *coWorker, in *interactions, h head, kanon int, i int32) []int32 {
	w.accumulate(in, i)
	var near []int32
	for _, j := range w.touched {
		if pj := h.pos[j]; pj >= 0 && j != i && int(w.cnt[j]) >= kanon {
			near = append(near, pj)
		}
	}
	return near
}

// popScale returns per item (users / the median item's users)^−power, the
// popularity normalisation of the weights towards it (1 for every item
// when power is 0).
func popScale(in *interactions, power float64) []float64 {
	n := in.byItem.rows()
	scale := make([]float64, n)
	users := make([]float64, 0, n)
	for i := range n {
		if u := in.byItem.off[i+1] - in.byItem.off[i]; u > 0 {
			users = append(users, float64(u))
		}
	}
	slices.Sort(users)
	median := 1.0
	if len(users) > 0 {
		median = users[len(users)/2]
	}
	for i := range scale {
		u := float64(in.byItem.off[i+1] - in.byItem.off[i])
		scale[i] = 1
		if power != 0 && u > 0 {
			scale[i] = math.Pow(u/median, -power)
		}
	}
	return scale
}

// EASEPath fits EASE on one training set for one λ or several: the head,
// its Gram matrix and the tail's similarity rows are computed once.
// Validation (evaluation.Fit) fits a grid of λ on one path; Train fits one.
type EASEPath struct {
	d    *Data
	in   *interactions
	p    Params
	h    head
	g    []float64 // XᵀX over the head, kept for the next λ when keep
	keep bool
	tail []int32
	sim  [][]neighbour // the tail's similarity rows, by item number
	// near holds per head position the head positions sharing at least
	// KAnon users with it (none with KAnon < 0, where every head item is
	// a neighbour).
	near    [][]int32
	workers int
	prog    func(string, int, int)
	inv     *inverse // the last inverse, for fits that differ only after it
	lp      *lowPass // the last low-pass filter (see Reg.LowPass)
	// nearSim holds per head position the item similarity towards each
	// of its near items, computed on the first fit that blends it in
	// (see Reg.KNN).
	nearSim [][]float32
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
	e.g = gram(in, e.h, p.UserNorm, newSeqKernel(p.Sequence, p.SequenceWindow)).RawSymmetric().Data
	for i, pos := range e.h.pos {
		if pos < 0 && in.byItem.off[i+1] > in.byItem.off[i] {
			e.tail = append(e.tail, int32(i))
		}
	}
	if err := e.neighbours(ctx); err != nil {
		return nil, err
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

// neighbours fills near (see headNear).
func (e *EASEPath) neighbours(ctx context.Context) error {
	e.near = make([][]int32, len(e.h.items))
	if e.p.KAnon < 0 || len(e.h.items) == 0 {
		return nil
	}
	kanon := max(e.p.KAnon, 1)
	_, err := forRows(ctx, e.in, e.h.items, e.workers, stage(e.prog, "ease: neighbours", len(e.h.items)), func(w *coWorker, i int32) []neighbour {
		e.near[e.h.pos[i]] = headNear(w, e.in, e.h, kanon, i)
		return nil
	})
	return err
}

// Regram returns a path over the same data with the Gram matrix of another
// user normalisation and sequence kernel (Reg's UserNorm, Sequence and
// SequenceWindow; the rest of r is ignored). What does not depend on the
// Gram matrix (the head, its k-anonymous neighbours, the tail's rows, the
// low-pass filter, the blended similarity) is shared with e, not
// computed again: validation tries these values at the cost of a Gram
// matrix each.
func (e *EASEPath) Regram(r Reg) (*EASEPath, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	n := *e
	n.p.UserNorm = r.UserNorm
	n.p.Sequence, n.p.SequenceWindow = sequenceOf(r.Sequence, r.SequenceWindow)
	n.inv = nil
	n.g = gram(e.in, e.h, n.p.UserNorm, newSeqKernel(n.p.Sequence, n.p.SequenceWindow)).RawSymmetric().Data
	return &n, nil
}

// HeadItems returns how many items EASE is fitted on.
func (e *EASEPath) HeadItems() int { return len(e.h.items) }

// Interactions returns the number of distinct (user, item) pairs fitted.
func (e *EASEPath) Interactions() int { return e.in.pairs }

// Reg is what distinguishes EASE fits on one path (one Gram matrix).
type Reg struct {
	Lambda       float64 // L2 penalty λ
	Dropout      float64 // dropout emphasis p (see TrainOptions.Dropout)
	FreeDiagonal bool    // DLAE's closed form instead of the zero-diagonal constraint (see TrainOptions.FreeDiagonal)
	PopPower     float64 // popularity normalisation (see TrainOptions.PopPower)
	// UserNorm is the path's (see TrainOptions.UserNorm): a path is one
	// Gram matrix, so Fit refuses another value.
	UserNorm float64
	// Sequence and SequenceWindow are the path's too (see
	// TrainOptions.Sequence).
	Sequence       float64
	SequenceWindow float64
	// LowPass and LowPassRank blend GF-CF's ideal low-pass filter into
	// the weights (see TrainOptions.LowPass).
	LowPass     float64
	LowPassRank int
	// KNN blends item-kNN's similarity into the weights (see
	// TrainOptions.KNN).
	KNN float64
}

// GramName names the Gram matrix r is fitted on (its user normalisation
// and sequence kernel): Regs with the same name fit on one path.
func (r Reg) GramName() string {
	s, w := sequenceOf(r.Sequence, r.SequenceWindow)
	return fmt.Sprintf("user-norm %g, sequence %g, window %g", r.UserNorm, s, w)
}

// Validate checks r's ranges; errors are EInvalid and name the value as
// its flag does (dropout, user-norm, pop-power).
func (r Reg) Validate() error {
	switch {
	case r.Lambda < 0:
		return candor.Errorf(candor.EInvalid, "lambda %g: must not be negative", r.Lambda)
	case r.Dropout < 0 || r.Dropout > MaxDropout:
		return candor.Errorf(candor.EInvalid, "dropout %g: must be between 0 and %g", r.Dropout, MaxDropout)
	case r.UserNorm < 0 || r.UserNorm > MaxUserNorm:
		return candor.Errorf(candor.EInvalid, "user-norm %g: must be between 0 and %g", r.UserNorm, MaxUserNorm)
	case r.PopPower < -MaxPopPower || r.PopPower > MaxPopPower:
		return candor.Errorf(candor.EInvalid, "pop-power %g: must be between %g and %g", r.PopPower, -MaxPopPower, MaxPopPower)
	case math.IsNaN(r.Sequence) || r.Sequence < 0 || r.Sequence > 1:
		return candor.Errorf(candor.EInvalid, "sequence %g: must be between 0 and 1", r.Sequence)
	case math.IsNaN(r.SequenceWindow) || r.SequenceWindow < 0 || r.SequenceWindow > MaxSequenceWindow:
		return candor.Errorf(candor.EInvalid, "sequence-window %g: must be between 0 (the default, %d) and %d", r.SequenceWindow, DefaultSequenceWindow, MaxSequenceWindow)
	case r.LowPass < 0 || r.LowPass > MaxLowPass:
		return candor.Errorf(candor.EInvalid, "low-pass %g: must be between 0 and %g", r.LowPass, MaxLowPass)
	case r.KNN < 0 || r.KNN > MaxKNN:
		return candor.Errorf(candor.EInvalid, "knn-blend %g: must be between 0 and %g", r.KNN, MaxKNN)
	case r.LowPassRank < 0 || r.LowPassRank > MaxLowPassRank:
		return candor.Errorf(candor.EInvalid, "low-pass-rank %d: must be between 0 and %d", r.LowPassRank, MaxLowPassRank)
	}
	return nil
}

// Fit returns the EASE model for r, with the path's items and popularity.
func (e *EASEPath) Fit(ctx context.Context, r Reg) (*Model, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if own := (Reg{UserNorm: e.p.UserNorm, Sequence: e.p.Sequence, SequenceWindow: e.p.SequenceWindow}).GramName(); r.GramName() != own {
		return nil, candor.Errorf(candor.EInvalid, "EASE: this path's Gram matrix is %s, not %s", own, r.GramName())
	}
	rows, err := e.rows(ctx, r)
	if err != nil {
		return nil, err
	}
	p := e.p
	p.Lambda, p.Dropout, p.FreeDiagonal, p.PopPower, p.LowPass, p.LowPassRank, p.KNN = r.Lambda, r.Dropout, r.FreeDiagonal, r.PopPower, r.LowPass, r.LowPassRank, r.KNN
	return assemble(KindEASE, p, e.d, e.in, rows), nil
}

// rows returns the serving rows for r: EASE for head items, similarity
// (rescaled to EASE's scale) for tail items that have users.
func (e *EASEPath) rows(ctx context.Context, r Reg) ([][]neighbour, error) {
	rows := make([][]neighbour, e.in.byItem.rows())
	scale := popScale(e.in, r.PopPower)
	if len(e.h.items) > 0 {
		v, err := e.inverse(ctx, r)
		if err != nil {
			return nil, err
		}
		wt, err := e.weights(ctx, v, r)
		if err != nil {
			return nil, err
		}
		all := e.p.KAnon < 0
		part, err := forRows(ctx, e.in, e.h.items, e.workers, stage(e.prog, "ease: rows", len(e.h.items)), func(w *coWorker, i int32) []neighbour {
			pi := e.h.pos[i]
			return easeRow(&w.top, e.h, wt, all, e.near[pi], scale, e.p.K, pi)
		})
		if err != nil {
			return nil, err
		}
		for n, i := range e.h.items {
			rows[i] = part[n]
		}
	}
	e.addTail(rows, scale)
	return rows, nil
}

// invert is invertInPlace; a test replaces it with one that does not end.
var invert = invertInPlace

// inverse returns P for r's λ and dropout, reusing the path's last one
// when only the diagonal or the popularity power changed. LAPACK cannot be
// interrupted: when ctx ends first, inverse returns ctx's error at once and
// leaves the inversion to finish in the background, unused, so a SIGTERM
// stops a training of thousands of items in the head without waiting
// minutes.
func (e *EASEPath) inverse(ctx context.Context, r Reg) (*inverse, error) {
	if v := e.inv; v != nil && v.lambda == r.Lambda && v.dropout == r.Dropout {
		return v, nil
	}
	data := e.g
	if e.keep {
		data = slices.Clone(e.g)
	}
	g := gramFrom(data, len(e.h.items))
	report(e.prog, "ease: inverse", 0, 1)
	type result struct {
		reg []float64
		err error
	}
	done, inv := make(chan result, 1), invert
	go func() {
		reg, err := inv(g, r.Lambda, r.Dropout)
		done <- result{reg, err}
	}()
	var res result
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case res = <-done:
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	reg, err := res.reg, res.err
	if err != nil {
		return nil, err
	}
	report(e.prog, "ease: inverse", 1, 1)
	v := &inverse{lambda: r.Lambda, dropout: r.Dropout, p: g.RawSymmetric().Data, reg: reg, n: len(e.h.items)}
	if e.keep {
		e.inv = v
	}
	return v, nil
}

// easeRows fits EASE with p's regularisation once, without keeping the
// Gram matrix.
func easeRows(ctx context.Context, in *interactions, d *Data, p Params, o TrainOptions) ([][]neighbour, error) {
	e, err := newEASEPath(ctx, in, d, p, o, false)
	if err != nil {
		return nil, err
	}
	return e.rows(ctx, Reg{Lambda: p.Lambda, Dropout: p.Dropout, FreeDiagonal: p.FreeDiagonal, PopPower: p.PopPower, UserNorm: p.UserNorm,
		Sequence: p.Sequence, SequenceWindow: p.SequenceWindow,
		LowPass: p.LowPass, LowPassRank: p.LowPassRank, KNN: p.KNN})
}

// addTail fills the rows of items outside the head with their similarity
// rows, scaled so that the median row maximum matches the head's, and each
// weight towards j by pop[j] (the popularity normalisation, applied after
// the similarity's own top K). Head rows keep EASE's weights alone: giving
// them their similarity neighbours outside the head too, on the same
// scale, lowered hold-out nDCG@10 at 100,000 items from 0.058 to 0.037 and
// coverage from 0.123 to 0.107 (benchmarks/README.md, "Training at
// scale").
func (e *EASEPath) addTail(rows [][]neighbour, pop []float64) {
	if len(e.tail) == 0 {
		return
	}
	scale := medianRowMax(rows, e.h.items) / max(medianRowMax(e.sim, e.tail), 1e-12)
	for _, i := range e.tail {
		row := slices.Clone(e.sim[i])
		for n := range row {
			row[n].w = float32(float64(row[n].w) * scale * pop[row[n].item])
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
