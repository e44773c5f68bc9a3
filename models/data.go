package models

import (
	"math"
	"slices"
	"time"
)

// Interaction is one thing a user did with an item: a rating, a purchase, a
// view. Value is the rating or quantity (1 when there is none).
type Interaction struct {
	User  string
	Item  string
	Value float64
	Time  time.Time
}

// Row is an interaction with dense user and item numbers: the compact form
// training reads (24 bytes, so 10 million fit in 240 MB).
type Row struct {
	User  int32
	Item  int32
	Value float32
	Unix  int64 // seconds
}

// Data is a set of interactions indexed for training. Items lists every item
// id (index = item number) and may include items without rows; Users is the
// number of distinct user numbers used by Rows.
type Data struct {
	Items []string
	Users int
	Rows  []Row
}

// NewData numbers the users and items of ins in order of first appearance.
// items, if given, are numbered first in their order, so a model can know
// items that have no interaction yet.
func NewData(ins []Interaction, items []string) *Data {
	d := &Data{Rows: make([]Row, 0, len(ins))}
	itemNo := make(map[string]int32, len(items))
	for _, id := range items {
		if _, ok := itemNo[id]; !ok {
			itemNo[id] = int32(len(d.Items))
			d.Items = append(d.Items, id)
		}
	}
	userNo := make(map[string]int32)
	for _, in := range ins {
		u, ok := userNo[in.User]
		if !ok {
			u = int32(len(userNo))
			userNo[in.User] = u
		}
		i, ok := itemNo[in.Item]
		if !ok {
			i = int32(len(d.Items))
			itemNo[in.Item] = i
			d.Items = append(d.Items, in.Item)
		}
		d.Rows = append(d.Rows, Row{User: u, Item: i, Value: float32(in.Value), Unix: in.Time.Unix()})
	}
	d.Users = len(userNo)
	return d
}

// Subset returns Data with the same item and user numbering and only the
// given rows.
func (d *Data) Subset(rows []Row) *Data {
	return &Data{Items: d.Items, Users: d.Users, Rows: rows}
}

// latest returns the time of the most recent row, the default reference time
// for recency decay.
func (d *Data) latest() int64 {
	var t int64 = math.MinInt64
	for _, r := range d.Rows {
		t = max(t, r.Unix)
	}
	return t
}

// decay returns the weight of an interaction age seconds old: 2^(−age/half),
// or 1 when half is 0 (no decay) or the interaction is in the future.
func decay(age int64, half time.Duration) float32 {
	if half <= 0 || age <= 0 {
		return 1
	}
	return float32(math.Exp2(-float64(age) / half.Seconds()))
}

// csr is a sparse matrix in compressed rows: row r's columns are
// col[off[r]:off[r+1]], sorted, with values val.
type csr struct {
	off []int64
	col []int32
	val []float32
}

func (c *csr) rows() int { return len(c.off) - 1 }

func (c *csr) row(r int32) ([]int32, []float32) {
	lo, hi := c.off[r], c.off[r+1]
	return c.col[lo:hi], c.val[lo:hi]
}

// interactions is the training view of Data: one weight per distinct
// (user, item) pair, the recency weight of its latest interaction, both by
// user and by item.
type interactions struct {
	byUser csr // user → items
	byItem csr // item → users
	// rank holds, aligned with byUser.col, the item's place in its
	// user's history ordered by the time of the pair's latest row: how
	// many of the user's items came strictly earlier, so items taken up
	// at the same time share a place. The sequence kernel of EASE's Gram
	// matrix measures distances in places (see TrainOptions.Sequence).
	rank  []int32
	pairs int
}

// weighting says how an interaction becomes a weight: recency decay with
// half-life half at reference time now (Unix seconds), times Value when
// values is set.
type weighting struct {
	half   time.Duration
	now    int64
	values bool
}

// of returns the weight of one row.
func (w weighting) of(r Row) float32 {
	x := decay(w.now-r.Unix, w.half)
	if w.values {
		x *= r.Value
	}
	return x
}

// newInteractions merges d's rows per (user, item) pair into user and item
// lists. A pair's weight is the sum of its rows' weights when values count,
// else the weight of its latest row (a repeat adds no evidence of taste).
// Pairs with a non-positive weight are dropped.
func newInteractions(d *Data, w weighting) *interactions {
	rows := slices.Clone(d.Rows)
	slices.SortFunc(rows, func(a, b Row) int {
		if a.User != b.User {
			return int(a.User) - int(b.User)
		}
		if a.Item != b.Item {
			return int(a.Item) - int(b.Item)
		}
		return cmpInt64(a.Unix, b.Unix)
	})
	byUser := csr{off: make([]int64, d.Users+1)}
	var when []int64 // the pair's latest time, aligned with byUser.col
	var sum float32
	for k, r := range rows {
		if w.values {
			sum += w.of(r)
		} else {
			sum = w.of(r)
		}
		if k+1 < len(rows) && rows[k+1].User == r.User && rows[k+1].Item == r.Item {
			continue
		}
		if sum > 0 && !math.IsInf(float64(sum), 0) {
			byUser.col = append(byUser.col, r.Item)
			byUser.val = append(byUser.val, sum)
			when = append(when, r.Unix)
			byUser.off[r.User+1]++
		}
		sum = 0
	}
	for u := range d.Users {
		byUser.off[u+1] += byUser.off[u]
	}
	in := &interactions{byUser: byUser, rank: timeRanks(&byUser, when), pairs: len(byUser.col)}
	in.byItem = transpose(&byUser, len(d.Items))
	return in
}

// timeRanks returns, aligned with c.col, each entry's place in its row
// ordered by when: the number of the row's entries with an earlier time.
func timeRanks(c *csr, when []int64) []int32 {
	rank := make([]int32, len(c.col))
	var order []int32
	for r := range c.rows() {
		lo, hi := c.off[r], c.off[r+1]
		order = order[:0]
		for k := lo; k < hi; k++ {
			order = append(order, int32(k-lo))
		}
		slices.SortStableFunc(order, func(a, b int32) int { return cmpInt64(when[lo+int64(a)], when[lo+int64(b)]) })
		for place, k := range order {
			if place > 0 && when[lo+int64(k)] == when[lo+int64(order[place-1])] {
				rank[lo+int64(k)] = rank[lo+int64(order[place-1])] // the same time, the same place
				continue
			}
			rank[lo+int64(k)] = int32(place)
		}
	}
	return rank
}

// transpose returns the column-major form of c with ncols rows.
func transpose(c *csr, ncols int) csr {
	t := csr{off: make([]int64, ncols+1), col: make([]int32, len(c.col)), val: make([]float32, len(c.val))}
	for _, j := range c.col {
		t.off[j+1]++
	}
	for j := range ncols {
		t.off[j+1] += t.off[j]
	}
	next := slices.Clone(t.off[:ncols])
	for r := range c.rows() {
		cols, vals := c.row(int32(r))
		for k, j := range cols {
			t.col[next[j]] = int32(r)
			t.val[next[j]] = vals[k]
			next[j]++
		}
	}
	return t
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
