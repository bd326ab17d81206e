// Package workflows holds the deterministic orchestration: OrderManager (one scheduled
// run of the CB "CartRover Order Manager" job), ImportOrder (one CartRover order → one CB
// sales order) and the pickup workflows (shipments, inventory, products).
//
// This file is the contract other packages (worker, starter, tests) build on: names,
// IDs, inputs and results. Keep it stable; add fields rather than rename them.
package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/settings"
	"github.com/cartrover-cb/ordermanager/telemetry"
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

// DefaultTaskQueue is the task queue of the workflows and all their activities unless TASK_QUEUE says
// otherwise. CartRover activities need no queue of their own: the CartRover client's pacer keeps
// every worker together under CartRover's per-user limit.
const DefaultTaskQueue = "order-manager"

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
	// SAImportOutcome is imported, held, failed or canceled (before import).
	SAImportOutcome = "ImportOutcome"
	// SAOrderStage is an Order's stage: held, in_cb, at_wms, … (activities.Stage*).
	SAOrderStage = activities.SAOrderStage
	// SAOrderSettingsDigest is the digest of the settings a held Order last saw.
	SAOrderSettingsDigest = activities.SAOrderSettingsDigest
)

// SearchAttributes lists every custom search attribute the product uses (all Keyword).
var SearchAttributes = []string{SACustRef, SAOrderSource, SASalesOrderCode, SAImportOutcome, SAOrderStage, SAOrderSettingsDigest}

// Import outcomes, the values of SAImportOutcome.
const (
	OutcomeImported = "imported"
	OutcomeHeld     = "held"
	OutcomeFailed   = "failed"
	// OutcomeCanceled: CartRover canceled the order before it was imported.
	OutcomeCanceled = "canceled"
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
	// StatusIndex is the CartRover status the orders task was listing (0 = new, 1 = error).
	StatusIndex int `json:"status_index,omitempty"`
	// Stuck are the cust_refs this run handled that stay listed (held, failed): skipped when seen again.
	Stuck []string `json:"stuck,omitempty"`
	// StuckInStatus counts Stuck entries of the status being listed (they shift the pages).
	StuckInStatus int `json:"stuck_in_status,omitempty"`
	// From is the created-date watermark of a dispatching run; Boundary the orders created at it
	// already dispatched.
	From     time.Time `json:"from,omitzero"`
	Boundary []string  `json:"boundary,omitempty"`
}

// MaxProblems bounds every list of held or failed records in a summary (history stays small).
const MaxProblems = 50

// Problem is one record a human should look at: its key (cust_ref, SKU, …), why, and the error type.
type Problem = activities.Problem

// RunSummary is the result of an OrderManager run and the answer of its progress query.
type RunSummary struct {
	Tasks     []Task            `json:"tasks"`
	Orders    *OrdersSummary    `json:"orders,omitempty"`
	Shipments *ShipmentsSummary `json:"shipments,omitempty"`
	Inventory *InventorySummary `json:"inventory,omitempty"`
	Products  *ProductsSummary  `json:"products,omitempty"`
	// Continuations counts the continue-as-new hops this run took.
	Continuations int `json:"continuations,omitempty"`
	// Unreachable lists the systems (cartrover, connectedbusiness) the worker could not reach, and
	// since when, while the run waited on a page; empty once they answer again.
	Unreachable []telemetry.DependencyState `json:"unreachable,omitempty"`
}

// OrdersSummary holds the Order Send figures.
type OrdersSummary struct {
	Downloaded int `json:"downloaded"`
	Imported   int `json:"imported"`
	// Healed counts orders CB already held (a crash or timeout after CB saved them): acknowledged, not duplicated.
	Healed int `json:"healed"`
	Held   int `json:"held"`
	Failed int `json:"failed"`
	// InOtherRun counts orders another run was already importing (their child workflow was running).
	InOtherRun int       `json:"in_other_run,omitempty"`
	Problems   []Problem `json:"problems,omitempty"`
	// Dispatch are the figures of a run that hands orders to their Order workflows (it does not
	// wait for imports: Imported stays 0; each order's stage is its OrderStage).
	Dispatch *activities.DispatchCounts `json:"dispatch,omitempty"`
	// Rechecked counts held orders whose settings changed since they were held: they try again.
	Rechecked int `json:"rechecked,omitempty"`
	// StoppedEarly says why the run stopped dispatching before the list's end or the limit.
	StoppedEarly string `json:"stopped_early,omitempty"`
	// Retried are the outcomes of the orders a retry run named (CustRefs), after their attempt.
	Retried []activities.RetryOutcome `json:"retried,omitempty"`
}

// ShipmentsSummary holds the Shipment Confirmation Pickup figures.
type ShipmentsSummary struct {
	OrdersChecked int `json:"orders_checked"`
	BoxesPosted   int `json:"boxes_posted"`
	OrdersShipped int `json:"orders_shipped"`
	OrdersPartial int `json:"orders_partial"`
	AlreadyPosted int `json:"already_posted"`
	Voided        int `json:"voided"`
	Canceled      int `json:"canceled"`
	// OrdersCanceled counts open order workflows told that CartRover canceled their order (they
	// end canceled); HeldInCB those whose CB sales order was put on hold.
	OrdersCanceled int       `json:"orders_canceled,omitempty"`
	HeldInCB       int       `json:"held_in_cb,omitempty"`
	Failed         int       `json:"failed"`
	Problems       []Problem `json:"problems,omitempty"`
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

// ImportOrderInput is the input of one ImportOrder run: the compact order, the settings resolved
// for its order source (SKU map trimmed to its lines), and the CB facts the parent run cached.
type ImportOrderInput struct {
	Order    activities.Order  `json:"order"`
	Settings settings.Resolved `json:"settings"`
	Catalog  OrderCatalog      `json:"catalog"`
	// FlagHeld puts a held order on error in CartRover too (settings hold_in_cartrover).
	FlagHeld bool `json:"flag_held,omitempty"`
}

// ImportOrderResult is the result of an imported order.
type ImportOrderResult struct {
	CustRef        string `json:"cust_ref"`
	SalesOrderCode string `json:"sales_order_code"`
	// Healed is true when CB already held the order (a timeout or crash after CB saved it).
	Healed          bool `json:"healed,omitempty"`
	CustomerCreated bool `json:"customer_created,omitempty"`
}

// HeldDetails are the details of a held order's error: whether CartRover was told (status error).
type HeldDetails struct {
	Flagged bool `json:"flagged,omitempty"`
}

// Typed search attribute keys of the names above.
var (
	// CustRefKey is the typed key of SACustRef.
	CustRefKey = temporal.NewSearchAttributeKeyKeyword(SACustRef)
	// OrderSourceKey is the typed key of SAOrderSource.
	OrderSourceKey = temporal.NewSearchAttributeKeyKeyword(SAOrderSource)
	// SalesOrderCodeKey is the typed key of SASalesOrderCode.
	SalesOrderCodeKey = temporal.NewSearchAttributeKeyKeyword(SASalesOrderCode)
	// ImportOutcomeKey is the typed key of SAImportOutcome.
	ImportOutcomeKey = temporal.NewSearchAttributeKeyKeyword(SAImportOutcome)
	// OrderStageKey is the typed key of SAOrderStage.
	OrderStageKey = temporal.NewSearchAttributeKeyKeyword(SAOrderStage)
	// SettingsDigestKey is the typed key of SAOrderSettingsDigest.
	SettingsDigestKey = temporal.NewSearchAttributeKeyKeyword(SAOrderSettingsDigest)
)
