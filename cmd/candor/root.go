package main

import (
	"github.com/urfave/cli/v3"
)

// rootCommand is the command tree. With no subcommand, candor serves.
func rootCommand() *cli.Command {
	return &cli.Command{
		Name:  "candor",
		Usage: "consent-aware recommendations with exact explanations",
		Description: "Without a subcommand candor serves the HTTP API. Without REDIS_URL it starts an\n" +
			"embedded Redis, seeds demo data and prints one demo API key per role.",
		Flags:          globalFlags(),
		DefaultCommand: "serve",
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
	}
}
