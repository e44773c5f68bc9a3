// Command scale writes a generated shop at the scale of issue 23 as three
// files `candor import` reads: items.jsonl (a catalogue with categories),
// consent.jsonl (one `full` answer per customer, given an hour ago) and events.jsonl (views
// and purchases with power-law item popularity and per-customer category
// tastes), so that `candor train` can be measured through the path a user
// takes:
//
//	go run ./benchmarks/scale --out /tmp/scale   # 100,000 items, 10,000,000 interactions, 300,000 customers
//	candor import items /tmp/scale/items.jsonl
//	candor import consent /tmp/scale/consent.jsonl
//	candor import events /tmp/scale/events.jsonl
//	/usr/bin/time -v candor train
//
// The data: item popularity follows a Zipf law over its rank (exponent
// --zipf, offset --zipf-offset: the most popular item has about 0.3 % of
// the interactions, the least popular a few customers); items belong to
// --categories categories of Zipf-distributed sizes. A customer has one to
// three favourite categories and a history length drawn from a log-normal
// law (mean --interactions / --customers, σ 1); each interaction is, with
// probability --taste, an item of a favourite category (Zipf within it),
// otherwise an item of the whole catalogue. A customer's items are
// distinct, so every event is one (customer, item) interaction: 60 % views
// within the last 80 days (browsing keeps 90), 40 % purchases within the
// last 700 (purchases keep 730). Events are written customer by customer,
// which the importer's grouping favours; the same seed gives the same
// files.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stderr, time.Now()); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "scale:", err)
		}
		os.Exit(1)
	}
}

// shape is what to generate.
type shape struct {
	Items, Interactions, Customers, Categories int
	Zipf, ZipfOffset, Taste                    float64
	Seed                                       uint64
}

