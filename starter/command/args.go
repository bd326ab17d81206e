package command

import (
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// ReorderArgs lets flags follow positional arguments, as operators type them
// (`settings check FILE --against-cb`, `schedule pause ID --note "…"`): urfave/cli v2 stops parsing
// flags at the first positional argument, so the leaf command's arguments are rewritten to put
// every flag (with its value) first and the positional arguments after, in their order. A "--"
// ends the flags as usual. The app's own flags (--address, --namespace, …) may follow the command
// too: they are moved to the front. Staying on v2 (rather than moving to v3, which parses interspersed
// flags) keeps the help layout, the env-var binding and every other command as they are.
func ReorderArgs(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	out := []string{args[0]}
	flags, cmds := app.Flags, app.Commands
	i := 1
	for i < len(args) {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		if isFlagToken(a) {
			n := flagTokens(flags, args, i)
			out = append(out, args[i:i+n]...)
			i += n
			continue
		}
		sub := findCommand(cmds, a)
		if sub == nil {
			// A positional argument at a level with subcommands: leave the rest to urfave/cli.
			return append(out, args[i:]...)
		}
		out = append(out, a)
		i++
		if len(sub.Subcommands) > 0 {
			flags, cmds = sub.Flags, sub.Subcommands
			continue
		}
		// The leaf command: flags first, then positional arguments. A connection flag of the app
		// (--address, --namespace…) written after the command moves to the front, where v2 wants it.
		var fl, pos, global []string
		for i < len(args) {
			a := args[i]
			if a == "--" {
				pos = append(pos, args[i:]...)
				break
			}
			if isFlagToken(a) {
				if !hasFlag(sub.Flags, a) && hasFlag(app.Flags, a) {
					n := flagTokens(app.Flags, args, i)
					global = append(global, args[i:i+n]...)
					i += n
					continue
				}
				n := flagTokens(sub.Flags, args, i)
				fl = append(fl, args[i:i+n]...)
				i += n
				continue
			}
			pos = append(pos, a)
			i++
		}
		if len(global) > 0 {
			out = append(append([]string{out[0]}, global...), out[1:]...)
		}
		out = append(out, fl...)
		if len(pos) > 0 && pos[0] != "--" {
			// Mark the end of the flags, so a positional argument that starts with "-" stays one.
			out = append(out, "--")
		}
		return append(out, pos...)
	}
	return out
}

func isFlagToken(a string) bool { return len(a) > 1 && a[0] == '-' }

// flagTokens says how many tokens the flag at args[i] takes: 2 when it is a flag that takes a
// value written as the next token, 1 otherwise (boolean, "--name=value", or unknown).
func flagTokens(flags []cli.Flag, args []string, i int) int {
	name := strings.TrimLeft(args[i], "-")
	if strings.Contains(name, "=") {
		return 1
	}
	for _, f := range flags {
		for _, n := range f.Names() {
			if n != name {
				continue
			}
			if tv, ok := f.(interface{ TakesValue() bool }); ok && tv.TakesValue() && i+1 < len(args) {
				return 2
			}
			return 1
		}
	}
	return 1
}

// hasFlag reports whether the flag token a (e.g. "--address" or "--address=x") names one of flags.
func hasFlag(flags []cli.Flag, a string) bool {
	name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
	for _, f := range flags {
		if slices.Contains(f.Names(), name) {
			return true
		}
	}
	return false
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}
