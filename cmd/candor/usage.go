package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/urfave/cli/v3"

	"github.com/candorhq/candor"
)

// usageError is a mistake on the command line (an unknown command or flag,
// a bad flag value, a missing argument): the process exits with status 2
// and prints Message, one sentence, instead of the usage text.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef returns a usageError with a formatted message.
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// exitCode is the process status for err: 0 for none, 2 for a usage
// error, 1 for anything else.
func exitCode(err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		return 2
	}
	return 1
}

// sentence renders err for a person at a terminal: no error codes, no
// internal operation names unless the error is internal, starting with a
// capital (unless it starts with a name such as redisstore.PutModel) and
// ending with a full stop.
func sentence(err error) string {
	var ue *usageError
	s := ""
	if errors.As(err, &ue) {
		s = ue.msg
	} else {
		s = plain(err)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "Failed."
	}
	if first, _, _ := strings.Cut(s, " "); !strings.ContainsAny(first, "._/") {
		r, n := utf8.DecodeRuneInString(s)
		s = string(unicode.ToUpper(r)) + s[n:]
	}
	if !strings.ContainsAny(s[len(s)-1:], ".!?") {
		s += "."
	}
	return s
}

// plain renders err without the codes of *candor.Error; the text that
// fmt.Errorf wrappers put before it is kept.
func plain(err error) string {
	var ce *candor.Error
	if !errors.As(err, &ce) {
		return err.Error()
	}
	outer := strings.TrimSuffix(err.Error(), ce.Error())
	return outer + candorText(ce)
}

// candorText is the message of e for an operator: the client-safe message,
// with the foreign cause in brackets when the store was unavailable (so
// that "i/o timeout" is seen), or the operation and cause of an internal
// error.
func candorText(e *candor.Error) string {
	var inner *candor.Error
	innerIsCandor := errors.As(e.Err, &inner)
	switch {
	case e.Code == candor.EInternal || e.Code == "" && e.Message == "":
		if e.Err == nil {
			return strings.TrimSpace(e.Op + " failed")
		}
		if innerIsCandor {
			return plain(e.Err)
		}
		if e.Op != "" {
			return e.Op + ": " + e.Err.Error()
		}
		return e.Err.Error()
	case e.Code == candor.EUnavailable && e.Err != nil && !innerIsCandor:
		return strings.TrimRight(e.Message, ".") + " (" + e.Err.Error() + ")"
	}
	return e.Message
}

// Messages of urfave/cli that cliError turns into sentences.
var (
	badFlagValue = regexp.MustCompile(`^invalid value "(.*)" for flag -(\S+): `)
	badEnvValue  = regexp.MustCompile(`^could not parse "(.*)" as \S+ value from environment variable "(\S+)" for flag (\S+): `)
	unknownFlag  = regexp.MustCompile(`^flag provided but not defined: -+(\S+)`)
	missingFlags = regexp.MustCompile(`^Required flags? "(.+)" not set`)
	noHelpTopic  = regexp.MustCompile(`^No help topic for '(.*)'`)
	noFlagValue  = regexp.MustCompile(`^flag needs an argument: -+(\S+)`)
)

