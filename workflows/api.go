// Package workflows holds the deterministic orchestration: OrderManager (one scheduled
// run of the CB "CartRover Order Manager" job), ImportOrder (one CartRover order → one CB
// sales order) and the pickup workflows (shipments, inventory, products).
//
// This file is the contract other packages (worker, starter, tests) build on: names,
// IDs, inputs and results. Keep it stable; add fields rather than rename them.
package workflows

import (
	"github.com/cartrover-cb/ordermanager/settings"
)

// Workflow type names, registered with these exact names so schedules and the CLI can start them.
const (
	// OrderManagerName is the scheduled job: it runs the tasks its input selects.
	OrderManagerName = "OrderManager"
	// ImportOrderName imports one CartRover order into CB (a child of OrderManager).
	ImportOrderName = "ImportOrder"
	// ShipmentPickupName posts CB shipments back to CartRover (a child of OrderManager).
	ShipmentPickupName = "ShipmentPickup"
	// InventorySyncName posts CB free stock to CartRover (a child of OrderManager).
	InventorySyncName = "InventorySync"
	// ProductSyncName posts CB item details to CartRover (a child of OrderManager).
	ProductSyncName = "ProductSync"
)

// ProgressQuery is the query every OrderManager run answers with its RunSummary so far.
const ProgressQuery = "progress"

// DefaultTaskQueue is the task queue workflows and CB activities run on unless TASK_QUEUE says otherwise.
const DefaultTaskQueue = "order-manager"

// CartRoverTaskQueue returns the task queue for CartRover activities: a queue of its own so the
// worker can cap it with TaskQueueActivitiesPerSecond, which the server enforces across all
// workers (CartRover's rate limit is per API user, not per process; DESIGN §3.5).
func CartRoverTaskQueue(taskQueue string) string { return taskQueue + "-cartrover" }

// ImportOrderWorkflowID is the child workflow ID of one CartRover order: derived from cust_ref,
// so two overlapping runs can never import one order twice.
func ImportOrderWorkflowID(custRef string) string { return "cartrover-order:" + custRef }

// Search attribute names (all Keyword). `starter setup` and the test harness register them.
const (
	// SACustRef is the CartRover cust_ref of the order an ImportOrder run handles.
	SACustRef = "CartRoverCustRef"
	// SAOrderSource is the CartRover order_source (cart) of that order.
	SAOrderSource = "CartRoverOrderSource"
	// SASalesOrderCode is the CB sales order code, once known.
	SASalesOrderCode = "CBSalesOrderCode"
	// SAImportOutcome is imported, held or failed.
	SAImportOutcome = "ImportOutcome"
)

// SearchAttributes lists every custom search attribute the product uses (all Keyword).
var SearchAttributes = []string{SACustRef, SAOrderSource, SASalesOrderCode, SAImportOutcome}

// Import outcomes, the values of SAImportOutcome.
const (
	OutcomeImported = "imported"
	OutcomeHeld     = "held"
	OutcomeFailed   = "failed"
)

// Task is one of the four CartRover functions a run can perform.
type Task string

// The tasks, in the order a run performs them.
const (
	TaskOrders    Task = "orders"
	TaskShipments Task = "shipments"
	TaskInventory Task = "inventory"
	TaskProducts  Task = "products"
)

// AllTasks lists the tasks in run order.
var AllTasks = []Task{TaskOrders, TaskShipments, TaskInventory, TaskProducts}

// OrderManagerInput is the input of one OrderManager run: what a schedule carries.
// It never holds a secret.
type OrderManagerInput struct {
	// Settings is the validated connector settings file.
	Settings settings.Settings `json:"settings"`
	// Tasks selects what this run does (any of AllTasks; run in AllTasks order).
	Tasks []Task `json:"tasks"`
	// MaxInFlight bounds ImportOrder children running at once (0 = default 16).
	MaxInFlight int `json:"max_in_flight,omitempty"`
	// CustRefs, when set, restricts the orders task to these CartRover orders (fetched one by one
	// instead of listing `new`): what `starter orders retry` uses.
	CustRefs []string `json:"cust_refs,omitempty"`
	// Carry is state carried across continue-as-new; nil on a fresh run.
	Carry *Carry `json:"carry,omitempty"`
}

// Carry is what a run hands to its continuation: the figures so far and where to resume.
type Carry struct {
	Summary RunSummary `json:"summary"`
	// NextPage is the next CartRover list page of the orders task (1-based).
	NextPage int `json:"next_page,omitempty"`
	// TasksDone are the tasks already finished before the continuation.
	TasksDone []Task `json:"tasks_done,omitempty"`
	// Cursor is an opaque resume point of the task in progress (pickups).
	Cursor string `json:"cursor,omitempty"`
}

// MaxProblems bounds every list of held or failed records in a summary (history stays small).
const MaxProblems = 50

// Problem is one record a human should look at: its key (cust_ref, SKU, …), why, and the error type.
type Problem struct {
	Key    string `json:"key"`
	Reason string `json:"reason"`
	Type   string `json:"type,omitempty"`
}

// RunSummary is the result of an OrderManager run and the answer of its progress query.
type RunSummary struct {
	Tasks     []Task            `json:"tasks"`
	Orders    *OrdersSummary    `json:"orders,omitempty"`
	Shipments *ShipmentsSummary `json:"shipments,omitempty"`
	Inventory *InventorySummary `json:"inventory,omitempty"`
	Products  *ProductsSummary  `json:"products,omitempty"`
	// Continuations counts the continue-as-new hops this run took.
	Continuations int `json:"continuations,omitempty"`
}

// OrdersSummary holds the Order Send figures.
type OrdersSummary struct {
	Downloaded int `json:"downloaded"`
	Imported   int `json:"imported"`
	// Healed counts orders CB already held (a crash or timeout after CB saved them): acknowledged, not duplicated.
	Healed   int       `json:"healed"`
	Held     int       `json:"held"`
	Failed   int       `json:"failed"`
	Problems []Problem `json:"problems,omitempty"`
}

// ShipmentsSummary holds the Shipment Confirmation Pickup figures.
type ShipmentsSummary struct {
	OrdersChecked int       `json:"orders_checked"`
	BoxesPosted   int       `json:"boxes_posted"`
	OrdersShipped int       `json:"orders_shipped"`
	OrdersPartial int       `json:"orders_partial"`
	AlreadyPosted int       `json:"already_posted"`
	Voided        int       `json:"voided"`
	Canceled      int       `json:"canceled"`
	Failed        int       `json:"failed"`
	Problems      []Problem `json:"problems,omitempty"`
}

// InventorySummary holds the Inventory Sync Pickup figures.
type InventorySummary struct {
	Items              int       `json:"items"`
	Posted             int       `json:"posted"`
	Batches            int       `json:"batches"`
	MissingInCB        int       `json:"missing_in_cb"`
	MissingInCartRover int       `json:"missing_in_cartrover"`
	Failed             int       `json:"failed"`
	Problems           []Problem `json:"problems,omitempty"`
}

// ProductsSummary holds the Product Detail Pickup figures.
type ProductsSummary struct {
	Items    int       `json:"items"`
	Posted   int       `json:"posted"`
	Inactive int       `json:"inactive"`
	Failed   int       `json:"failed"`
	Problems []Problem `json:"problems,omitempty"`
}
