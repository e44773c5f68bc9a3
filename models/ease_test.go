package models

import (
	"cmp"
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestEASEMatchesClosedForm compares the untruncated, unprotected serving
// form with the closed forms computed densely: P = (XᵀX + Λ)⁻¹ with
// Λ = λI + p/(1−p)·diag(XᵀX), X's rows scaled by |u|^(−userNorm/2);
// B = I − P·diag(1/diag(P)) (EASE, EDLAE) or B = I − PΛ (DLAE); every
// weight towards j times (users_j / median users)^−popPower.
func TestEASEMatchesClosedForm(t *testing.T) {
	d := randomData(t, 60, 25, 6, 1)
	// The same interactions by the month: many taken up at the same time.
	monthly := &Data{Items: d.Items, Users: d.Users}
	for _, r := range d.Rows {
		r.Unix -= r.Unix % (30 * 24 * 3600)
		monthly.Rows = append(monthly.Rows, r)
	}
	for _, tc := range []struct {
		name string
		o    TrainOptions
		d    *Data
	}{
		{"ease", TrainOptions{Lambda: 3}, nil},
		{"edlae", TrainOptions{Lambda: 3, Dropout: 0.25}, nil},
		{"dlae", TrainOptions{Lambda: 3, Dropout: 0.25, FreeDiagonal: true}, nil},
		{"dlae without dropout", TrainOptions{Lambda: 3, FreeDiagonal: true}, nil},
		{"user normalised", TrainOptions{Lambda: 0.5, UserNorm: 0.5}, nil},
		{"popularity normalised", TrainOptions{Lambda: 3, PopPower: 0.3}, nil},
		{"all", TrainOptions{Lambda: 1, Dropout: 0.1, FreeDiagonal: true, UserNorm: 0.25, PopPower: -0.2}, nil},
		{"sequence", TrainOptions{Lambda: 3, Sequence: 0.9, SequenceWindow: 2}, nil},
		// A window this short reaches 7 places, shorter than many histories.
		{"sequence alone, short window", TrainOptions{Lambda: 1, Sequence: 1, SequenceWindow: 0.5, Dropout: 0.2, FreeDiagonal: true, UserNorm: 0.25}, nil},
		{"sequence, items taken up together", TrainOptions{Lambda: 2, Sequence: 0.7, SequenceWindow: 1}, monthly},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := cmp.Or(tc.d, d)
			o := tc.o
			o.Kind, o.K, o.KAnon = KindEASE, -1, -1
			m := train(t, d, o)
			want := denseEASE(t, d, o)
			for i := range want {
				for j := range want[i] {
					got := m.Weight(item(t, m, d.Items[i]), item(t, m, d.Items[j]))
					if math.Abs(got-want[i][j]) > 1e-5*math.Max(1, math.Abs(want[i][j])) {
						t.Fatalf("B[%d][%d] = %v, want %v", i, j, got, want[i][j])
					}
				}
			}
			if m.Params.Dropout != o.Dropout || m.Params.FreeDiagonal != o.FreeDiagonal || m.Params.UserNorm != o.UserNorm || m.Params.PopPower != o.PopPower ||
				m.Params.Sequence != o.Sequence || m.Params.SequenceWindow != o.SequenceWindow {
				t.Errorf("Params = %+v, want the options' dropout, diagonal, user and popularity normalisation and sequence", m.Params)
			}
		})
	}
}

// denseEASE computes the serving weights of o on d densely (i ≠ j; the
// diagonal is 0, as a model never weighs an item towards itself).
func denseEASE(t *testing.T, d *Data, o TrainOptions) [][]float64 {
	t.Helper()
	n := len(d.Items)
	x := mat.NewDense(d.Users, n, nil)
	seen := map[[2]int32]bool{}
	perUser := make([]float64, d.Users)
	users := make([]float64, n)
	for _, r := range d.Rows {
		if k := [2]int32{r.User, r.Item}; !seen[k] {
			seen[k] = true
			perUser[r.User]++
			users[r.Item]++
		}
	}
	for _, r := range d.Rows {
		x.Set(int(r.User), int(r.Item), math.Pow(perUser[r.User], -o.UserNorm/2))
	}
	g := denseGram(d, x, o)
	var p mat.Dense
	reg := make([]float64, n)
	for i := range n {
		reg[i] = o.Lambda + o.Dropout/(1-o.Dropout)*g.At(i, i)
		g.Set(i, i, g.At(i, i)+reg[i])
	}
	if err := p.Inverse(g); err != nil {
		t.Fatal(err)
	}
	sorted := slices.Clone(users)
	slices.Sort(sorted)
	median := sorted[len(sorted)/2]
	b := make([][]float64, n)
	for i := range n {
		b[i] = make([]float64, n)
		for j := range n {
			switch {
			case i == j:
			case o.FreeDiagonal:
				b[i][j] = -p.At(i, j) * reg[j]
			default:
				b[i][j] = -p.At(i, j) / p.At(j, j)
			}
			b[i][j] *= math.Pow(users[j]/median, -o.PopPower)
		}
	}
	return b
}

