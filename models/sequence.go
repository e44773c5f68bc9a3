package models

import (
	"math"
	"slices"
)

// seqKernel is the sequence weighting of EASE's XᵀX (see
// TrainOptions.Sequence): a pair of one customer's items d places apart in
// their history weighs (1 − share) + share·e^(−d/window).
type seqKernel struct {
	share float64
	// near holds share·e^(−d/window) for d = 0, 1, … while it is at least
	// seqNegligible; farther pairs weigh 1 − share.
	near []float64
}

// seqNegligible is the kernel's value beyond which a pair's sequence
// weight is taken as 0: with share 1 such pairs are skipped, which is what
// keeps the Gram matrix's cost to the window, not the history's length,
// squared.
const seqNegligible = 1e-6

// sequenceOf returns a sequence share and window as a model records them:
// the default window for a share without one, no window without a share.
func sequenceOf(share, window float64) (float64, float64) {
	switch {
	case share == 0:
		return 0, 0
	case window == 0:
		return share, DefaultSequenceWindow
	}
	return share, window
}

func newSeqKernel(share, window float64) seqKernel {
	k := seqKernel{share: share}
	if share == 0 {
		return k
	}
	if window <= 0 {
		window = DefaultSequenceWindow
	}
	for d := 0; ; d++ {
		x := math.Exp(-float64(d) / window)
		if x < seqNegligible {
			break
		}
		k.near = append(k.near, share*x)
	}
	return k
}

// of returns the weight of a pair d ≥ 0 places apart.
func (k seqKernel) of(d int32) float64 {
	if int(d) < len(k.near) {
		return 1 - k.share + k.near[d]
	}
	return 1 - k.share
}

// onlyNear reports whether pairs beyond the kernel's reach weigh nothing.
func (k seqKernel) onlyNear() bool { return k.share == 1 }

// userPairs adds one customer's pairs to raw (upper triangle, stride n):
// ps are the head positions of their items, ws the items' weights and
// ranks their places in the history. Without a sequence share, the pairs
// are plain products, in item order, as XᵀX has always been summed.
func (k seqKernel) userPairs(data []float64, stride int, ps []int32, ws []float64, ranks []int32) {
	if k.share > 0 {
		sortByRank(ps, ws, ranks)
	}
	for a, pa := range ps {
		row := data[int(pa)*stride:]
		for b := a; b < len(ps); b++ {
			x := ws[a] * ws[b]
			if k.share > 0 {
				d := ranks[b] - ranks[a]
				if k.onlyNear() && int(d) >= len(k.near) {
					break
				}
				x *= k.of(d)
			}
			if pb := ps[b]; pb >= pa {
				row[pb] += x
			} else {
				data[int(pb)*stride+int(pa)] += x
			}
		}
	}
}

// sortByRank sorts the three aligned slices by rank.
func sortByRank(ps []int32, ws []float64, ranks []int32) {
	type entry struct {
		p, r int32
		w    float64
	}
	es := make([]entry, len(ps))
	for i := range ps {
		es[i] = entry{ps[i], ranks[i], ws[i]}
	}
	slices.SortFunc(es, func(a, b entry) int { return int(a.r - b.r) })
	for i, e := range es {
		ps[i], ranks[i], ws[i] = e.p, e.r, e.w
	}
}
