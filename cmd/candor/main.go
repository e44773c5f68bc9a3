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
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "candor:", err)
		os.Exit(1)
	}
}

// run executes the command line args; tests call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	app := rootCommand()
	app.Writer, app.ErrWriter = stdout, stderr
	return app.Run(ctx, args)
}
