package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v2"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/connectedbusiness"
	"github.com/cartrover-cb/ordermanager/settings"
)

// CheckAgainstCB verifies that everything the settings name exists in CB (settings.CBRefs says
// what; settings.MissingInCB judges): it lists each CB set the settings need once. It returns every
// problem at once (nil = all found); an error means CB could not be asked.
func CheckAgainstCB(ctx context.Context, cb connectedbusiness.Service, s settings.Settings) ([]settings.FieldError, error) {
	refs := s.CBRefs()
	have := map[settings.CBSet][]settings.CBCode{}
	for _, set := range settings.CBSets(refs) {
		got, err := listCB(ctx, cb, set)
		if err != nil {
			what := string(set.Kind) + "s"
			if set.BusinessType != "" {
				what += " (" + set.BusinessType + ")"
			}
			return nil, fmt.Errorf("list CB %s: %w", what, err)
		}
		have[set] = got
	}
	return settings.MissingInCB(refs, have), nil
}

// listCB asks CB for one set of codes. Class templates are listed per business type with the
// country left empty (assumption: CB lists the templates of every country then), since the settings
// do not name one.
func listCB(ctx context.Context, cb connectedbusiness.Service, set settings.CBSet) ([]settings.CBCode, error) {
	code := func(c string) settings.CBCode { return settings.CBCode{Code: c} }
	switch set.Kind {
	case settings.CBShippingMethods:
		return codes(func(m connectedbusiness.ShippingMethod) settings.CBCode {
			return settings.CBCode{Group: m.Group, Code: m.Code}
		})(cb.ShippingMethods(ctx))
	case settings.CBWarehouses:
		return codes(func(w connectedbusiness.Warehouse) settings.CBCode { return code(w.Code) })(cb.Warehouses(ctx))
	case settings.CBPaymentTerms:
		return codes(func(t connectedbusiness.PaymentTerm) settings.CBCode { return code(t.Code) })(cb.PaymentTerms(ctx))
	case settings.CBSources:
		return codes(func(s connectedbusiness.Source) settings.CBCode { return code(s.Code) })(cb.Sources(ctx))
	case settings.CBWebSites:
		return codes(func(w connectedbusiness.WebSite) settings.CBCode { return code(w.Code) })(cb.WebSites(ctx))
	}
	list := cb.CustomerClassTemplates
	if set.Kind == settings.CBShipToClassTemplates {
		list = cb.ShipToClassTemplates
	}
	template := func(t connectedbusiness.ClassTemplate) settings.CBCode { return code(t.ClassCode) }
	return codes(template)(list(ctx, connectedbusiness.BusinessType(set.BusinessType), ""))
}

// codes turns one CB list answer into the codes it holds.
func codes[T any](code func(T) settings.CBCode) func([]T, error) ([]settings.CBCode, error) {
	return func(l []T, err error) ([]settings.CBCode, error) {
		out := make([]settings.CBCode, 0, len(l))
		for _, x := range l {
			out = append(out, code(x))
		}
		return out, err
	}
}

// newWebService is the real CB client (CB's JSON webservice).
func newWebService(_ context.Context, cfg config.CB) (connectedbusiness.Service, error) {
	return connectedbusiness.NewWebService(connectedbusiness.Config{BaseURL: cfg.BaseURL, UserCode: cfg.UserCode, Password: cfg.Password.Reveal()})
}

// checkUser picks the CB user `settings check --against-cb` signs in as: the CB_CHECK_* user when
// set; otherwise the worker's CB_* user, after saying that this takes over its session, and only
// with --yes when a worker appears to run on it (one polls the task queue) or that cannot be told.
func checkUser(c *cli.Context, env *Env) (config.CB, error) {
	var chk config.CBCheck
	if err := config.Load(c.Context, &chk); err != nil {
		return config.CB{}, &UsageError{msg: err.Error()}
	}
	if chk.Set() {
		var base struct {
			BaseURL string `env:"CB_BASE_URL"`
		}
		if err := config.Load(c.Context, &base); err != nil {
			return config.CB{}, &UsageError{msg: err.Error()}
		}
		cbc := config.CB(chk)
		if cbc.BaseURL == "" {
			cbc.BaseURL = base.BaseURL
		}
		if cbc.BaseURL == "" {
			return cbc, usageErrorf("settings check: set CB_CHECK_BASE_URL or CB_BASE_URL to the CB webservice root")
		}
		fmt.Fprintf(env.stderr(), "settings check: signing in to CB as %s (CB_CHECK_USER_CODE), not the worker's user\n", cbc.UserCode)
		return cbc, nil
	}
	var cbc config.CB
	if err := config.Load(c.Context, &cbc); err != nil {
		return cbc, &UsageError{msg: err.Error()}
	}
	fmt.Fprintf(env.stderr(), "settings check: signing in to CB as %s takes over that user's CB session (CB allows one per user);\n"+
		"  a worker running as %s is signed out and signs in again on its next call. Set CB_CHECK_USER_CODE and\n"+
		"  CB_CHECK_PASSWORD to check as a separate user instead.\n", cbc.UserCode, cbc.UserCode)
	if c.Bool("yes") {
		return cbc, nil
	}
	tq := taskQueueOf(c)
	pollers, err := workerPollers(c, env, tq)
	switch {
	case err != nil:
		return cbc, usageErrorf("settings check: cannot tell whether a worker runs as CB user %s (%v): add --yes to sign in anyway, or set CB_CHECK_USER_CODE", cbc.UserCode, err)
	case pollers > 0:
		return cbc, usageErrorf("settings check: %d worker(s) poll task queue %s and probably run as CB user %s: add --yes to take over their CB session for the check, or set CB_CHECK_USER_CODE", pollers, tq, cbc.UserCode)
	}
	return cbc, nil
}