// cliError turns the errors urfave/cli makes about the command line of cmd
// into usage errors with one sentence naming the setting; other errors
// pass through.
func cliError(cmd *cli.Command, err error) error {
	if err == nil {
		return nil
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return err
	}
	msg := err.Error()
	if m := badFlagValue.FindStringSubmatch(msg); m != nil {
		return usagef("%s %q is not %s", settingName(cmd, m[2]), m[1], expected(findFlag(cmd, m[2])))
	}
	if m := badEnvValue.FindStringSubmatch(msg); m != nil {
		return usagef("%s %q is not %s", settingName(cmd, m[3]), m[1], expected(findFlag(cmd, m[3])))
	}
	if m := unknownFlag.FindStringSubmatch(msg); m != nil {
		return usagef("unknown flag --%s for %s%s; see '%s --help'", m[1], cmd.FullName(), didYouMean(m[1], flagNames(cmd)), cmd.FullName())
	}
	if m := missingFlags.FindStringSubmatch(msg); m != nil {
		names := strings.Split(m[1], ", ")
		for i, n := range names {
			names[i] = "--" + strings.TrimSpace(n)
		}
		return usagef("%s: required by %s; see '%s --help'", joinAnd(names), cmd.FullName(), cmd.FullName())
	}
	if m := noHelpTopic.FindStringSubmatch(msg); m != nil {
		return unknownCommand(cmd, m[1])
	}
	if m := noFlagValue.FindStringSubmatch(msg); m != nil {
		return usagef("%s needs a value; see '%s --help'", settingName(cmd, m[1]), cmd.FullName())
	}
	return err
}

// settingName names a flag as the README does: "--read-timeout /
// CANDOR_READ_TIMEOUT", or just "--k" when it has no environment variable.
func settingName(cmd *cli.Command, name string) string {
	s := "--" + name
	if f := findFlag(cmd, name); f != nil {
		if env := envOf(f); env != "" {
			s += " / " + env
		}
	}
	return s
}

// envOf is the first environment variable a flag reads, or "".
func envOf(f cli.Flag) string {
	if s, ok := f.(interface{ GetEnvVars() []string }); ok {
		if envs := s.GetEnvVars(); len(envs) > 0 {
			return envs[0]
		}
	}
	return ""
}

// findFlag looks name up in cmd and its ancestors.
func findFlag(cmd *cli.Command, name string) cli.Flag {
	for c := cmd; c != nil; c = parentOf(c) {
		for _, f := range c.Flags {
			for _, n := range f.Names() {
				if n == name {
					return f
				}
			}
		}
	}
	return nil
}

// parentOf is cmd's parent command, or nil for the root.
func parentOf(cmd *cli.Command) *cli.Command {
	if l := cmd.Lineage(); len(l) > 1 {
		return l[1]
	}
	return nil
}

// flagNames lists the flags cmd accepts, its own and its ancestors'.
func flagNames(cmd *cli.Command) []string {
	var out []string
	for c := cmd; c != nil; c = parentOf(c) {
		for _, f := range c.Flags {
			out = append(out, f.Names()...)
		}
	}
	return out
}

// expected says in words what a flag's value must look like.
func expected(f cli.Flag) string {
	switch f.(type) {
	case *cli.DurationFlag:
		return "a duration such as 500ms, 5s, 1m or 720h"
	case *cli.IntFlag:
		return "a whole number"
	case *cli.UintFlag, *cli.Uint64Flag:
		return "a whole number of 0 or more"
	case *cli.FloatFlag:
		return "a number such as 0.25"
	case *cli.BoolFlag:
		return "true or false"
	}
	return "a valid value"
}

// unknownCommand is the error for a command name parent does not have,
// suggesting the closest one and listing them all.
func unknownCommand(parent *cli.Command, name string) error {
	var names, described []string
	for _, c := range visibleCommands(parent) {
		names = append(names, c.Name)
		described = append(described, c.Name+" ("+c.Usage+")")
	}
	where := ""
	if parentOf(parent) != nil {
		where = " of " + parent.FullName()
	}
	if parent.Name == "import" {
		return usagef("unknown import kind %q%s; the kinds are: %s", name, didYouMean(name, names), strings.Join(described, "; "))
	}
	return usagef("unknown command %q%s%s; the commands are %s (see '%s --help')", name, where, didYouMean(name, names), joinAnd(names), parent.FullName())
}

// joinAnd joins words as "a, b and c".
func joinAnd(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// didYouMean is ` (did you mean "train"?)` when one candidate is close to
// name, else "".
func didYouMean(name string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(name), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" || bestD > max(1, len(best)/3) && !strings.HasPrefix(best, name) {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and swaps of neighbours cost 1.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}