// denseGram returns Σ_u x_uᵀ K_u x_u: K_u is all ones without a sequence
// share, else (1 − s) + s·e^(−|ra − rb|/window), ra and rb the places of
// the items in the user's history ordered by their latest time (how many
// of the user's items have an earlier one).
func denseGram(d *Data, x *mat.Dense, o TrainOptions) *mat.Dense {
	n := len(d.Items)
	var g mat.Dense
	if o.Sequence == 0 {
		g.Mul(x.T(), x)
		return &g
	}
	g.ReuseAs(n, n)
	latest := map[[2]int32]int64{}
	for _, r := range d.Rows {
		k := [2]int32{r.User, r.Item}
		if t, ok := latest[k]; !ok || r.Unix > t {
			latest[k] = r.Unix
		}
	}
	for u := range int32(d.Users) {
		var items []int32
		for i := range int32(n) {
			if _, ok := latest[[2]int32{u, i}]; ok {
				items = append(items, i)
			}
		}
		place := func(i int32) int {
			n := 0
			for _, j := range items {
				if latest[[2]int32{u, j}] < latest[[2]int32{u, i}] {
					n++
				}
			}
			return n
		}
		for _, a := range items {
			for _, b := range items {
				k := 1 - o.Sequence + o.Sequence*math.Exp(-math.Abs(float64(place(a)-place(b)))/o.SequenceWindow)
				g.Set(int(a), int(b), g.At(int(a), int(b))+x.At(int(u), int(a))*x.At(int(u), int(b))*k)
			}
		}
	}
	return &g
}