// taskQueueOf is the --task-queue of c or its parents.
func taskQueueOf(c *cli.Context) string {
	for _, cc := range c.Lineage() {
		if cc.IsSet(flagTaskQueue) {
			return cc.String(flagTaskQueue)
		}
	}
	return c.String(flagTaskQueue)
}

// workerPollers counts the workers polling the task queue for activities (where CB calls run).
func workerPollers(c *cli.Context, env *Env, taskQueue string) (int, error) {
	n := 0
	err := withClient(env, c, func(cl client.Client) error {
		ctx, cancel := context.WithTimeout(c.Context, 10*time.Second)
		defer cancel()
		resp, err := cl.DescribeTaskQueue(ctx, taskQueue, enumspb.TASK_QUEUE_TYPE_ACTIVITY)
		if err != nil {
			return fmt.Errorf("describe task queue %s: %w", taskQueue, err)
		}
		for _, p := range resp.GetPollers() {
			// Pollers seen in the last few minutes count: a stopped worker drops out of the list.
			if p.GetLastAccessTime() == nil || time.Since(p.GetLastAccessTime().AsTime()) < 5*time.Minute {
				n++
			}
		}
		return nil
	})
	return n, err
}

// SettingsReport is what `settings check` reports.
type SettingsReport struct {
	File           string                `json:"file"`
	Valid          bool                  `json:"valid"`
	SettingsDigest string                `json:"settings_digest,omitempty"`
	CheckedAgainst string                `json:"checked_against,omitempty"`
	Problems       []settings.FieldError `json:"problems"`
}

func settingsCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:  "settings",
		Usage: "check connector settings files",
		Subcommands: []*cli.Command{{
			Name:      "check",
			Usage:     "validate a settings file; with --against-cb also check every CB code it names exists",
			ArgsUsage: "FILE",
			Description: "CB allows one session per user. --against-cb signs in as CB_USER_CODE, taking over the\n" +
				"session of a worker running on that user (it signs in again, forcing the check out, on its next\n" +
				"call); so when a worker polls the task queue, or Temporal cannot be asked, the check refuses\n" +
				"unless --yes is given. With CB_CHECK_USER_CODE and CB_CHECK_PASSWORD (and optionally\n" +
				"CB_CHECK_BASE_URL) set, it signs in as that separate user instead and never needs --yes.\n\n" +
				"EXAMPLES:\n" +
				"   starter settings check deploy/settings.sandbox.yaml\n" +
				"   starter settings check deploy/settings.sandbox.yaml --against-cb --yes",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "settings", Usage: "the settings file (or give it as the argument)"},
				&cli.BoolFlag{Name: "against-cb", Usage: "also ask CB (CB_BASE_URL, CB_USER_CODE, CB_PASSWORD, or CB_CHECK_* for a separate user)"},
				&cli.BoolFlag{Name: "yes", Usage: "with --against-cb as the worker's CB user: go ahead although it takes over that user's CB session"},
			},
			Action: func(c *cli.Context) error {
				path := c.String("settings")
				if path == "" || c.NArg() > 0 {
					var err error
					if path, err = oneArg(c, "settings file"); err != nil {
						return err
					}
				}
				rep := SettingsReport{File: path, Problems: []settings.FieldError{}}
				s, err := settings.Load(path)
				var ve *settings.ValidationError
				switch {
				case errors.As(err, &ve):
					rep.Problems = ve.Problems
				case err != nil:
					return &UsageError{msg: err.Error()}
				default:
					rep.SettingsDigest = SettingsDigest(s)
				}
				if err == nil && c.Bool("against-cb") {
					cbc, err := checkUser(c, env)
					if err != nil {
						return err
					}
					newCB := env.NewCB
					if newCB == nil {
						newCB = newWebService
					}
					svc, err := newCB(c.Context, cbc)
					if err != nil {
						return fmt.Errorf("connect to CB at %s: %w", cbc.BaseURL, err)
					}
					probs, err := CheckAgainstCB(c.Context, svc, s)
					// Leave no session behind: the worker's next call then signs in without forcing.
					sctx, cancel := context.WithTimeout(context.WithoutCancel(c.Context), 10*time.Second)
					if serr := svc.SignOut(sctx); serr != nil {
						fmt.Fprintf(env.stderr(), "settings check: could not sign out of CB (%v); the worker's next sign-in forces this session out\n", serr)
					}
					cancel()
					if err != nil {
						return err
					}
					rep.CheckedAgainst, rep.Problems = cbc.BaseURL, probs
				}
				rep.Valid = len(rep.Problems) == 0
				if err := emit(c, env.stdout(), rep, func(w io.Writer) {
					if rep.Valid {
						fmt.Fprintf(w, "%s is valid (settings digest %s)", path, short(rep.SettingsDigest))
						if rep.CheckedAgainst != "" {
							fmt.Fprintf(w, "; every CB code it names exists in %s", rep.CheckedAgainst)
						}
						fmt.Fprintln(w)
						return
					}
					fmt.Fprintf(w, "%s has %d problem(s):\n", path, len(rep.Problems))
					for _, p := range rep.Problems {
						fmt.Fprintf(w, "  %s: %s\n", p.Key, p.Problem)
					}
				}); err != nil {
					return err
				}
				switch {
				case !rep.Valid && rep.CheckedAgainst == "":
					// The file itself is invalid: a configuration error, as in every other command.
					return &UsageError{}
				case !rep.Valid:
					return cli.Exit("", 1) // CB lacks codes the settings name
				}
				return nil
			},
		}},
	}
}
