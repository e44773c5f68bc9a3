package evaluation

import "math"

// The ranking metrics below follow the Microsoft Recommenders definitions
// (python_evaluation) with every held-out item relevant: rec is one user's
// recommendation list, best first; rel the set of their held-out items.
// Lists longer than k are cut at k. A user with no relevant item scores 0.

// hitsAtK returns, for the top k of rec, whether each is relevant.
func hitsAtK[T comparable](rec []T, rel map[T]bool, k int) []bool {
	rec = rec[:min(len(rec), k)]
	hits := make([]bool, len(rec))
	for r, j := range rec {
		hits[r] = rel[j]
	}
	return hits
}

// PrecisionAtK returns the share of the k slots filled with relevant items
// (a list shorter than k still divides by k).
func PrecisionAtK[T comparable](rec []T, rel map[T]bool, k int) float64 {
	if k <= 0 {
		return 0
	}
	return float64(count(hitsAtK(rec, rel, k))) / float64(k)
}

// RecallAtK returns the share of relevant items found in the top k.
func RecallAtK[T comparable](rec []T, rel map[T]bool, k int) float64 {
	if len(rel) == 0 {
		return 0
	}
	return float64(count(hitsAtK(rec, rel, k))) / float64(len(rel))
}

// NDCGAtK returns the binary-relevance nDCG of the top k: DCG = Σ over hits
// at rank r (1-based) of 1/log2(r+1), divided by the DCG of an ideal list
// with min(|rel|, k) hits.
func NDCGAtK[T comparable](rec []T, rel map[T]bool, k int) float64 {
	var dcg, ideal float64
	for r, hit := range hitsAtK(rec, rel, k) {
		if hit {
			dcg += 1 / math.Log2(float64(r+2))
		}
	}
	for r := range min(len(rel), k) {
		ideal += 1 / math.Log2(float64(r+2))
	}
	if ideal == 0 {
		return 0
	}
	return dcg / ideal
}

// APAtK returns the average precision of the top k as MS Recommenders'
// map_at_k computes it: Σ over hits at rank r of (hits up to r)/r, divided by
// the number of relevant items (not by min(|rel|, k)).
func APAtK[T comparable](rec []T, rel map[T]bool, k int) float64 {
	if len(rel) == 0 {
		return 0
	}
	var sum float64
	n := 0
	for r, hit := range hitsAtK(rec, rel, k) {
		if hit {
			n++
			sum += float64(n) / float64(r+1)
		}
	}
	return sum / float64(len(rel))
}

func count(hits []bool) int {
	n := 0
	for _, h := range hits {
		if h {
			n++
		}
	}
	return n
}
