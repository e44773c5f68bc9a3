package recommend

// bitWriter appends bits to b, most significant first.
type bitWriter struct {
	b   []byte
	acc uint64
	n   int // bits in acc not yet written
}

// put writes the low w bits of v (w ≤ 32).
func (bw *bitWriter) put(v uint64, w int) {
	bw.acc = bw.acc<<w | v&(1<<w-1)
	for bw.n += w; bw.n >= 8; bw.n -= 8 {
		bw.b = append(bw.b, byte(bw.acc>>(bw.n-8)))
	}
}

// zeros writes n zero bits.
func (bw *bitWriter) zeros(n int) {
	for ; n > 32; n -= 32 {
		bw.put(0, 32)
	}
	bw.put(0, n)
}

// flush pads the last byte with zeros and returns the bytes.
func (bw *bitWriter) flush() []byte {
	if bw.n > 0 {
		bw.b = append(bw.b, byte(bw.acc<<(8-bw.n)))
		bw.n = 0
	}
	return bw.b
}

// bitReader reads what bitWriter wrote; bad is set on reading past the end
// or a position out of range.
type bitReader struct {
	b    []byte
	acc  uint64
	have int
	bad  bool
}

func (br *bitReader) get(w int) uint64 {
	for br.have < w {
		if len(br.b) == 0 {
			br.bad = true
			return 0
		}
		br.acc, br.have, br.b = br.acc<<8|uint64(br.b[0]), br.have+8, br.b[1:]
	}
	br.have -= w
	return br.acc >> br.have & (1<<w - 1)
}

// ref reads a position among ids, w bits.
func (br *bitReader) ref(ids []string, w int) string {
	k := br.get(w)
	if k >= uint64(len(ids)) {
		br.bad = true
		return ""
	}
	return ids[k]
}

// list reads one reason's c IDs (see heldevidence.go): its lead as
// positions, then its rest as a bitmap or as positions.
func (br *bitReader) list(ids []string, c, w int) []string {
	if c == 0 || br.bad {
		return nil
	}
	out := make([]string, 0, c)
	k := min(c, leadRefs)
	for range k {
		out = append(out, br.ref(ids, w))
	}
	switch {
	case c == k:
	case br.get(1) == 1:
		for p := range ids {
			if br.get(1) == 1 {
				out = append(out, ids[p])
			}
		}
	default:
		for range c - k {
			out = append(out, br.ref(ids, w))
		}
	}
	if len(out) != c {
		br.bad = true
	}
	return out
}

// named reports whether a list names an ID twice.
func named(list []string) bool {
	seen := make(map[string]bool, len(list))
	for _, id := range list {
		if seen[id] {
			return true
		}
		seen[id] = true
	}
	return false
}

// done reports whether everything was read but a zero padding.
func (br *bitReader) done() bool {
	return len(br.b) == 0 && br.have < 8 && br.acc&(1<<br.have-1) == 0
}

// permutation reads len(ids) distinct positions in ids, w bits each: ids in
// that order.
func (br *bitReader) permutation(ids []string, w int) []string {
	out := make([]string, len(ids))
	used := make([]bool, len(ids))
	for i := range out {
		k := br.get(w)
		if k >= uint64(len(ids)) || used[k] {
			br.bad = true
			return ids
		}
		used[k], out[i] = true, ids[k]
	}
	return out
}
