package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/candorhq/candor"
	"github.com/candorhq/candor/internal/redistest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// redisURL is the URL of db's Redis: REDIS_URL or the test's miniredis.
func redisURL(db *redistest.DB) string {
	if db.Real() {
		return os.Getenv("REDIS_URL")
	}
	return "redis://" + db.Mini.Addr()
}

// TestCommandLineMistakes: every mistake is one sentence and exit status
// 2; none of them serves (the embedded default would hand out demo keys).
func TestCommandLineMistakes(t *testing.T) {
	t.Setenv("REDIS_URL", "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"trian"}, `Unknown command "trian" (did you mean "train"?); the commands are serve, seed, keys, consent, train, import, eval and migrate`},
		{[]string{"bogus"}, `Unknown command "bogus"; the commands are`},
		{[]string{"--addr", "127.0.0.1:0", "bogus"}, `Unknown command "bogus"`},
		{[]string{"serve", "now"}, `'candor serve' takes no arguments, got "now"`},
		{[]string{"help", "trian"}, `(did you mean "train"?)`},
		{[]string{"import", "csv", "DIR"}, `Unknown import kind "csv"; the kinds are: items (load catalog items`},
		{[]string{"import", "event", "x.csv"}, `Unknown import kind "event" (did you mean "events"?)`},
		{[]string{"import", "events", "a", "b"}, `'candor import events' takes one file, or - for standard input`},
		{[]string{"keys", "crate"}, `Unknown command "crate" of candor keys (did you mean "create"?); the commands are create, list and revoke`},
		{[]string{"--read-timeout", "banana"}, `--read-timeout / CANDOR_READ_TIMEOUT "banana" is not a duration such as 500ms, 5s, 1m or 720h.`},
		{[]string{"--policy-version", "x"}, `--policy-version / CANDOR_POLICY_VERSION "x" is not a whole number.`},
		{[]string{"--adr", ":1"}, `Unknown flag --adr for candor (did you mean "addr"?)`},
		{[]string{"consent", "verify"}, `--customer: required by candor consent verify; see 'candor consent verify --help'.`},
		{[]string{"eval", "--data", "x", "-k", "ten"}, `--k "ten" is not a whole number.`},
		{[]string{"--namespace", "a b"}, `--namespace / CANDOR_NAMESPACE "a b" must be 1-64 characters`},
		{[]string{"--decision-cap", "0"}, `--decision-cap / CANDOR_DECISION_CAP and --decision-cap-anonymous / CANDOR_DECISION_CAP_ANONYMOUS must be positive integers`},
		{[]string{"--train-every", "10s"}, `--train-every / CANDOR_TRAIN_EVERY must be at least 1m (or 0, off)`},
		{[]string{"--train-every", "1h", "--max-model-age", "90m"}, `--max-model-age / CANDOR_MAX_MODEL_AGE (1h30m0s) must be at least twice --train-every / CANDOR_TRAIN_EVERY (1h0m0s)`},
		{[]string{"train", "--every", "1h", "--data", "x"}, `--every trains from the store, not from --data`},
		{[]string{"--addr", "127.0.0.1:99999"}, `--addr / CANDOR_ADDR "127.0.0.1:99999" is not host:port with a port from 0 to 65535`},
		{[]string{"--addr", "localhost:http"}, `is not host:port with a port from 0 to 65535`},
		{[]string{"keys", "create", "--role", "root", "--name", "x"}, `--role "root": use site, marketer or admin`},
		{[]string{"keys", "create", "--role", "site", "--name", ""}, `--name must be 1-64 printable characters`},
		{[]string{"keys", "revoke"}, `'candor keys revoke' takes exactly one key id`},
		{[]string{"keys", "list"}, `'candor keys list' needs REDIS_URL`},
		{[]string{"train", "--model", "foo", "--data", "x"}, `--model "foo": use ease, itemknn or popularity`},
		{[]string{"import", "movielens", "--consent", "half", "x"}, `--consent "half": use full or mix`},
		{[]string{"import", "movielens", "x", "y"}, `'candor import movielens' takes one directory`},
		{[]string{"--redis-url"}, `--redis-url / REDIS_URL needs a value`},
		{[]string{"train", "--out"}, `--out needs a value`},
		{[]string{"seed", "extra"}, `'candor seed' takes no arguments, got "extra"`},
		{[]string{"migrate", "extra"}, `'candor migrate' takes no arguments`},
		{[]string{"keys", "list", "extra"}, `'candor keys list' takes no arguments`},
		{[]string{"consent", "verify", "--customer", "u1", "extra"}, `'candor consent verify' takes no arguments`},
		{[]string{"train", "--data", "x", "extra"}, `'candor train' takes no arguments`},
		{[]string{"eval", "--data", "x", "-k", "0"}, `--k must be positive`},
		{[]string{"eval", "--data", "x", "--consent", "weird"}, `--consent "weird": use full or mix`},
		{[]string{"import", "movielens", "--declared-genres", "-1", "x"}, `--declared-genres -1: use 0 (none) or more`},
		{[]string{"eval", "--data", "x", "--plot", "out.txt"}, `--plot: plot file "out.txt": name it .eps`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out := &syncBuffer{}
			err := run(context.Background(), append([]string{"candor"}, tc.args...), out, out)
			if got := exitCode(err); got != 2 {
				t.Errorf("exit status %d (%v), want 2", got, err)
			}
			if msg := sentence(err); !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Errorf("message %q, want one line containing %q", msg, tc.want)
			}
			if strings.Contains(out.String(), "listening") || strings.Contains(out.String(), "USAGE") {
				t.Errorf("printed %q", out)
			}
		})
	}
}

