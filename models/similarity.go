package models

import (
	"context"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/candorhq/candor"
)

// Similarity names an item-to-item similarity computed from co-occurrence.
// With recency weights w(u,i), c(i,j) = Σ_u w(u,i)·w(u,j) and d(i) = c(i,i);
// without decay these are plain co-occurrence counts.
type Similarity string

// Similarities.
const (
	Jaccard      Similarity = "jaccard"      // c(i,j) / (d(i) + d(j) − c(i,j))
	Lift         Similarity = "lift"         // c(i,j) / (d(i)·d(j))
	Cosine       Similarity = "cosine"       // c(i,j) / √(d(i)·d(j))
	Cooccurrence Similarity = "cooccurrence" // c(i,j)
)

// Valid reports whether s is a known similarity.
func (s Similarity) Valid() bool {
	switch s {
	case Jaccard, Lift, Cosine, Cooccurrence:
		return true
	}
	return false
}

// of returns the similarity of two items from their co-occurrence c and
// self-co-occurrences di, dj.
func (s Similarity) of(c, di, dj float64) float64 {
	switch s {
	case Lift:
		return c / (di * dj)
	case Cosine:
		return c / math.Sqrt(di*dj)
	case Cooccurrence:
		return c
	}
	return c / (di + dj - c)
}

// coWorker holds one worker's dense per-item accumulators, reset per row via
// its touched list, so a row costs Σ over the row item's users of their
// history length, never the catalog size.
type coWorker struct {
	mark    []int32 // row+1 that last touched j
	cnt     []int32 // distinct users who have both the row item and j
	co      []float64
	touched []int32
	top     topK
}

func newCoWorker(nItems int) *coWorker {
	return &coWorker{mark: make([]int32, nItems), cnt: make([]int32, nItems), co: make([]float64, nItems)}
}

// accumulate computes row i's co-occurrence counts and weights with every
// item sharing a user with it.
func (w *coWorker) accumulate(in *interactions, i int32) {
	w.touched = w.touched[:0]
	users, wu := in.byItem.row(i)
	for k, u := range users {
		wi := float64(wu[k])
		items, wj := in.byUser.row(u)
		for n, j := range items {
			if w.mark[j] != i+1 {
				w.mark[j] = i + 1
				w.cnt[j], w.co[j] = 0, 0
				w.touched = append(w.touched, j)
			}
			w.cnt[j]++
			w.co[j] += wi * float64(wj[n])
		}
	}
}

// selfWeights returns d(i) = Σ_u w(u,i)² for every item.
func selfWeights(in *interactions) []float64 {
	d := make([]float64, in.byItem.rows())
	for i := range d {
		_, w := in.byItem.row(int32(i))
		for _, x := range w {
			d[i] += float64(x) * float64(x)
		}
	}
	return d
}

// forRows calls fn for every row in rows on up to workers goroutines, each
// with its own coWorker, and stores fn's result at the row's position.
// progress, if set, is called with the number of rows done so far, never
// concurrently.
func forRows(ctx context.Context, in *interactions, rows []int32, workers int, progress func(int), fn func(w *coWorker, i int32) []neighbour) ([][]neighbour, error) {
	out := make([][]neighbour, len(rows))
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var next, done atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex // serialises progress
	for range min(workers, max(len(rows), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newCoWorker(in.byItem.rows())
			for {
				n := next.Add(1) - 1
				if n >= int64(len(rows)) || ctx.Err() != nil {
					return
				}
				out[n] = fn(w, rows[n])
				if d := done.Add(1); progress != nil && d%256 == 0 {
					mu.Lock()
					progress(int(d))
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, candor.Wrap("models.forRows", err)
	}
	if progress != nil {
		progress(len(rows))
	}
	return out, nil
}

// similarityRow returns row i of the item-similarity matrix: its top k
// neighbours among items co-occurring with it in at least kanon distinct
// users' histories.
func similarityRow(w *coWorker, in *interactions, d []float64, sim Similarity, k, kanon int, i int32) []neighbour {
	w.accumulate(in, i)
	w.top.reset(k)
	for _, j := range w.touched {
		if j == i || int(w.cnt[j]) < kanon {
			continue
		}
		if s := sim.of(w.co[j], d[i], d[j]); s > 0 && !math.IsInf(s, 0) && !math.IsNaN(s) {
			w.top.offer(neighbour{item: j, w: float32(s)})
		}
	}
	return w.top.row()
}

// similarityRows computes the similarity rows of the given items; the other
// rows stay empty.
func similarityRows(ctx context.Context, in *interactions, rows []int32, p Params, workers int, progress func(int)) ([][]neighbour, error) {
	if !p.Similarity.Valid() {
		return nil, candor.Errorf(candor.EInvalid, "unknown similarity %q: use jaccard, lift, cosine or cooccurrence", p.Similarity)
	}
	d := selfWeights(in)
	kanon := max(p.KAnon, 1) // a pair must co-occur at least once to have a similarity
	part, err := forRows(ctx, in, rows, workers, progress, func(w *coWorker, i int32) []neighbour {
		return similarityRow(w, in, d, p.Similarity, p.K, kanon, i)
	})
	if err != nil {
		return nil, err
	}
	all := make([][]neighbour, in.byItem.rows())
	for n, i := range rows {
		all[i] = part[n]
	}
	return all, nil
}

// allItems returns 0..n-1.
func allItems(n int) []int32 {
	rows := make([]int32, n)
	for i := range rows {
		rows[i] = int32(i)
	}
	return rows
}
