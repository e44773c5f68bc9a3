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
