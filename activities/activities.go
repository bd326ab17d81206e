// Package activities holds every external call the workflows make. One Activities struct holds
// the two clients; each method does at most one external write, builds its requests with the
// activity context, and classifies errors: retryable faults are returned as they are (Temporal
// retries them with the bounded policies the workflows set), and problems a human must fix are
// non-retryable application errors with a stable type name.
package activities

import (
	"go.temporal.io/sdk/client"

	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/connectedbusiness"
)

// Activities holds the clients the activities use; the worker registers it on its one task queue.
type Activities struct {
	// CartRover is the CartRover Merchant API client.
	CartRover *cartrover.Client
	// CB is Connected Business, behind its small interface.
	CB connectedbusiness.Service
	// Temporal is the worker's Temporal client: DispatchPage hands orders to their workflows
	// with it (nil: the dispatching activities refuse to run).
	Temporal client.Client

	// memo remembers CB catalogue reads for a minute (see catalogTTL).
	memo catalogMemo
}
