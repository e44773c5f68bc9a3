// Command candor is Candor's single binary: the server (the default), the
// demo seeder, key management, training, evaluation and imports.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/redis/go-redis/v9"
)

func main() {
	redis.SetLogger(&redisLog) // once, before any client: go-redis reads it unguarded
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "candor:", sentence(err))
		os.Exit(exitCode(err)) // 2 for a usage error, 1 for a failure
	}
}

// run executes the command line args; tests call it directly. Mistakes on
// the command line come back as a *usageError with one sentence.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runWithInput(ctx, args, nil, stdout, stderr)
}

// runWithInput is run with stdin as standard input (nil: the process's).
func runWithInput(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	app := rootCommand()
	app.Reader, app.Writer, app.ErrWriter = stdin, stdout, stderr
	return cliError(app, app.Run(ctx, args))
}
