package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/redis/go-redis/v9"
)

// usedMemory returns used_memory from INFO memory: the Redis server's
// allocated bytes, server-wide (other users of a shared Redis count too).
// ok is false when the server does not report it (miniredis).
func usedMemory(ctx context.Context, rdb redis.UniversalClient) (n int64, ok bool) {
	info, err := rdb.Info(ctx, "memory").Result()
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(info, "\n") {
		if v, found := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); found {
			n, err := strconv.ParseInt(v, 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// Kinds of key in a footprint.
const (
	kindConsent   = "consent"   // consent hash and log
	kindFeatures  = "features"  // feature sets and their event-ID indexes
	kindDecisions = "decisions" // a customer's decision records and their evidence
	kindOther     = "other"     // feedback, contacts
	kindAnon      = "anonymous decisions"
	kindShared    = "shared" // catalog, model, keys: no customer's
)

// KeyKind is the Redis memory of one kind of key.
type KeyKind struct {
	Keys    int   `json:"keys"`
	Bytes   int64 `json:"bytes"`
	Entries int64 `json:"entries,omitempty"` // decision records held (decisions kinds only)
}

// Footprint is the Redis memory of the namespace after the run, key by
// key (MEMORY USAGE … SAMPLES 0: exact, and only this namespace's keys),
// by kind, beside what the server's decision writer wrote.
type Footprint struct {
	Customers int                `json:"customers"`
	Kinds     map[string]KeyKind `json:"kinds"`
	// Written, Dropped and Failed are the decision writer's counts over
	// the whole run (warm-up and capacity steps included); in-process only.
	Written int64 `json:"decisions_written"`
	Dropped int64 `json:"decisions_dropped"`
	Failed  int64 `json:"decisions_failed"`
	// BytesPerRecord is the customers' decision keys' memory over the
	// records they hold; BytesPerWritten the same memory over the records
	// written (less than per record held once customers reach their cap).
	BytesPerRecord  float64 `json:"decision_bytes_per_record_held"`
	BytesPerWritten float64 `json:"decision_bytes_per_record_written,omitempty"`
	// PerCustomer is the memory of every per-customer key over the
	// customers seeded.
	PerCustomer float64 `json:"bytes_per_customer"`
}

// keyKind classifies one key of namespace ns by the names in
// redisstore/keys.go (which does not export them).
func keyKind(ns, key string) string {
	rest, ok := strings.CutPrefix(key, ns+":")
	if !ok {
		return kindShared
	}
	if strings.HasPrefix(rest, "decisions:anon") {
		return kindAnon
	}
	if !strings.HasPrefix(rest, "{c:") {
		return kindShared
	}
	_, suffix, ok := strings.Cut(rest, "}:")
	switch {
	case !ok:
		return kindOther
	case strings.HasPrefix(suffix, "consent"):
		return kindConsent
	case strings.HasPrefix(suffix, "fs:"):
		return kindFeatures
	case strings.HasPrefix(suffix, "decisions"), strings.HasPrefix(suffix, "evidence:"):
		return kindDecisions
	}
	return kindOther
}

// holdsRecords reports whether key k of namespace ns holds decision records
// (a LIST or STREAM of them, or a STRING of one).
func holdsRecords(ns, k string) bool {
	kd := keyKind(ns, k)
	return (kd == kindDecisions || kd == kindAnon) && !strings.Contains(k, "}:evidence:")
}

// footprint measures the namespace key by key; nil when the server has no
// MEMORY USAGE.
func footprint(ctx context.Context, rdb redis.UniversalClient, ns string, customers int) (*Footprint, error) {
	fp := &Footprint{Customers: customers, Kinds: map[string]KeyKind{}}
	var batch []string
	measure := func() error {
		if len(batch) == 0 {
			return nil
		}
		usage := make([]*redis.IntCmd, len(batch))
		types := make([]*redis.StatusCmd, len(batch))
		_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, k := range batch {
				usage[i] = p.MemoryUsage(ctx, k, 0)
				types[i] = p.Type(ctx, k)
			}
			return nil
		})
		if err != nil && err != redis.Nil {
			return err
		}
		entries := map[string]*redis.IntCmd{}
		_, err = rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, k := range batch {
				if !holdsRecords(ns, k) {
					continue
				}
				switch types[i].Val() {
				case "list":
					entries[k] = p.LLen(ctx, k)
				case "stream":
					entries[k] = p.XLen(ctx, k)
				}
			}
			return nil
		})
		if err != nil && err != redis.Nil {
			return err
		}
		for i, k := range batch {
			kd := keyKind(ns, k)
			s := fp.Kinds[kd]
			s.Keys++
			s.Bytes += usage[i].Val() // 0 when the key expired meanwhile
			if c, ok := entries[k]; ok {
				s.Entries += c.Val()
			} else if types[i].Val() == "string" && holdsRecords(ns, k) {
				s.Entries++ // a lone record (redisstore's decision_append.lua)
			}
			fp.Kinds[kd] = s
		}
		batch = batch[:0]
		return nil
	}
	if err := rdb.MemoryUsage(ctx, ns+":keys", 0).Err(); err != nil && err != redis.Nil {
		return nil, nil // no MEMORY USAGE (miniredis)
	}
	iter := rdb.Scan(ctx, 0, ns+":*", 2000).Iterator()
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			if err := measure(); err != nil {
				return nil, err
			}
		}
	}
	if err := iter.Err(); err != nil {
		return nil, err
	}
	if err := measure(); err != nil {
		return nil, err
	}
	d := fp.Kinds[kindDecisions]
	if d.Entries > 0 {
		fp.BytesPerRecord = float64(d.Bytes) / float64(d.Entries)
	}
	var personal int64
	for kd, s := range fp.Kinds {
		if kd != kindShared && kd != kindAnon {
			personal += s.Bytes
		}
	}
	if customers > 0 {
		fp.PerCustomer = float64(personal) / float64(customers)
	}
	return fp, nil
}