func TestEASEOptionsOutOfRange(t *testing.T) {
	d := randomData(t, 20, 10, 4, 3)
	for _, o := range []TrainOptions{
		{Dropout: -0.1}, {Dropout: 0.95}, {UserNorm: -1}, {UserNorm: 2}, {PopPower: 1.5}, {PopPower: -2},
		{Sequence: -0.1}, {Sequence: 1.5}, {Sequence: math.NaN()}, {Sequence: 0.5, SequenceWindow: -1}, {Sequence: 0.5, SequenceWindow: 2000},
	} {
		o.Kind = KindEASE
		if _, err := Train(context.Background(), d, o); err == nil {
			t.Errorf("Train(%+v) accepted an out-of-range option", o)
		}
	}
	path, err := NewEASEPath(context.Background(), d, TrainOptions{UserNorm: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := path.Fit(context.Background(), Reg{Lambda: 10}); err == nil {
		t.Error("a path with user normalisation 0.5 fitted a Reg with 0")
	}
	if _, err := path.Fit(context.Background(), Reg{Lambda: 10, UserNorm: 0.5, Dropout: 0.2}); err != nil {
		t.Errorf("Fit with the path's user normalisation: %v", err)
	}
	seq, err := NewEASEPath(context.Background(), d, TrainOptions{Sequence: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seq.Fit(context.Background(), Reg{Lambda: 10}); err == nil {
		t.Error("a path with sequence 0.5 fitted a Reg without")
	}
	if _, err := seq.Fit(context.Background(), Reg{Lambda: 10, Sequence: 0.5, SequenceWindow: 40}); err == nil {
		t.Error("a path with the default window fitted a Reg with window 40")
	}
	if _, err := seq.Fit(context.Background(), Reg{Lambda: 10, Sequence: 0.5}); err != nil {
		t.Errorf("Fit with the path's sequence, window left to its default: %v", err)
	}
}

func TestEASETruncationKeepsLargestMagnitudes(t *testing.T) {
	d := randomData(t, 200, 40, 8, 2)
	full := train(t, d, TrainOptions{Kind: KindEASE, K: -1, KAnon: -1, Lambda: 10})
	cut := train(t, d, TrainOptions{Kind: KindEASE, K: 5, KAnon: -1, Lambda: 10})
	for r := range int32(cut.NumItems()) {
		nbr, w := cut.Neighbours(r)
		if len(nbr) > 5 {
			t.Fatalf("row %d has %d neighbours, want at most 5", r, len(nbr))
		}
		smallest := math.Inf(1)
		for k, j := range nbr {
			if got, want := float64(w[k]), full.Weight(r, j); got != want {
				t.Errorf("row %d: truncated weight %v, full %v", r, got, want)
			}
			smallest = min(smallest, math.Abs(float64(w[k])))
		}
		fnbr, fw := full.Neighbours(r)
		dropped := 0
		for k := range fnbr {
			if math.Abs(float64(fw[k])) > smallest {
				dropped++
			}
		}
		if dropped > len(nbr) {
			t.Errorf("row %d: %d weights larger in magnitude than the smallest kept, but only %d kept", r, dropped, len(nbr))
		}
	}
}

func TestSimilarityValues(t *testing.T) {
	// a: users 1,2,3; b: users 2,3; so c(a,b) = 2, d(a) = 3, d(b) = 2.
	d := pairs(t, [2]string{"1", "a"}, [2]string{"2", "a"}, [2]string{"3", "a"}, [2]string{"2", "b"}, [2]string{"3", "b"})
	for _, tt := range []struct {
		sim  Similarity
		want float64
	}{
		{Jaccard, 2.0 / 3},
		{Lift, 2.0 / 6},
		{Cosine, 2 / math.Sqrt(6)},
		{Cooccurrence, 2},
	} {
		m := train(t, d, TrainOptions{Kind: KindItemKNN, KAnon: 1, Similarity: tt.sim})
		got := m.Weight(item(t, m, "a"), item(t, m, "b"))
		if math.Abs(got-tt.want) > 1e-6 {
			t.Errorf("%s(a,b) = %v, want %v", tt.sim, got, tt.want)
		}
	}
}

func TestRecencyDecay(t *testing.T) {
	if got, want := decay(3600, 3600e9), float32(0.5); got != want {
		t.Errorf("decay after one half-life = %v, want %v", got, want)
	}
	if got, want := decay(1e9, 0), float32(1); got != want {
		t.Errorf("no half-life: decay = %v, want %v", got, want)
	}
}

// TestEASEStopsWhenCancelledDuringTheInverse: a training cancelled while
// the inverse runs (as SIGTERM does) returns the context's error and no
// model without waiting for the inversion, which cannot be interrupted
// (here it never ends).
func TestEASEStopsWhenCancelledDuringTheInverse(t *testing.T) {
	d := randomData(t, 200, 80, 10, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	never := make(chan struct{})
	defer close(never)
	invert = func(*mat.SymDense, float64, float64) ([]float64, error) {
		<-never
		return nil, errors.New("unreachable")
	}
	defer func() { invert = invertInPlace }()
	o := TrainOptions{Kind: KindEASE, Lambda: 3, KAnon: -1, Progress: func(stage string, done, _ int) {
		if stage == "ease: inverse" && done == 0 {
			cancel()
		}
	}}
	m, err := Train(ctx, d, o)
	if !errors.Is(err, context.Canceled) || m != nil {
		t.Fatalf("Train = %v, %v; want no model and context.Canceled", m, err)
	}
}

// TestRegramFitsAsAFreshPath: a path with another Gram matrix, sharing
// the rest with the first, fits the same model as a path built for it.
func TestRegramFitsAsAFreshPath(t *testing.T) {
	ctx := context.Background()
	d := randomData(t, 80, 30, 8, 5)
	base, err := NewEASEPath(ctx, d, TrainOptions{LowPass: 0.5, LowPassRank: 4})
	if err != nil {
		t.Fatal(err)
	}
	// The fit fills what a regram shares, and an inverse it must not.
	if _, err := base.Fit(ctx, Reg{Lambda: 5, Dropout: 0.2, FreeDiagonal: true, LowPass: 0.5, LowPassRank: 4}); err != nil {
		t.Fatal(err)
	}
	r := Reg{Lambda: 5, Dropout: 0.2, FreeDiagonal: true, UserNorm: 0.5, Sequence: 0.8, SequenceWindow: 3, LowPass: 0.5, LowPassRank: 4}
	again, err := base.Regram(r)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := NewEASEPath(ctx, d, TrainOptions{UserNorm: 0.5, Sequence: 0.8, SequenceWindow: 3})
	if err != nil {
		t.Fatal(err)
	}
	got, err := again.Fit(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	want, err := fresh.Fit(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	for i := range int32(want.NumItems()) {
		for j := range int32(want.NumItems()) {
			if g, w := got.Weight(i, j), want.Weight(i, j); math.Abs(g-w) > 1e-9*math.Max(1, math.Abs(w)) {
				t.Fatalf("B[%d][%d] = %v after Regram, %v fresh", i, j, g, w)
			}
		}
	}
	if _, err := base.Fit(ctx, Reg{Lambda: 5, LowPass: 0.5, LowPassRank: 4}); err != nil {
		t.Errorf("the first path no longer fits its own Gram matrix: %v", err)
	}
	if _, err := base.Regram(Reg{Sequence: 2}); err == nil {
		t.Error("Regram accepted a sequence share of 2")
	}
}
