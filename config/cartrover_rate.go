package config

import (
	"fmt"
	"time"
)

// CartRoverRate is the shape of CartRover's rate-limit bucket for the API user: every worker
// replica's CartRover client paces itself against it (a mirror of the bucket, corrected by the
// hits-remaining header CartRover sends), so all replicas and tasks together use CartRover's
// budget without exceeding it. Set it only if CartRover changes the limit of your account.
type CartRoverRate struct {
	// Burst is the bucket size: calls allowed at once after a quiet spell.
	Burst int `env:"CARTROVER_RATE_BURST, default=100" doc:"a positive number of calls (CartRover's bucket: 100)"`
	// Refill is the time CartRover takes to give one call back.
	Refill time.Duration `env:"CARTROVER_RATE_REFILL, default=600ms" doc:"a duration such as 600ms (CartRover gives one call back every 0.6 s)"`
}

// RatePerSecond is the refill as calls per second (0 when Refill is not positive).
func (c CartRoverRate) RatePerSecond() float64 {
	if c.Refill <= 0 {
		return 0
	}
	return float64(time.Second) / float64(c.Refill)
}

func (c *CartRoverRate) validate() []string {
	var p []string
	if c.Burst <= 0 {
		p = append(p, fmt.Sprintf("CARTROVER_RATE_BURST is %d: set it to a positive number of calls (CartRover allows 100)", c.Burst))
	}
	if c.Refill <= 0 {
		p = append(p, fmt.Sprintf("CARTROVER_RATE_REFILL is %v: set it to a positive duration such as 600ms", c.Refill))
	}
	return p
}
