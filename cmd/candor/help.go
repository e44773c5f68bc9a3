package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v3"
)

// Categories of the global flags. A subcommand's help shows only the
// categories it reads (globalsFor); candor --help shows them all.
const (
	catServer  = "HTTP server"
	catRedis   = "Redis"
	catData    = "Consent and data"
	catLogging = "Logging"
)

// categoryOrder is the order categories are printed in.
var categoryOrder = []string{catServer, catRedis, catData, catLogging}

// globalsFor lists, per top-level command, the global flag categories (or
// single flags) it reads. A command missing here reads no global flag.
var globalsFor = map[string][]string{
	"serve":   categoryOrder,
	"seed":    {catRedis, catData},
	"keys":    {catRedis},
	"consent": {catRedis, "policy-version", "consent-max-age"},
	"train":   {catRedis, catData},
	"import":  {catRedis, catData},
	"migrate": {catRedis},
}

func init() { cli.HelpPrinter = printHelp }

// printHelp replaces urfave/cli's help: a subcommand lists its own flags
// and only the global flags it reads, each default printed once.
func printHelp(w io.Writer, templ string, data any) {
	cmd, ok := data.(*cli.Command)
	if !ok {
		cli.DefaultPrintHelp(w, templ, data)
		return
	}
	writeHelp(w, cmd)
}

// writeHelp writes the help of cmd.
func writeHelp(w io.Writer, cmd *cli.Command) {
	root := parentOf(cmd) == nil
	fmt.Fprintf(w, "NAME:\n   %s - %s\n\nUSAGE:\n   %s\n", cmd.FullName(), cmd.Usage, usageLine(cmd, root))
	if cmd.Description != "" {
		fmt.Fprintf(w, "\nDESCRIPTION:\n   %s\n", strings.ReplaceAll(cmd.Description, "\n", "\n   "))
	}
	if cmds := visibleCommands(cmd); len(cmds) > 0 {
		fmt.Fprintf(w, "\nCOMMANDS:\n")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, c := range cmds {
			fmt.Fprintf(tw, "   %s\t%s\n", c.Name, c.Usage)
		}
		_ = tw.Flush()
	}
	if root {
		writeFlagGroups(w, cmd.Flags, categoryOrder)
		return
	}
	writeFlags(w, "OPTIONS:", cmd.Flags)
	top := cmd.Lineage()[len(cmd.Lineage())-2]
	if applies := globalsFor[top.Name]; len(applies) > 0 {
		fmt.Fprintf(w, "\nGlobal options that apply (before or after the command):\n")
		writeFlagGroups(w, appliesTo(cmd.Root().Flags, applies), categoryOrder)
	}
}

// appliesTo keeps the flags whose category or name is listed in applies.
func appliesTo(flags []cli.Flag, applies []string) []cli.Flag {
	var out []cli.Flag
	for _, f := range flags {
		if slices.Contains(applies, categoryOf(f)) || slices.Contains(applies, f.Names()[0]) {
			out = append(out, f)
		}
	}
	return out
}

// categoryOf is a flag's category, or "".
func categoryOf(f cli.Flag) string {
	if c, ok := f.(interface{ GetCategory() string }); ok {
		return c.GetCategory()
	}
	return ""
}

// usageLine is the USAGE line of cmd.
func usageLine(cmd *cli.Command, root bool) string {
	switch {
	case cmd.UsageText != "":
		return cmd.UsageText
	case root:
		return "candor [global options] [command [options]]"
	case len(visibleCommands(cmd)) > 0:
		return cmd.FullName() + " command [options]"
	}
	s := cmd.FullName() + " [options]"
	if cmd.ArgsUsage != "" {
		s += " " + cmd.ArgsUsage
	}
	return s
}

// visibleCommands are cmd's subcommands without the built-in help.
func visibleCommands(cmd *cli.Command) []*cli.Command {
	var out []*cli.Command
	for _, c := range cmd.Commands {
		if !c.Hidden && c.Name != "help" {
			out = append(out, c)
		}
	}
	return out
}

// writeFlagGroups writes flags by category, in the order of cats.
func writeFlagGroups(w io.Writer, flags []cli.Flag, cats []string) {
	for _, cat := range cats {
		var in []cli.Flag
		for _, f := range flags {
			if categoryOf(f) == cat {
				in = append(in, f)
			}
		}
		writeFlags(w, strings.ToUpper(cat)+" OPTIONS:", in)
	}
}

// describedFlag is what help reads of a flag.
type describedFlag interface {
	cli.Flag
	TakesValue() bool
	TypeName() string
	GetUsage() string
	GetDefaultText() string
	GetValue() string
	GetEnvVars() []string
	IsVisible() bool
}

// writeFlags writes one line per visible flag: names and value type, usage,
// default (once), environment variable.
func writeFlags(w io.Writer, title string, flags []cli.Flag) {
	var lines []string
	for _, f := range flags {
		if d, ok := f.(describedFlag); ok && d.IsVisible() && !slices.Contains(f.Names(), "help") {
			lines = append(lines, flagLine(d))
		}
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s\n", title)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, l := range lines {
		fmt.Fprintln(tw, l)
	}
	_ = tw.Flush()
}

// flagLine renders one flag as "   --name type\tusage (default: x) [$ENV]".
func flagLine(f describedFlag) string {
	names := make([]string, 0, 2)
	for _, n := range f.Names() {
		if len(n) == 1 {
			names = append(names, "-"+n)
		} else {
			names = append(names, "--"+n)
		}
	}
	s := "   " + strings.Join(names, ", ")
	if f.TakesValue() && f.TypeName() != "" {
		s += " " + f.TypeName()
	}
	s += "\t" + f.GetUsage()
	def := f.GetDefaultText()
	if def == "" {
		def = f.GetValue()
	}
	if f.TakesValue() && def != "" && def != `""` && def != "0" {
		s += " (default: " + def + ")"
	}
	if envs := f.GetEnvVars(); len(envs) > 0 {
		s += " [$" + strings.Join(envs, ", $") + "]"
	}
	return s
}
