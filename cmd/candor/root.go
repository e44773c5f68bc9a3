package main

import (
	"context"

	"github.com/urfave/cli/v3"
)

// rootCommand is the command tree. With no subcommand, candor serves; an
// unknown command is a usage error (exit 2) and never serves.
func rootCommand() *cli.Command {
	root := &cli.Command{
		Name:  "candor",
		Usage: "consent-aware recommendations with exact explanations",
		Description: "Without a command candor serves the HTTP API (as 'candor serve'). Without REDIS_URL it\n" +
			"starts an embedded Redis, seeds demo data and prints one demo API key per role.\n" +
			"'candor COMMAND --help' shows a command's options.",
		Flags: globalFlags(),
		Commands: []*cli.Command{
			serveCommand(),
			seedCommand(),
			keysCommand(),
			consentCommand(),
			trainCommand(),
			importCommand(),
			evalCommand(),
			migrateCommand(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Present() {
				return unknownCommand(cmd, cmd.Args().First())
			}
			return serveAction(ctx, cmd)
		},
		// urfave/cli must never exit the process itself: run returns every
		// error and main picks the status.
		ExitErrHandler: func(context.Context, *cli.Command, error) {},
	}
	prepare(root)
	return root
}

// prepare gives every command of the tree one-line usage errors, every
// group of commands an action that refuses unknown subcommands, and every
// command that names no arguments (no ArgsUsage) an action that refuses
// them: 'candor seed extra' would otherwise seed.
func prepare(cmd *cli.Command) {
	cmd.OnUsageError = func(_ context.Context, c *cli.Command, err error, _ bool) error {
		return cliError(c, err)
	}
	if len(cmd.Commands) > 0 && cmd.Action == nil {
		cmd.Action = groupAction
	}
	for _, c := range cmd.Commands {
		if c.Action != nil && c.ArgsUsage == "" && len(c.Commands) == 0 {
			c.Action = noArguments(c.Action)
		}
		prepare(c)
	}
}

// noArguments refuses arguments before action runs.
func noArguments(action cli.ActionFunc) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		if cmd.Args().Present() {
			return usagef("'%s' takes no arguments, got %q", cmd.FullName(), cmd.Args().First())
		}
		return action(ctx, cmd)
	}
}

// groupAction runs for a group of commands (keys, consent, import) when no
// subcommand of it was named: an unknown name is a usage error; none at
// all shows the group's help.
func groupAction(_ context.Context, cmd *cli.Command) error {
	if cmd.Args().Present() {
		return unknownCommand(cmd, cmd.Args().First())
	}
	writeHelp(cmd.Root().Writer, cmd)
	return nil
}
