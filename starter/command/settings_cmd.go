package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/urfave/cli/v2"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/connectedbusiness"
	"github.com/cartrover-cb/ordermanager/settings"
)

// CheckAgainstCB verifies that everything the settings name exists in CB: every mapped shipping
// method pair, class template, warehouse, payment term, source and web site. It returns every
// problem at once (nil = all found); an error means CB could not be asked.
func CheckAgainstCB(ctx context.Context, cb connectedbusiness.Service, s settings.Settings) ([]settings.FieldError, error) {
	var probs []settings.FieldError
	add := func(key, format string, args ...any) {
		probs = append(probs, settings.FieldError{Key: key, Problem: fmt.Sprintf(format, args...)})
	}
	carts := make([]string, 0, len(s.Carts))
	for k := range s.Carts {
		carts = append(carts, k)
	}
	sort.Strings(carts)

	methods, err := cb.ShippingMethods(ctx)
	if err != nil {
		return nil, fmt.Errorf("list CB shipping methods: %w", err)
	}
	haveMethod := map[[2]string]bool{}
	for _, m := range methods {
		haveMethod[[2]string{m.Group, m.Code}] = true
	}
	checkShipping := func(key string, sh settings.Shipping) {
		for i, r := range sh.Rules {
			if !haveMethod[[2]string{r.To.Group, r.To.Code}] {
				add(fmt.Sprintf("%s.rules[%d].to", key, i), "CB has no shipping method %s/%s: create it in CB or map the rule to an existing group and code", r.To.Group, r.To.Code)
			}
		}
		if d := sh.Default; d != nil && !haveMethod[[2]string{d.Group, d.Code}] {
			add(key+".default", "CB has no shipping method %s/%s: create it in CB or pick an existing group and code", d.Group, d.Code)
		}
	}
	checkShipping("shipping", s.Shipping)
	for _, k := range carts {
		if sh := s.Carts[k].Shipping; sh != nil {
			checkShipping("carts."+k+".shipping", *sh)
		}
	}

	warehouses, err := cb.Warehouses(ctx)
	if err != nil {
		return nil, fmt.Errorf("list CB warehouses: %w", err)
	}
	haveWH := map[string]bool{}
	for _, w := range warehouses {
		haveWH[w.Code] = true
	}
	checkWH := func(key, code string) {
		if code != "" && !haveWH[code] {
			add(key, "CB has no warehouse %q: use an existing warehouse code", code)
		}
	}
	checkWH("warehouse", s.Warehouse)
	for i, w := range s.Inventory.Warehouses {
		checkWH(fmt.Sprintf("inventory.warehouses[%d]", i), w)
	}

	terms, err := cb.PaymentTerms(ctx)
	if err != nil {
		return nil, fmt.Errorf("list CB payment terms: %w", err)
	}
	haveTerm := map[string]bool{}
	for _, t := range terms {
		haveTerm[t.Code] = true
	}
	checkTerm := func(key, code string) {
		if code != "" && !haveTerm[code] {
			add(key, "CB has no payment term %q: use an existing payment term code", code)
		}
	}
	checkTerm("payment_term", s.PaymentTerm)

	sources, err := cb.Sources(ctx)
	if err != nil {
		return nil, fmt.Errorf("list CB sources: %w", err)
	}
	haveSource := false
	for _, src := range sources {
		haveSource = haveSource || src.Code == s.SourceCode
	}
	if !haveSource {
		add("source_code", "CB has no source %q: create it in CB or use an existing source code", s.SourceCode)
	}

	sites, err := cb.WebSites(ctx)
	if err != nil {
		return nil, fmt.Errorf("list CB web sites: %w", err)
	}
	haveSite := map[string]bool{}
	for _, w := range sites {
		haveSite[w.Code] = true
	}
	checkSite := func(key, code string) {
		if code != "" && !haveSite[code] {
			add(key, "CB has no e-commerce web site %q: use an existing web site code", code)
		}
	}
	checkSite("website_code", s.WebSiteCode)

	// Class templates are listed per business type; the country is left empty (assumption: CB
	// lists the templates of every country then), since the settings do not name one.
	templates := map[string]map[string]bool{} // kind/businessType → codes
	checkTemplate := func(key, kind, businessType, code string) error {
		if code == "" {
			return nil
		}
		tk := kind + "/" + businessType
		if templates[tk] == nil {
			var list []connectedbusiness.ClassTemplate
			var err error
			if kind == "customer" {
				list, err = cb.CustomerClassTemplates(ctx, connectedbusiness.BusinessType(businessType), "")
			} else {
				list, err = cb.ShipToClassTemplates(ctx, connectedbusiness.BusinessType(businessType), "")
			}
			if err != nil {
				return fmt.Errorf("list CB %s class templates (%s): %w", kind, businessType, err)
			}
			templates[tk] = map[string]bool{}
			for _, t := range list {
				templates[tk][t.ClassCode] = true
			}
		}
		if !templates[tk][code] {
			add(key, "CB has no %s %s class template %q: use an existing class template code (or leave it empty for CB's default)", businessType, kind, code)
		}
		return nil
	}
	type tcheck struct{ key, kind, bt, code string }
	checks := []tcheck{
		{"customers.customer_class_template", "customer", s.Customers.BusinessType, s.Customers.CustomerClassTemplate},
		{"customers.ship_to_class_template", "ship-to", s.Customers.BusinessType, s.Customers.ShipToClassTemplate},
	}
	for _, k := range carts {
		c := s.Carts[k]
		bt := c.BusinessType
		if bt == "" {
			bt = s.Customers.BusinessType
		}
		checkWH("carts."+k+".warehouse", c.Warehouse)
		checkTerm("carts."+k+".payment_term", c.PaymentTerm)
		checkSite("carts."+k+".website_code", c.WebSiteCode)
		checks = append(checks,
			tcheck{"carts." + k + ".customer_class_template", "customer", bt, c.CustomerClassTemplate},
			tcheck{"carts." + k + ".ship_to_class_template", "ship-to", bt, c.ShipToClassTemplate})
	}
	for _, ch := range checks {
		if err := checkTemplate(ch.key, ch.kind, ch.bt, ch.code); err != nil {
			return nil, err
		}
	}
	return probs, nil
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
