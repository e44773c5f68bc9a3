package redisstore

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/candorhq/candor"
)

// TestTranslateOutages: the errors Redis and go-redis give while a server
// is down, restarting, failing over or resharding are unavailable (503
// with Retry-After), never internal.
func TestTranslateOutages(t *testing.T) {
	for _, err := range []error{
		io.EOF, fmt.Errorf("read: %w", io.ErrUnexpectedEOF), errors.New("dial tcp 127.0.0.1:1: connect: connection refused"),
		errors.New("LOADING Redis is loading the dataset in memory"), errors.New("CLUSTERDOWN The cluster is down"),
		errors.New("TRYAGAIN Multiple keys request during rehashing of slot"), errors.New("READONLY You can't write against a read only replica."),
		errors.New("NOREPLICAS Not enough good replicas to write."), errors.New("MASTERDOWN Link with MASTER is down"),
		errors.New("OOM command not allowed when used memory > 'maxmemory'."),
	} {
		if got, want := candor.ErrorCode(translate("op", err)), candor.EUnavailable; got != want {
			t.Errorf("translate(%q) = %s, want %s", err, got, want)
		}
	}
	if got := candor.ErrorCode(translate("op", errors.New("ERR wrong number of arguments"))); got != candor.EInternal {
		t.Errorf("a command error = %s, want internal", got)
	}
}

// The cluster and Sentinel clients carry the TLS and Sentinel settings.
func TestClientOptionsReachTheClient(t *testing.T) {
	c, err := Client(Options{ClusterAddrs: []string{"127.0.0.1:1"}, Password: "p", TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if o := c.(*redis.ClusterClient).Options(); o.TLSConfig == nil || o.Password != "p" {
		t.Errorf("cluster options: TLS %v, password %q", o.TLSConfig, o.Password)
	}
	f, err := Client(Options{SentinelMaster: "m", SentinelAddrs: []string{"127.0.0.1:1"}, SentinelPassword: "s"})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := Client(Options{SentinelMaster: "m"}); err == nil {
		t.Error("a Sentinel master without Sentinels was accepted")
	}
}

// TestClientsRunOnceAndDialOnce: every kind of client runs a command once
// and dials once, whatever a URL asks: a refused connection fails the
// request at once instead of after go-redis's dial retries, 100 ms apart,
// which a 25 ms read budget never reaches.
func TestClientsRunOnceAndDialOnce(t *testing.T) {
	u, err := Client(Options{URL: "redis://127.0.0.1:1/0?max_retries=3"})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	c, err := Client(Options{ClusterAddrs: []string{"127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f, err := Client(Options{SentinelMaster: "m", SentinelAddrs: []string{"127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	uo, co, fo := u.(*redis.Client).Options(), c.(*redis.ClusterClient).Options(), f.(*redis.Client).Options()
	// go-redis turns a client's MaxRetries -1 into 0 (no retries) when it
	// builds it; a cluster's options keep the -1
	for name, got := range map[string][2]int{"url": {uo.MaxRetries, uo.DialerRetries}, "cluster": {co.MaxRetries, co.DialerRetries}, "sentinel": {fo.MaxRetries, fo.DialerRetries}} {
		if got[0] > 0 || got[1] != 1 {
			t.Errorf("%s client: MaxRetries %d, DialerRetries %d; want no retries and one dial", name, got[0], got[1])
		}
	}
}
