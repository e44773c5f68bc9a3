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

// userItem is one of a customer's head items in XᵀX: its head position,
// its place in the customer's history and its weight.
type userItem struct {
	p, rank int32
	w       float64
}

// userPairs adds one customer's pairs to data (upper triangle, given
// stride). Without a sequence share, the pairs are plain products, in
// item order, as XᵀX has always been summed; with one, items are sorted
// by their place, so that with share 1 a row stops at the kernel's reach.
func (k seqKernel) userPairs(data []float64, stride int, items []userItem) {
	if k.share > 0 {
		slices.SortFunc(items, func(a, b userItem) int { return int(a.rank - b.rank) })
	}
	for a, ia := range items {
		row := data[int(ia.p)*stride:]
		for _, ib := range items[a:] {
			x := ia.w * ib.w
			if k.share > 0 {
				d := ib.rank - ia.rank
				if k.onlyNear() && int(d) >= len(k.near) {
					break
				}
				x *= k.of(d)
			}
			if ib.p >= ia.p {
				row[ib.p] += x
			} else {
				data[int(ib.p)*stride+int(ia.p)] += x
			}
		}
	}
}
