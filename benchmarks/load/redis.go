package main

import (
	"bufio"
	"context"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// serverCalls returns the total number of commands the Redis server has
// executed, and the µs it spent in scripts (EVALSHA and EVAL, whose time
// includes the commands they call), from INFO commandstats. It is
// server-wide: other clients of the same Redis count too, so it is a
// cross-check of the client-side count, and the only count when the
// harness targets an external server.
func serverCalls(ctx context.Context, rdb redis.UniversalClient) (calls, scriptUsec int64, err error) {
	info, err := rdb.Info(ctx, "commandstats").Result()
	if err != nil {
		return 0, 0, err
	}
	calls, scriptUsec = parseCommandStats(info)
	return calls, scriptUsec, nil
}

// parseCommandStats sums calls= over the cmdstat_ lines of INFO
// commandstats, and usec= over those of the script commands.
func parseCommandStats(info string) (calls, scriptUsec int64) {
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		name, stats, ok := strings.Cut(sc.Text(), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		script := name == "cmdstat_evalsha" || name == "cmdstat_eval"
		for _, f := range strings.Split(stats, ",") {
			if v, ok := strings.CutPrefix(f, "calls="); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				calls += n
			}
			if v, ok := strings.CutPrefix(f, "usec="); ok && script {
				n, _ := strconv.ParseInt(v, 10, 64)
				scriptUsec += n
			}
		}
	}
	return calls, scriptUsec
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