func TestEnvironmentValueIsOneSentence(t *testing.T) {
	t.Setenv("CANDOR_READ_TIMEOUT", "banana")
	err := run(context.Background(), []string{"candor", "keys", "list"}, io.Discard, io.Discard)
	if exitCode(err) != 2 || sentence(err) != `--read-timeout / CANDOR_READ_TIMEOUT "banana" is not a duration such as 500ms, 5s, 1m or 720h.` {
		t.Errorf("err = %q (exit %d)", sentence(err), exitCode(err))
	}
}

// TestHelp: a subcommand's help lists its own flags and only the global
// ones it reads; every default is printed once.
func TestHelp(t *testing.T) {
	for _, tc := range []struct {
		args          []string
		want, notWant []string
	}{
		{[]string{"--help"}, []string{"HTTP SERVER OPTIONS:", "--addr string", "(default: 395 days (9480h))", "COMMANDS:", "train"}, nil},
		{[]string{"consent", "verify", "--help"}, []string{"--customer string", "--redis-url", "--policy-version"}, []string{"--addr", "--read-timeout", "--retention", "--log-format"}},
		{[]string{"keys", "create", "--help"}, []string{"--role string", "REDIS OPTIONS:"}, []string{"--addr", "CONSENT AND DATA"}},
		{[]string{"eval", "--help"}, []string{"-k int", "(default: 10)"}, []string{"--redis-url", "GLOBAL", "--addr"}},
		{[]string{"import", "--help"}, []string{"movielens"}, []string{"--addr"}},
		{[]string{"keys"}, []string{"create", "revoke"}, nil},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out := &syncBuffer{}
			if err := run(context.Background(), append([]string{"candor"}, tc.args...), out, out); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("help lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(out.String(), w) {
					t.Errorf("help has %q:\n%s", w, out)
				}
			}
			for _, line := range strings.Split(out.String(), "\n") {
				if strings.Count(line, "default") > 1 && strings.Count(line, "(default") > 1 || strings.Contains(line, "(default ") {
					t.Errorf("a default printed twice: %s", line)
				}
			}
		})
	}
}

func TestSentence(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{candor.Errorf(candor.EInvalid, `unknown role "x": use site, marketer or admin`), `Unknown role "x": use site, marketer or admin.`},
		{fmt.Errorf("Redis at h:1: %w", &candor.Error{Code: candor.EUnavailable, Message: "The data store is unavailable; try again shortly.", Op: "redisstore.Ping", Err: errors.New("dial tcp: connection refused")}),
			"Redis at h:1: The data store is unavailable; try again shortly (dial tcp: connection refused)."},
		{candor.Wrap("redisstore.PutModel", candor.Errorf(candor.EInvalid, "too big")), "Too big."},
		{&candor.Error{Code: candor.EInternal, Op: "models.Decode", Err: errors.New("bad magic")}, "models.Decode: bad magic."},
		{errors.New("plain failure"), "Plain failure."},
		{usagef("--k: required by candor eval"), "--k: required by candor eval."},
	} {
		if got := sentence(tc.err); got != tc.want {
			t.Errorf("sentence(%v) = %q, want %q", tc.err, got, tc.want)
		}
		if strings.Contains(sentence(tc.err), "<") {
			t.Errorf("%q shows an error code", sentence(tc.err))
		}
	}
}

func TestDidYouMean(t *testing.T) {
	cmds := []string{"serve", "seed", "keys", "consent", "train", "import", "eval", "migrate"}
	for _, tc := range []struct{ in, want string }{
		{"trian", "train"}, {"train", "train"}, {"sed", "seed"}, {"imprt", "import"}, {"evl", "eval"},
		{"bogus", ""}, {"x", ""}, {"migr", "migrate"},
	} {
		got := didYouMean(tc.in, cmds)
		want := ""
		if tc.want != "" {
			want = fmt.Sprintf(" (did you mean %q?)", tc.want)
		}
		if got != want {
			t.Errorf("didYouMean(%q) = %q, want %q", tc.in, got, want)
		}
	}
}

// TestConsentVerifyWithoutLog: no log is a failure (exit 1), not "0
// entries, chain valid".
func TestConsentVerifyWithoutLog(t *testing.T) {
	db := redistest.New(t)
	out := &syncBuffer{}
	err := run(context.Background(), []string{"candor", "--redis-url", redisURL(db), "--redis-timeout", "5s", "--namespace", db.Namespace,
		"consent", "verify", "--customer", "nobody"}, out, io.Discard)
	if exitCode(err) != 1 || !strings.Contains(sentence(err), "No consent log for nobody") {
		t.Errorf("err = %v (exit %d), want exit 1 with no consent log for nobody", err, exitCode(err))
	}
	if strings.Contains(out.String(), "chain valid") {
		t.Errorf("printed %q", out)
	}
}

// go-redis's own lines go to the server's log as JSON at debug level, and
// nowhere before there is a log.
func TestRedisClientLinesGoToTheLog(t *testing.T) {
	var l redisLogger
	l.Printf(context.Background(), "dial %s", "x") // no log yet: dropped, no panic
	core, seen := observer.New(zap.DebugLevel)
	l.to.Store(zap.New(core))
	l.Printf(context.Background(), "redis: connection pool: failed to dial after %d attempts", 1)
	if es := seen.All(); len(es) != 1 || es[0].Message != "redis client" || es[0].ContextMap()["detail"] != "redis: connection pool: failed to dial after 1 attempts" {
		t.Errorf("logged %+v", es)
	}
}
