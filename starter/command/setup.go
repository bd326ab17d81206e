package command

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v2"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/cartrover-cb/ordermanager/workflows"
)

// SetupResult says which search attributes `setup` added and which were already there.
type SetupResult struct {
	Added   []string `json:"added"`
	Present []string `json:"present"`
}

// Setup registers the product's custom search attributes (all Keyword) in the namespace.
// It is idempotent: attributes already registered as Keyword are left alone; one registered
// with another type is an error naming it.
func Setup(ctx context.Context, c client.Client, namespace string) (SetupResult, error) {
	res := SetupResult{Added: []string{}, Present: []string{}}
	op := c.OperatorService()
	cur, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return res, fmt.Errorf("list search attributes of namespace %s: %w", namespace, err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for _, name := range workflows.SearchAttributes {
		t, ok := cur.GetCustomAttributes()[name]
		switch {
		case !ok:
			missing[name] = enumspb.INDEXED_VALUE_TYPE_KEYWORD
			res.Added = append(res.Added, name)
		case t != enumspb.INDEXED_VALUE_TYPE_KEYWORD:
			return res, fmt.Errorf("search attribute %s is registered as %s in namespace %s but must be Keyword: remove it (temporal operator search-attribute remove --name %s) and run `starter setup` again", name, t, namespace, name)
		default:
			res.Present = append(res.Present, name)
		}
	}
	if len(missing) == 0 {
		return res, nil
	}
	if _, err := op.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{Namespace: namespace, SearchAttributes: missing}); err != nil {
		return res, fmt.Errorf("register search attributes %v in namespace %s: %w", res.Added, namespace, err)
	}
	return res, nil
}

func setupCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:  "setup",
		Usage: "register the namespace when the server lacks it, and the custom search attributes in it (idempotent)",
		Flags: []cli.Flag{
			&cli.DurationFlag{Name: "retention", Value: DefaultRetention, Usage: "how long a namespace registered by setup keeps closed workflows"},
		},
		Action: func(c *cli.Context) error {
			return withClient(env, c, func(cl client.Client) error {
				registered, err := EnsureNamespace(c.Context, cl, c.String(flagNamespace), c.Duration("retention"), time.Minute)
				if err != nil {
					return err
				}
				if registered {
					fmt.Fprintf(env.stderr(), "registered namespace %s (retention %s)\n", c.String(flagNamespace), c.Duration("retention"))
				}
				res, err := Setup(c.Context, cl, c.String(flagNamespace))
				if err != nil {
					return err
				}
				return emit(c, env.stdout(), res, func(w io.Writer) {
					for _, n := range res.Added {
						fmt.Fprintf(w, "registered search attribute %s (Keyword)\n", n)
					}
					for _, n := range res.Present {
						fmt.Fprintf(w, "search attribute %s already registered\n", n)
					}
				})
			})
		},
	}
}
