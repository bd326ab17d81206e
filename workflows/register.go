package workflows

import (
	"go.temporal.io/sdk/workflow"
)

// WorkflowRegistry is the part of a Temporal worker that registers workflows.
type WorkflowRegistry interface {
	RegisterWorkflowWithOptions(w interface{}, options workflow.RegisterOptions)
}

// Register registers every workflow of the product under its fixed name: OrderManager,
// ImportOrder and the pickups (ShipmentPickup, InventorySync, ProductSync).
func Register(r WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(OrderManager, workflow.RegisterOptions{Name: OrderManagerName})
	// ImportOrder stays registered so runs of the previous release finish.
	r.RegisterWorkflowWithOptions(ImportOrder, workflow.RegisterOptions{Name: ImportOrderName})
	r.RegisterWorkflowWithOptions(Order, workflow.RegisterOptions{Name: OrderName})
	r.RegisterWorkflowWithOptions(CustomerLock, workflow.RegisterOptions{Name: CustomerLockName})
	RegisterPickups(r)
}
