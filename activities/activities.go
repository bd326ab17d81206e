// Package activities holds every external call the workflows make. One Activities struct holds
// the two clients; each method does at most one external write, builds its requests with the
// activity context, and classifies errors: retryable faults are returned as they are (Temporal
// retries them with the bounded policies the workflows set), and problems a human must fix are
// non-retryable application errors with a stable type name.
//
// The order path, by behaviour: order.go is the order (the compact Order a CartRover order becomes);
// orders_dispatch.go lists CartRover's new orders and hands each to its Order workflow; catalog.go
// reads the CB items, reference lists and class templates an order is checked against;
// customer.go finds or creates the CB customer and ship-to (and compares addresses);
// salesorder.go puts the order in CB and acknowledges it in CartRover (PlaceOrder); orders.go holds
// the other CartRover order calls (list, get, at_wms, error) and the order errors' classification.
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
