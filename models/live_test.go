package models

import (
	"sync"
	"testing"
)

// TestLiveSwapUnderConcurrentScoring is meant for -race: readers score with
// whatever model they loaded while a writer swaps models.
func TestLiveSwapUnderConcurrentScoring(t *testing.T) {
	a := train(t, randomData(t, 200, 50, 8, 1), TrainOptions{Kind: KindItemKNN})
	b := train(t, randomData(t, 300, 80, 8, 2), TrainOptions{Kind: KindEASE, Lambda: 10})
	var live Live
	if live.Load() != nil {
		t.Fatal("a zero Live holds a model")
	}
	live.Swap(a)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			live.Swap([]*Model{a, b}[n%2])
		}
	}()
	var readers sync.WaitGroup
	for r := range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for n := range 300 {
				m := live.Load()
				s := AcquireScorer()
				h := []Evidence{{Item: int32((n + r) % 40), Weight: 1}, {Item: int32(n % 7), Weight: 0.5}}
				m.Score(h, s)
				for _, c := range s.Top(nil, 5, true, nil) {
					var sum float64
					for _, x := range s.Contributions(nil, c.Item) {
						sum += x.Value
					}
					if sum+s.Bias(c.Item) != c.Score {
						t.Errorf("inconsistent score for item %d", c.Item)
					}
				}
				s.Release()
			}
		}()
	}
	readers.Wait()
	close(stop)
	wg.Wait()
	if prev := live.Swap(a); prev != a && prev != b {
		t.Error("Swap returned a model never swapped in")
	}
}
