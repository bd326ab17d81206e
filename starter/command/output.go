package command

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"
)

// jsonOutput reports whether --output json was asked for (usage error on an unknown format).
func jsonOutput(c *cli.Context) (bool, error) {
	f := "table"
	// --output may be given before or after the subcommand: the innermost one set wins.
	for _, cc := range c.Lineage() {
		if cc.IsSet(flagOutput) {
			f = cc.String(flagOutput)
			break
		}
	}
	switch f {
	case "table", "":
		return false, nil
	case "json":
		return true, nil
	default:
		return false, usageErrorf("unknown --output %q: use table or json", f)
	}
}

// emit writes v as indented JSON, or calls table to write the human form.
func emit(c *cli.Context, w io.Writer, v any, table func(w io.Writer)) error {
	asJSON, err := jsonOutput(c)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	table(w)
	return nil
}

// newTable returns a tabwriter for aligned columns; call Flush when done.
func newTable(w io.Writer, header ...string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	return tw
}

func row(tw *tabwriter.Writer, cols ...any) {
	s := make([]string, len(cols))
	for i, c := range cols {
		s[i] = fmt.Sprint(c)
	}
	fmt.Fprintln(tw, strings.Join(s, "\t"))
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
