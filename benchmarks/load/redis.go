package main

import (
	"bufio"
	"context"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// serverCalls returns the total number of commands the Redis server has
// executed, from INFO commandstats. It is server-wide: other clients of the
// same Redis count too, so it is a cross-check of the client-side count, and
// the only count when the harness targets an external server.
func serverCalls(ctx context.Context, rdb redis.UniversalClient) (int64, error) {
	info, err := rdb.Info(ctx, "commandstats").Result()
	if err != nil {
		return 0, err
	}
	return parseCommandStats(info), nil
}

// parseCommandStats sums calls= over the cmdstat_ lines of INFO commandstats.
func parseCommandStats(info string) int64 {
	var total int64
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "cmdstat_") {
			continue
		}
		_, stats, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		for _, f := range strings.Split(stats, ",") {
			if v, ok := strings.CutPrefix(f, "calls="); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				total += n
			}
		}
	}
	return total
}

// dropNamespace unlinks every key under ns (SCAN ns:* + UNLINK): the
// benchmark's own keys and nothing else. It never flushes.
func dropNamespace(ctx context.Context, rdb redis.UniversalClient, ns string) (int, error) {
	iter := rdb.Scan(ctx, 0, ns+":*", 2000).Iterator()
	var batch []string
	n := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := rdb.Unlink(ctx, batch...).Err()
		n += len(batch)
		batch = batch[:0]
		return err
	}
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 1000 {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := iter.Err(); err != nil {
		return n, err
	}
	return n, flush()
}
