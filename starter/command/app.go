// Package command is the operator's CLI (`starter`): schedules (CB job plans), one-off runs,
// status, orders, settings checks, search-attribute setup and the sandbox. The binary in
// starter/main.go is a thin shell over Run; tests and the `make run` supervisor call this
// package directly.
package command

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/urfave/cli/v2"
	"go.temporal.io/sdk/client"

	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/connectedbusiness"
	"github.com/cartrover-cb/ordermanager/internal/version"
)

// Env is what the commands need from the outside world; the zero value uses the real ones.
type Env struct {
	// Stdout receives results (tables or JSON); nil = os.Stdout.
	Stdout io.Writer
	// Stderr receives progress lines and messages; nil = os.Stderr.
	Stderr io.Writer
	// Dial connects to Temporal; nil = client.DialContext. Tests hand in a dev-server client or a mock.
	Dial func(ctx context.Context, opts client.Options) (client.Client, error)
	// Now is the clock used for workflow IDs and --since; nil = time.Now.
	Now func() time.Time
	// NewCB builds the CB client for `settings check --against-cb`; nil = the CB webservice client.
	NewCB func(ctx context.Context, cfg config.CB) (connectedbusiness.Service, error)
	// PollInterval is how often `run --wait` asks for progress; 0 = one second.
	PollInterval time.Duration
}

func (e *Env) stdout() io.Writer {
	if e.Stdout == nil {
		return os.Stdout
	}
	return e.Stdout
}

func (e *Env) stderr() io.Writer {
	if e.Stderr == nil {
		return os.Stderr
	}
	return e.Stderr
}

func (e *Env) now() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}

// runID is a readable workflow ID for a run the starter starts: prefix, the start time to the
// millisecond, and a random suffix, so two starts in the same millisecond never become one run.
func (e *Env) runID(prefix string) string { return runIDAt(prefix, e.now()) }

// NewRunID is a workflow ID for a run started now: prefix, the time to the millisecond and a
// random suffix (e.g. ordermanager:manual:20260102T150405.123Z-3fa9c1).
func NewRunID(prefix string) string { return runIDAt(prefix, time.Now()) }

func runIDAt(prefix string, t time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return prefix + t.UTC().Format("20060102T150405.000Z") + "-" + hex.EncodeToString(b[:])
}

// UsageError is a usage or configuration error: the process exits with status 2.
type UsageError struct{ msg string }

// Error returns the message, which says what to do.
func (u *UsageError) Error() string { return u.msg }

func usageErrorf(format string, args ...any) error {
	return &UsageError{msg: fmt.Sprintf(format, args...)}
}

// ExitCode maps an error returned by Run to the process exit status:
// 0 success, 2 usage or configuration error, 1 anything else.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	var u *UsageError
	if errors.As(err, &u) {
		return 2
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) && ec.ExitCode() != 1 && ec.ExitCode() != 0 {
		return 2 // urfave/cli's own exits (e.g. 3 for an unknown help topic) are usage errors
	}
	return 1
}

// Run runs the CLI with args (args[0] is the program name) and returns its error; use ExitCode
// to turn it into an exit status.
func Run(ctx context.Context, args []string, env Env) error {
	app := App(&env)
	return app.RunContext(ctx, ReorderArgs(app, args))
}

// App builds the urfave/cli application over env.
func App(env *Env) *cli.App {
	app := &cli.App{
		Name:    "starter",
		Version: version.String(),
		Usage:   "operate the CartRover ↔ Connected Business Order Manager on Temporal",
		Description: "Schedules are CB's job plans: apply one from a settings file (paused = not yet approved),\n" +
			"approve it, and watch its runs here or in the Temporal Web UI. Flags may come before or after\n" +
			"a command's arguments.\n\n" + exitStatusHelp,
		Flags:                connectionFlags(),
		Writer:               env.stdout(),
		ErrWriter:            env.stderr(),
		EnableBashCompletion: true,
		// Cron expressions contain commas: repeat --cron instead of splitting on them.
		DisableSliceFlagSeparator: true,
		// Errors are returned to main, which prints them and picks the exit status; the default
		// handler would call os.Exit from inside the library.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageErrorf("%v (see --help)", err)
		},
		Commands: []*cli.Command{
			scheduleCommand(env),
			runCommand(env),
			statusCommand(env),
			ordersCommand(env),
			settingsCommand(env),
			setupCommand(env),
			sandboxCommand(env),
			codecServerCommand(env),
			codecKeyCommand(env),
		},
	}
	setUsageErrors(app.Commands)
	return app
}

// exitStatusHelp is the exit-status contract, shown in every command's --help.
const exitStatusHelp = "EXIT STATUS: 0 success; 1 the operation failed or found problems (a run failed, CB lacks a\n" +
	"code the settings name, Temporal could not be reached, interrupted); 2 usage or configuration\n" +
	"error (unknown flag or command, missing argument, invalid settings file, malformed TEMPORAL_*)."

// setUsageErrors makes flag errors of every subcommand usage errors (exit status 2), lets every
// leaf command take --output after its name too, refuses arguments a command does not take, and
// lists the exit statuses in every command's help.
func setUsageErrors(cmds []*cli.Command) {
	for _, c := range cmds {
		if c.Description == "" {
			c.Description = exitStatusHelp
		} else {
			c.Description += "\n\n" + exitStatusHelp
		}
		if len(c.Subcommands) == 0 && c.Name != "sandbox" {
			c.Flags = append(c.Flags, &cli.StringFlag{Name: flagOutput, Aliases: []string{"o"}, Usage: "output format: table or json", DefaultText: "table"})
		}
		if len(c.Subcommands) == 0 && c.ArgsUsage == "" && c.Action != nil {
			act := c.Action
			c.Action = func(cc *cli.Context) error {
				if cc.NArg() > 0 {
					return usageErrorf("%s takes no arguments, got %q (see --help)", cc.Command.FullName(), cc.Args().Slice())
				}
				return act(cc)
			}
		}
		c.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
			return usageErrorf("%v (see --help)", err)
		}
		setUsageErrors(c.Subcommands)
	}
}

// withClient dials Temporal, runs f, and closes the client.
func withClient(env *Env, c *cli.Context, f func(client.Client) error) error {
	cl, err := env.dial(c)
	if err != nil {
		return err
	}
	defer cl.Close()
	return f(cl)
}

// oneArg returns the single positional argument (or the value of flag --name), or a usage error.
func oneArg(c *cli.Context, what string) (string, error) {
	switch c.NArg() {
	case 1:
		return c.Args().First(), nil
	case 0:
		return "", usageErrorf("%s: give the %s as the argument (see --help)", c.Command.FullName(), what)
	default:
		return "", usageErrorf("%s: give exactly one %s, got %d arguments", c.Command.FullName(), what, c.NArg())
	}
}
