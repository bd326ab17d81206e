package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/urfave/cli/v2"

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
			Flags:     []cli.Flag{&cli.StringFlag{Name: "settings", Usage: "the settings file (or give it as the argument)"}, &cli.BoolFlag{Name: "against-cb", Usage: "also ask CB (CB_BASE_URL, CB_USER_CODE, CB_PASSWORD from the environment)"}},
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
					var cbc config.CB
					if err := config.Load(c.Context, &cbc); err != nil {
						return &UsageError{msg: err.Error()}
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
