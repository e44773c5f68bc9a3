package models

import (
	"context"
	"fmt"
	"slices"

	"github.com/candorhq/candor"
)

// DefaultLambdaGrid is the grid EASE's λ is chosen from by validation.
var DefaultLambdaGrid = []float64{10, 25, 50, 100, 200, 400, 800, 1600, 3200, 6400}

// validationUsers caps how many held-out users score each λ.
const validationUsers = 5000

// chooseLambda picks EASE's λ by validation, never looking at test data:
// it splits the training data per user (75/25, seed o.Seed), fits EASE on the
// most popular ValidationItems items of the 75% for λ values of the grid,
// climbing from the middle of the grid towards better nDCG@10 on the 25% of
// the serving form (truncated to K and k-anonymous: the best λ for the
// masked weights is larger than for the raw ones), and
// returns the best λ scaled by the ratio of full to validation-fit
// interactions (the Gram matrix grows with the data, so the same amount of
// shrinkage needs a proportionally larger λ).
func chooseLambda(ctx context.Context, d *Data, p Params, o TrainOptions, wt weighting) (float64, string, error) {
	grid := slices.Clone(o.LambdaGrid)
	if len(grid) == 0 {
		grid = slices.Clone(DefaultLambdaGrid)
	}
	slices.Sort(grid)
	seed := o.Seed
	if seed == 0 {
		seed = 1
	}
	train, held, err := Split(d, 0.25, ByUser, seed)
	if err != nil {
		return 0, "", err
	}
	in := newInteractions(d.Subset(train), wt)
	h := chooseHead(in, min(p.TopN, orDefault(o.ValidationItems, DefaultValidation)), p.MinSupport)
	if len(h.items) < 2 || len(held) == 0 {
		return grid[len(grid)/2], "default (too little data to validate)", nil
	}
	v := &validation{in: in, h: h, g: gram(in, h).RawSymmetric().Data, rel: relevantByUser(held), p: p, workers: o.Workers}
	score := map[float64]float64{}
	eval := func(i int) (float64, error) {
		if s, ok := score[grid[i]]; ok {
			return s, nil
		}
		report(o.Progress, "ease: choose lambda", len(score), len(grid))
		s, err := v.ndcg(ctx, grid[i])
		score[grid[i]] = s
		return s, err
	}
	best, err := climb(len(grid), eval)
	if err != nil {
		return 0, "", err
	}
	scale := float64(len(d.Rows)) / float64(len(train))
	note := fmt.Sprintf("validation nDCG@10 %.4f at λ=%g on %d items, scaled ×%.3f", score[grid[best]], grid[best], len(h.items), scale)
	return grid[best] * scale, note, nil
}

// climb returns the index of a local maximum of f over 0..n-1, starting in
// the middle and moving while a neighbour is better.
func climb(n int, f func(int) (float64, error)) (int, error) {
	at := n / 2
	cur, err := f(at)
	if err != nil {
		return 0, err
	}
	for {
		next, nextScore := at, cur
		for _, c := range []int{at - 1, at + 1} {
			if c < 0 || c >= n {
				continue
			}
			s, err := f(c)
			if err != nil {
				return 0, err
			}
			if s > nextScore {
				next, nextScore = c, s
			}
		}
		if next == at {
			return at, nil
		}
		at, cur = next, nextScore
	}
}

// validation scores EASE fits on held-out ratings.
type validation struct {
	in      *interactions
	h       head
	g       []float64 // the Gram matrix, kept to refit per λ
	rel     map[int32]map[int32]bool
	p       Params
	workers int
}

// ndcg fits EASE with λ, builds its serving form (truncated to K,
// k-anonymous), and returns the mean nDCG@10 over up to validationUsers
// held-out users, scored exactly as requests are.
func (v *validation) ndcg(ctx context.Context, lambda float64) (float64, error) {
	n := len(v.h.items)
	g := gramFrom(slices.Clone(v.g), n)
	if err := invertInPlace(g, lambda); err != nil {
		return 0, err
	}
	pm := g.RawSymmetric().Data
	part, err := forRows(ctx, v.in, v.h.items, v.workers, nil, func(w *coWorker, i int32) []neighbour {
		return easeRow(w, v.in, v.h, pm, v.p.K, v.p.KAnon, i)
	})
	if err != nil {
		return 0, err
	}
	rows := make([][]neighbour, v.in.byItem.rows())
	for k, i := range v.h.items {
		rows[i] = part[k]
	}
	m := newModel(KindEASE, Params{}, make([]string, len(rows)), nil, make([]float32, len(rows)), rows)
	return v.score(ctx, m)
}

// score returns m's mean nDCG@10 on the held-out users.
func (v *validation) score(ctx context.Context, m *Model) (float64, error) {
	s := AcquireScorer()
	defer s.Release()
	var hist []Evidence
	var top []Candidate
	var rec []int32
	var sum float64
	users := 0
	for u := range v.in.byUser.rows() {
		rel := v.rel[int32(u)]
		if len(rel) == 0 || users == validationUsers {
			continue
		}
		if err := ctx.Err(); err != nil {
			return 0, candor.Wrap("models.chooseLambda", err)
		}
		items, w := v.in.byUser.row(int32(u))
		hist = hist[:0]
		for k, i := range items {
			hist = append(hist, Evidence{Item: i, Weight: float64(w[k])})
		}
		m.Score(hist, s)
		top = s.Top(top[:0], 10, true, nil)
		rec = rec[:0]
		for _, c := range top {
			rec = append(rec, c.Item)
		}
		users++
		sum += NDCGAtK(rec, rel, 10)
	}
	if users == 0 {
		return 0, nil
	}
	return sum / float64(users), nil
}

// relevantByUser returns each user's set of held-out items.
func relevantByUser(rows []Row) map[int32]map[int32]bool {
	rel := map[int32]map[int32]bool{}
	for _, r := range rows {
		if rel[r.User] == nil {
			rel[r.User] = map[int32]bool{}
		}
		rel[r.User][r.Item] = true
	}
	return rel
}