// setWriter adds the decision writer's counts.
func (fp *Footprint) setWriter(written, dropped, failed int64) {
	fp.Written, fp.Dropped, fp.Failed = written, dropped, failed
	if d := fp.Kinds[kindDecisions].Bytes + fp.Kinds[kindAnon].Bytes; written > 0 {
		fp.BytesPerWritten = float64(d) / float64(written)
	}
}

// write renders the footprint (nothing when fp is nil).
func (fp *Footprint) write(w io.Writer, ns string) error {
	if fp == nil {
		return nil
	}
	fmt.Fprintf(w, "\n== Redis memory of namespace %s after the run (MEMORY USAGE of every key)\n", ns)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kind\tkeys\tbytes\tbytes/customer\trecords\tbytes/record\t")
	kinds := make([]string, 0, len(fp.Kinds))
	for k := range fp.Kinds {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		s := fp.Kinds[k]
		per, rec, perRec := "-", "-", "-"
		if fp.Customers > 0 && k != kindShared && k != kindAnon {
			per = fmt.Sprintf("%.0f", float64(s.Bytes)/float64(fp.Customers))
		}
		if s.Entries > 0 {
			rec, perRec = strconv.FormatInt(s.Entries, 10), fmt.Sprintf("%.0f", float64(s.Bytes)/float64(s.Entries))
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t\n", k, s.Keys, s.Bytes, per, rec, perRec)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "per customer (every per-customer key / %d customers): %.0f bytes\n", fp.Customers, fp.PerCustomer)
	if d := fp.Kinds[kindDecisions]; d.Keys > 0 {
		fmt.Fprintf(w, "per customer holding decisions (%d): %.0f bytes of decision keys, %.1f records\n",
			d.Keys, float64(d.Bytes)/float64(d.Keys), float64(d.Entries)/float64(d.Keys))
	}
	if fp.Written > 0 || fp.Dropped > 0 || fp.Failed > 0 {
		fmt.Fprintf(w, "decision records: %d written by the server (%d dropped, %d failed); decision keys' memory per record written: %.0f bytes\n",
			fp.Written, fp.Dropped, fp.Failed, fp.BytesPerWritten)
	}
	return nil
}