func run(args []string, stderr io.Writer, now time.Time) error {
	fs := flag.NewFlagSet("scale", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var s shape
	out := fs.String("out", "", "directory to write items.jsonl, consent.jsonl and events.jsonl to (required)")
	fs.IntVar(&s.Items, "items", 100_000, "catalogue items")
	fs.IntVar(&s.Interactions, "interactions", 10_000_000, "interactions (events, one per distinct customer and item)")
	fs.IntVar(&s.Customers, "customers", 300_000, "customers, each with full consent")
	fs.IntVar(&s.Categories, "categories", 100, "item categories")
	fs.Float64Var(&s.Zipf, "zipf", 1.2, "exponent of the popularity law (> 1)")
	fs.Float64Var(&s.ZipfOffset, "zipf-offset", 100, "offset of the popularity law (≥ 1): larger flattens the head")
	fs.Float64Var(&s.Taste, "taste", 0.6, "share of a customer's interactions drawn from their favourite categories")
	fs.Uint64Var(&s.Seed, "seed", 1, "random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out is required")
	}
	if s.Items < 1 || s.Customers < 1 || s.Categories < 1 || s.Interactions < s.Customers || s.Interactions > s.Customers*(s.Items/2) || s.Zipf <= 1 || s.ZipfOffset < 1 || s.Taste < 0 || s.Taste > 1 {
		return errors.New("need items, categories, customers ≥ 1, customers ≤ interactions ≤ customers × items/2, zipf > 1, zipf-offset ≥ 1 and taste in [0, 1]")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	start := time.Now()
	g := newGenerator(s)
	if err := writeFile(filepath.Join(*out, "items.jsonl"), g.items); err != nil {
		return err
	}
	consentAt := now.Add(-time.Hour) // a grant lapses after its maximum age: answered just now
	if err := writeFile(filepath.Join(*out, "consent.jsonl"), func(w *bufio.Writer) error { return g.consent(w, consentAt) }); err != nil {
		return err
	}
	var events int
	err := writeFile(filepath.Join(*out, "events.jsonl"), func(w *bufio.Writer) (err error) {
		events, err = g.events(w, now)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %d items, %d customers, %d events to %s in %s\n", s.Items, s.Customers, events, *out, time.Since(start).Round(time.Second))
	return nil
}

// generator draws the shop of one shape.
type generator struct {
	s       shape
	rng     *rand.Rand
	cat     []int     // item (by popularity rank) → category
	byCat   [][]int32 // category → its items by popularity rank
	global  *rand.Zipf
	inCat   []*rand.Zipf
	catPick *rand.Zipf
}

func newGenerator(s shape) *generator {
	g := &generator{s: s, rng: rand.New(rand.NewPCG(s.Seed, 23))}
	g.global = rand.NewZipf(g.rng, s.Zipf, s.ZipfOffset, uint64(s.Items-1))
	g.catPick = rand.NewZipf(g.rng, 1.1, 5, uint64(s.Categories-1))
	g.cat = make([]int, s.Items)
	g.byCat = make([][]int32, s.Categories)
	for i := range g.cat {
		c := int(g.catPick.Uint64())
		g.cat[i] = c
		g.byCat[c] = append(g.byCat[c], int32(i))
	}
	g.inCat = make([]*rand.Zipf, s.Categories)
	for c, items := range g.byCat {
		if len(items) > 0 {
			g.inCat[c] = rand.NewZipf(g.rng, s.Zipf, 10, uint64(len(items)-1))
		}
	}
	return g
}

// itemID names items so that their popularity rank is not their order.
func (g *generator) itemID(rank int32) string {
	return "p" + strconv.FormatUint(uint64(rank)*2654435761%(1<<32), 36)
}

func (g *generator) items(w *bufio.Writer) error {
	var b []byte
	for i := range g.s.Items {
		c := g.cat[i]
		b = append(b[:0], `{"id":"`...)
		b = append(b, g.itemID(int32(i))...)
		b = fmt.Appendf(b, `","title":"Item %d","categories":["dept-%d","cat-%d"],"price":%.2f,"currency":"EUR","available":true}`+"\n",
			i, c%10, c, 5+g.rng.Float64()*95)
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) consent(w *bufio.Writer, at time.Time) error {
	ts := at.UTC().Format(time.RFC3339)
	for c := range g.s.Customers {
		if _, err := fmt.Fprintf(w, `{"customer":"c-%d","preset":"full","time":"%s","source":"import"}`+"\n", c, ts); err != nil {
			return err
		}
	}
	return nil
}

// events writes every customer's history and returns how many events
// were written (exactly s.Interactions).
func (g *generator) events(w *bufio.Writer, now time.Time) (int, error) {
	lengths := g.lengths()
	seen := map[int32]bool{}
	var favs []int
	var b []byte
	n := 0
	for c, length := range lengths {
		favs = favs[:0]
		for range 1 + g.rng.IntN(3) {
			favs = append(favs, int(g.catPick.Uint64()))
		}
		clear(seen)
		for len(seen) < length {
			item := g.draw(favs)
			if seen[item] {
				continue
			}
			seen[item] = true
			kind, age := "view", g.rng.Float64()*80
			if g.rng.Float64() < 0.4 {
				kind, age = "purchase", g.rng.Float64()*700
			}
			t := now.Add(-time.Duration(age*24*float64(time.Hour)) - time.Minute).UTC()
			b = append(b[:0], `{"event_id":"e-`...)
			b = strconv.AppendInt(b, int64(n), 10)
			b = append(b, `","customer":"c-`...)
			b = strconv.AppendInt(b, int64(c), 10)
			b = append(b, `","type":"`...)
			b = append(b, kind...)
			b = append(b, `","item":"`...)
			b = append(b, g.itemID(item)...)
			b = append(b, `","time":"`...)
			b = t.AppendFormat(b, time.RFC3339)
			b = append(b, "\"}\n"...)
			if _, err := w.Write(b); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// lengths draws every customer's history length from a log-normal law
// of σ 1, scaled so that they sum to exactly s.Interactions, each at
// least 1 and at most half the catalogue.
func (g *generator) lengths() []int {
	raw := make([]float64, g.s.Customers)
	sum := 0.0
	for c := range raw {
		raw[c] = math.Exp(g.rng.NormFloat64())
		sum += raw[c]
	}
	out := make([]int, len(raw))
	total := 0
	for c, r := range raw {
		out[c] = min(max(1, int(r/sum*float64(g.s.Interactions))), g.s.Items/2)
		total += out[c]
	}
	for c := 0; total != g.s.Interactions; c = (c + 1) % len(out) {
		switch {
		case total < g.s.Interactions && out[c] < g.s.Items/2:
			out[c]++
			total++
		case total > g.s.Interactions && out[c] > 1:
			out[c]--
			total--
		}
	}
	return out
}

// draw returns one item's popularity rank: from a favourite category with
// probability s.Taste, else from the whole catalogue.
func (g *generator) draw(favs []int) int32 {
	if g.rng.Float64() < g.s.Taste {
		c := favs[g.rng.IntN(len(favs))]
		if items := g.byCat[c]; len(items) > 0 {
			return items[g.inCat[c].Uint64()]
		}
	}
	return int32(g.global.Uint64())
}

// writeFile writes path with fill through a buffer.
func writeFile(path string, fill func(*bufio.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	if err := fill(w); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
