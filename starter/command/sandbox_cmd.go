package command

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/cartrover-cb/ordermanager/sandbox"
	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
)

func sandboxCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:  "sandbox",
		Usage: "serve the CartRover and CB simulators on loopback until interrupted",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "cartrover-addr", Value: sandbox.DefaultCartRoverAddr, Usage: "CartRover simulator listen address"},
			&cli.StringFlag{Name: "cartrover-api-user", Value: cartroversim.DefaultAPIUser, Usage: "CartRover API user the simulator accepts"},
			&cli.StringFlag{Name: "cartrover-api-key", Value: cartroversim.DefaultAPIKey, Usage: "CartRover API key the simulator accepts"},
			&cli.IntFlag{Name: "cartrover-burst", Value: cartroversim.DefaultBurst, Usage: "CartRover rate limit: calls allowed in a burst"},
			&cli.DurationFlag{Name: "cartrover-refill", Value: cartroversim.DefaultRefill, Usage: "CartRover rate limit: time to regain one call"},
			&cli.BoolFlag{Name: "no-rate-limit", Usage: "turn CartRover's rate limit off"},
			&cli.StringFlag{Name: "cb-addr", Value: sandbox.DefaultCBAddr, Usage: "CB simulator listen address"},
			&cli.StringFlag{Name: "cb-user-code", Value: cbsim.DefaultUserCode, Usage: "CB user code the simulator accepts"},
			&cli.StringFlag{Name: "cb-password", Value: cbsim.DefaultPassword, Usage: "CB password the simulator accepts"},
			&cli.DurationFlag{Name: "ship-delay", Value: 90 * time.Second, Usage: "the CB warehouse ships each order this long after it is saved (0 = never)"},
			&cli.IntFlag{Name: "partial-every", Usage: "make every n-th automatic CB shipment partial (0 = none)"},
			&cli.IntFlag{Name: "cb-fail", Usage: "answer the next N CB calls with HTTP 503"},
			&cli.IntFlag{Name: "cb-save-then-timeout", Usage: "the next N CB sales order saves succeed and then never answer"},
			&cli.IntFlag{Name: "seed-orders", Value: 0, Usage: "orders to generate at start when the simulator holds none (0 = none)"},
			&cli.Float64Flag{Name: "orders-per-minute", Usage: "new orders arriving per minute (0 = none)"},
			&cli.Float64Flag{Name: "held-share", Value: sandbox.DefaultHeldShare, Usage: "share (0..1) of generated orders that need a human (unmapped ship code, unknown SKU)"},
			&cli.Float64Flag{Name: "fault-server-error", Usage: "probability (0..1) of a CartRover 503"},
			&cli.Float64Flag{Name: "fault-drop", Usage: "probability of CartRover closing the connection before handling a call"},
			&cli.Float64Flag{Name: "fault-lost-reply", Usage: "probability of CartRover handling a call and then dropping the reply"},
			&cli.Float64Flag{Name: "fault-rate-limit", Usage: "probability of a CartRover RateLimit answer"},
			&cli.DurationFlag{Name: "latency", Usage: "delay added to every answer of both simulators"},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed (same seed, same data)"},
			&cli.StringFlag{Name: "state-dir", Usage: "keep the simulators' state in this directory (survives a restart)"},
		},
		Action: func(c *cli.Context) error {
			o := sandbox.Options{
				CartRoverAddr: c.String("cartrover-addr"), CartRoverAPIUser: c.String("cartrover-api-user"), CartRoverAPIKey: c.String("cartrover-api-key"),
				CartRoverBurst: c.Int("cartrover-burst"), CartRoverRefill: c.Duration("cartrover-refill"), CartRoverNoLimit: c.Bool("no-rate-limit"),
				CartRoverFaults: cartroversim.Faults{
					Latency: c.Duration("latency"), ServerError: c.Float64("fault-server-error"), Drop: c.Float64("fault-drop"),
					LostReply: c.Float64("fault-lost-reply"), RateLimit: c.Float64("fault-rate-limit"),
				},
				CBAddr: c.String("cb-addr"), CBUserCode: c.String("cb-user-code"), CBPassword: c.String("cb-password"),
				ShipDelay: c.Duration("ship-delay"), PartialEvery: c.Int("partial-every"),
				CBFaults:   cbsim.Faults{Latency: c.Duration("latency"), Fail5xx: c.Int("cb-fail"), SaveThenTimeout: c.Int("cb-save-then-timeout")},
				SeedOrders: c.Int("seed-orders"), OrdersPerMinute: c.Float64("orders-per-minute"), HeldShare: c.Float64("held-share"),
				Seed: c.Uint64("seed"), StateDir: c.String("state-dir"),
			}
			for _, p := range []string{"held-share", "fault-server-error", "fault-drop", "fault-lost-reply", "fault-rate-limit"} {
				if v := c.Float64(p); v < 0 || v > 1 {
					return usageErrorf("sandbox: --%s %g must be between 0 and 1", p, v)
				}
			}
			if o.SeedOrders < 0 || o.OrdersPerMinute < 0 || o.ShipDelay < 0 || o.PartialEvery < 0 {
				return usageErrorf("sandbox: --seed-orders, --orders-per-minute, --ship-delay and --partial-every must be 0 or more")
			}
			return sandbox.Run(c.Context, o, func(sb *sandbox.Sandbox) {
				w := env.stdout()
				fmt.Fprintf(w, "CartRover simulator: %s (CARTROVER_BASE_URL; user %s)\n", sb.CartRoverURL, o.CartRoverAPIUser)
				fmt.Fprintf(w, "CB simulator:        %s (CB_BASE_URL; user code %s)\n", sb.CBURL, o.CBUserCode)
				fmt.Fprintf(w, "seeded %d orders; %g new orders a minute; Ctrl-C stops\n", len(sb.Seeded), o.OrdersPerMinute)
			})
		},
	}
}
