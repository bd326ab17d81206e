package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/settings"
)

// The Order workflow's contract, shared by the dispatching activity (which cannot import the
// workflows package) and the workflow itself.
const (
	// OrderWorkflowType is the workflow type of one CartRover order's whole life.
	OrderWorkflowType = "Order"
	// DispatchUpdate hands an Order workflow its order (and the settings for it); the handler
	// answers at once with a DispatchResult.
	DispatchUpdate = "dispatch"
	// SettingsUpdate hands a held Order workflow new settings (the whole file); it re-checks the
	// order only when the settings for its order source and SKUs changed.
	SettingsUpdate = "settings"
	// RetryUpdate re-checks an order now (fresh order data and settings) and answers when the
	// import attempt is over: imported, held or failed.
	RetryUpdate = "retry"
	// OrderQuery answers an Order workflow's OrderStatus.
	OrderQuery = "order"
	// SAOrderStage is the search attribute holding an order's stage (see the Stage constants).
	SAOrderStage = "OrderStage"
	// SAOrderSettingsDigest is the digest of the whole settings file a held order last saw.
	SAOrderSettingsDigest = "OrderSettingsDigest"
)

// Order stages, the values of the OrderStage search attribute.
const (
	StageReceived = "received" // dispatched, being checked or imported
	StageHeld     = "held"
	StageInCB     = "in_cb"
	StageAtWMS    = "at_wms"
	StageShipped  = "shipped"
	StagePartial  = "partial"
	StageDone     = "done"
	StageCanceled = "canceled"
	StageFailed   = "failed"
)

// Dispatch outcomes, what DispatchUpdate answers.
const (
	// OutcomeNew: the order is new to its workflow and importable; the import is under way.
	OutcomeNew = "new"
	// OutcomeNewHeld: the order is new to its workflow and held at once (settings, data).
	OutcomeNewHeld = "new_held"
	// OutcomeImporting: the workflow already had the order and is importing it.
	OutcomeImporting = "importing"
	// OutcomeStillHeld: the workflow holds the order and nothing relevant changed.
	OutcomeStillHeld = "held"
	// OutcomeRechecking: the workflow held the order, something relevant changed: it tries again.
	OutcomeRechecking = "rechecking"
	// OutcomeInCB: the order is already in CB (or further along).
	OutcomeInCB = "in_cb"
	// OutcomeClosed: the order was canceled or failed for good; nothing to do.
	OutcomeClosed = "closed"
	// OutcomeSkipped: on hold or sending canceled in CartRover; not handed to a workflow.
	OutcomeSkipped = "skipped"
)

// maxIDRef is the longest cust_ref used as is in a workflow ID (longer ones are hashed).
const maxIDRef = 200

// OrderWorkflowID is the workflow ID of one CartRover order: cartrover-order:<cust_ref>, or, when
// the cust_ref cannot be part of an ID (empty, too long, not printable ASCII),
// cartrover-order:sha256-<hex> of it (the raw value stays in the workflow's details and the
// CartRoverCustRef search attribute).
func OrderWorkflowID(custRef string) string {
	if UsableRef(custRef) {
		return "cartrover-order:" + custRef
	}
	sum := sha256.Sum256([]byte(custRef))
	return "cartrover-order:sha256-" + hex.EncodeToString(sum[:12])
}

// ImportableRef reports whether a cust_ref can name an order in CB (POCode) and CartRover's API:
// not empty, at most 200 characters, valid UTF-8 without control characters or blanks at the ends.
// An order whose cust_ref is not is quarantined.
func ImportableRef(ref string) bool {
	if ref == "" || len(ref) > maxIDRef || !utf8.ValidString(ref) || strings.TrimSpace(ref) != ref {
		return false
	}
	for _, r := range ref {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// UsableRef reports whether a cust_ref (or customer key) can be used as is in a workflow ID:
// printable ASCII without blanks at the ends, at most 200 characters. Temporal's clients carry the
// ID in a gRPC header, which refuses anything else (an e-mail address like josé@… included).
func UsableRef(ref string) bool {
	if ref == "" || len(ref) > maxIDRef || strings.TrimSpace(ref) != ref {
		return false
	}
	for i := 0; i < len(ref); i++ {
		if ref[i] < 0x20 || ref[i] > 0x7e {
			return false
		}
	}
	return true
}

// Digest is a short stable digest of a JSON-encodable value (settings): equal values, equal digests.
// Workflows call it: encoding/json writes map keys sorted, so the digest is deterministic.
func Digest(v any) string {
	b, err := json.Marshal(v) //workflowcheck:ignore
	if err != nil {
		return "unencodable"
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// OrderStart is the start input of an Order workflow started by a dispatch or a shipments hand-off.
type OrderStart struct {
	// Key is the cust_ref (possibly unusable as an ID, then the ID is hashed).
	Key string `json:"key"`
	// SalesOrderCode is set when the shipments pickup starts the workflow for an order imported
	// before (its earlier workflow closed at at_wms): the run starts at at_wms with this CB code.
	SalesOrderCode string `json:"sales_order_code,omitempty"`
}

// DispatchInput is what DispatchUpdate carries: the compact order with the settings resolved for
// it, or, for an order that could not be read, the reason it is quarantined.
type DispatchInput struct {
	Order *Order `json:"order,omitempty"`
	// Settings are resolved for the order's source, the SKU map trimmed to its lines.
	Settings settings.Resolved `json:"settings"`
	// Quarantine is set (and Order nil) when the order cannot be imported as CartRover sent it.
	Quarantine *Problem `json:"quarantine,omitempty"`
	// SettingsDigest is the digest of the whole settings file of the dispatching run.
	SettingsDigest string `json:"settings_digest,omitempty"`
	// Force re-checks a held or failed order even if nothing changed (an operator's retry).
	Force bool `json:"force,omitempty"`
}

// DispatchResult is the answer of DispatchUpdate (and RetryUpdate).
type DispatchResult struct {
	Outcome string `json:"outcome"`
	Stage   string `json:"stage"`
	// Reason is the held or failed reason, when there is one.
	Reason         *Problem `json:"reason,omitempty"`
	SalesOrderCode string   `json:"sales_order_code,omitempty"`
	// Failing is why the order's import is waiting (a system it needs does not answer), if it is.
	Failing string `json:"failing,omitempty"`
}

// SettingsInput is what SettingsUpdate carries.
type SettingsInput struct {
	Settings settings.Settings `json:"settings"`
	Digest   string            `json:"digest"`
}

// DispatchPageInput asks for one page of CartRover's new orders to be handed to their workflows.
type DispatchPageInput struct {
	Settings settings.Settings `json:"settings"`
	// SettingsDigest is Digest(Settings), computed once by the run.
	SettingsDigest string `json:"settings_digest"`
	// TaskQueue is where the Order workflows run.
	TaskQueue string `json:"task_queue"`
	// From is the created-date watermark of the run (zero on its first page).
	From time.Time `json:"from,omitzero"`
	// Page is the 1-based page after the watermark.
	Page int `json:"page"`
	// Limit is the page size.
	Limit int `json:"limit"`
	// Remaining is how many more first-time importable orders this run may dispatch.
	Remaining int `json:"remaining"`
	// SkipKeys are orders of the previous page created at the watermark: listed again, not counted again.
	SkipKeys []string `json:"skip_keys,omitempty"`
	// CustRefs, when set, replaces the list: these orders are fetched one by one and dispatched
	// with Force (what `starter orders retry` asks for).
	CustRefs []string `json:"cust_refs,omitempty"`
}

// DispatchCounts are the figures of dispatching (one page, or a whole run summed).
type DispatchCounts struct {
	// Listed counts the orders read from CartRover.
	Listed int `json:"listed"`
	// Dispatched counts the orders handed to their workflows.
	Dispatched int `json:"dispatched"`
	// New counts orders new to their workflow and importable (what download_limit counts).
	New int `json:"new"`
	// NewHeld counts orders new to their workflow and held at once.
	NewHeld int `json:"new_held"`
	// AlreadyHeld counts orders whose workflow already held them (nothing relevant changed).
	AlreadyHeld int `json:"already_held"`
	// Rechecked counts held orders that saw changed settings or data and try again.
	Rechecked int `json:"rechecked"`
	// Importing counts orders whose workflow was already importing them.
	Importing int `json:"importing"`
	// AlreadyInCB counts orders already in CB (or further along).
	AlreadyInCB int `json:"already_in_cb"`
	// Quarantined counts orders that could not be read (bad field, unusable cust_ref): held.
	Quarantined int `json:"quarantined"`
	// Skipped counts orders on hold or with sending canceled in CartRover: never sent to CB.
	Skipped int `json:"skipped"`
	// InOldRun counts orders an ImportOrder of the previous release is still importing.
	InOldRun int `json:"in_old_run,omitempty"`
	// Closed counts orders whose workflow ended canceled or failed.
	Closed int `json:"closed,omitempty"`
	// Waiting counts dispatched orders whose import waits on a system that does not answer (CB
	// or CartRover down): they import on their own once it answers.
	Waiting int `json:"waiting,omitempty"`
}

// Add adds o's figures to c.
func (c *DispatchCounts) Add(o DispatchCounts) {
	c.Listed += o.Listed
	c.Dispatched += o.Dispatched
	c.New += o.New
	c.NewHeld += o.NewHeld
	c.AlreadyHeld += o.AlreadyHeld
	c.Rechecked += o.Rechecked
	c.Importing += o.Importing
	c.AlreadyInCB += o.AlreadyInCB
	c.Quarantined += o.Quarantined
	c.Skipped += o.Skipped
	c.InOldRun += o.InOldRun
	c.Closed += o.Closed
	c.Waiting += o.Waiting
}

// DispatchPageResult is what one DispatchPage did.
type DispatchPageResult struct {
	Counts DispatchCounts `json:"counts"`
	// Problems are the page's set-aside orders (held at once, quarantined, skipped), at most MaxPageProblems.
	Problems []Problem `json:"problems,omitempty"`
	// Full is true when the page held Limit orders (there may be more).
	Full bool `json:"full,omitempty"`
	// LastCreated is the created date of the page's last order (the next watermark).
	LastCreated time.Time `json:"last_created,omitzero"`
	// BoundaryKeys are the page's orders created at LastCreated (the next page's SkipKeys).
	BoundaryKeys []string `json:"boundary_keys,omitempty"`
	// LimitReached is true when Remaining ran out before the page's end.
	LimitReached bool `json:"limit_reached,omitempty"`
	// Relisted counts the page's orders named in SkipKeys (listed again, not dispatched again).
	Relisted int `json:"relisted,omitempty"`
	// Retried are the answers of the orders named in CustRefs (RetryUpdate: after the attempt).
	Retried []RetryOutcome `json:"retried,omitempty"`
}

// RetryOutcome is what an operator's retry of one order came to.
type RetryOutcome struct {
	CustRef string `json:"cust_ref"`
	DispatchResult
}

// dispatchProgress is DispatchPage's heartbeat: what a failed attempt already dispatched, so a
// retry neither counts an order twice nor dispatches past the limit.
type dispatchProgress struct {
	Result DispatchPageResult `json:"result"`
	Done   []string           `json:"done,omitempty"`
}

// DispatchPage lists one page of CartRover's new orders (one CartRover call) and hands each order
// to its Order workflow with Update-with-Start, so a run never waits for an order's import. Each
// order is decoded on its own: one that does not decode, or whose cust_ref cannot be used, is
// handed over quarantined (held with a reason naming the field and value); orders on hold or with
// sending canceled in CartRover are skipped. It stops early when Remaining first-time importable
// orders were dispatched. Retries resume from the heartbeat.
func (a *Activities) DispatchPage(ctx context.Context, in DispatchPageInput) (DispatchPageResult, error) {
	if a.Temporal == nil {
		return DispatchPageResult{}, temporal.NewNonRetryableApplicationError("the worker has no Temporal client for dispatching orders", ErrTypeMisconfigured, nil)
	}
	var p dispatchProgress
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &p)
	}
	done := map[string]bool{}
	for _, k := range p.Done {
		done[k] = true
	}
	skip := map[string]bool{}
	for _, k := range in.SkipKeys {
		skip[k] = true
	}
	raws, full, missing, err := a.readOrders(ctx, in)
	if err != nil {
		return DispatchPageResult{}, err
	}
	res := &p.Result
	if len(p.Done) == 0 {
		for _, ref := range missing {
			res.Problems = append(res.Problems, Problem{Key: ref, Type: ErrTypeOrderNotFound, Reason: "CartRover has no order with this cust_ref; check the reference"})
		}
	}
	res.Full = full
	res.Counts.Listed = len(raws)
	for _, raw := range raws {
		if res.LimitReached {
			break
		}
		d := a.prepare(raw, in)
		switch {
		case d.created.After(res.LastCreated):
			res.LastCreated, res.BoundaryKeys = d.created, []string{d.key}
		case d.created.Equal(res.LastCreated):
			res.BoundaryKeys = append(res.BoundaryKeys, d.key)
		}
		if skip[d.key] {
			res.Counts.Listed--
			res.Relisted++
			continue
		}
		if done[d.key] {
			continue
		}
		if err := a.dispatchOne(ctx, in, d, res); err != nil {
			activity.RecordHeartbeat(ctx, p)
			return DispatchPageResult{}, err
		}
		p.Done = append(p.Done, d.key)
		done[d.key] = true
		if in.CustRefs == nil && in.Remaining > 0 && res.Counts.New >= in.Remaining {
			res.LimitReached = true
		}
		activity.RecordHeartbeat(ctx, p)
	}
	return *res, nil
}

// readOrders is the page's raw orders: one list call, or the named orders one by one.
func (a *Activities) readOrders(ctx context.Context, in DispatchPageInput) (raws []json.RawMessage, full bool, missing []string, err error) {
	if in.CustRefs != nil {
		for _, ref := range in.CustRefs {
			o, err := a.CartRover.GetOrder(ctx, ref)
			if cartrover.IsNotFound(err) {
				missing = append(missing, ref)
				continue
			}
			if err != nil {
				return nil, false, nil, classify(err, "cust_ref "+ref, ErrTypeCartRoverRejected)
			}
			b, err := json.Marshal(o)
			if err != nil {
				return nil, false, nil, err
			}
			raws = append(raws, b)
		}
		return raws, false, missing, nil
	}
	limit := in.Limit
	if limit <= 0 || limit > cartrover.MaxPageSize {
		limit = cartrover.MaxPageSize
	}
	raws, err = a.CartRover.ListOrdersRaw(ctx, cartrover.StatusNew, cartrover.ListOptions{Limit: limit, Page: max(1, in.Page), From: in.From})
	if err != nil {
		return nil, false, nil, classify(err, fmt.Sprintf("list new orders page %d", in.Page), ErrTypeCartRoverRejected)
	}
	return raws, len(raws) >= limit, nil, nil
}

// prepared is one listed order made ready for its dispatch.
type prepared struct {
	key     string // the cust_ref, or a stand-in for an order without one
	created time.Time
	skip    *Problem
	in      DispatchInput
}

// prepare decodes one raw order and builds its dispatch (or its reason to be skipped).
func (a *Activities) prepare(raw json.RawMessage, in DispatchPageInput) prepared {
	o, err := cartrover.DecodeOrderStrict(raw)
	if err != nil {
		var fe *cartrover.FieldError
		ref := ""
		if errors.As(err, &fe) {
			ref = fe.CustRef
		}
		key := ref
		if key == "" {
			key = "no-cust-ref-" + Digest(string(raw))
		}
		return prepared{key: key, in: DispatchInput{Quarantine: &Problem{Key: printable(key), Type: ErrTypeUndecodable,
			Reason: "the order does not decode: " + err.Error() + "; correct it in CartRover (or the cart)"}}}
	}
	d := prepared{key: o.CustRef, created: o.CreatedDateTime.Time}
	if d.key == "" {
		// Without a cust_ref the order has no stable name: key it by what identifies it in CartRover.
		d.key = "no-cust-ref-" + Digest([]string{o.OrderSource, o.CustPONo, o.CreatedDateTime.String()})
	}
	switch {
	case !ImportableRef(o.CustRef):
		d.in.Quarantine = &Problem{Key: printable(d.key), Type: ErrTypeUnusableCustRef, Reason: fmt.Sprintf(
			"cust_ref %s cannot name the order (empty, over %d characters, blanks at the ends, control characters): "+
				"CB's PO code and CartRover's API need a usable reference; correct the order in CartRover (or the cart)",
			printable(o.CustRef), maxIDRef)}
		return d
	case bool(o.SendingCanceled):
		d.skip = &Problem{Key: o.CustRef, Type: ErrTypeSendingCanceled, Reason: "Cancel Sending is set in CartRover (sending_canceled = Y): not sent to CB"}
		return d
	case bool(o.OnHold):
		d.skip = &Problem{Key: o.CustRef, Type: ErrTypeOnHold, Reason: "on hold in CartRover (on_hold = Y): sent to CB once released there"}
		return d
	}
	c := CompactOrder(o)
	skus := make([]string, 0, len(c.Items))
	for _, l := range c.Items {
		skus = append(skus, l.SKU)
	}
	d.in = DispatchInput{Order: &c, Settings: in.Settings.Resolve(c.OrderSource).ForSKUs(skus), SettingsDigest: in.SettingsDigest, Force: in.CustRefs != nil}
	return d
}

// printable shortens and quotes a value for a message.
func printable(s string) string {
	if len(s) > 60 {
		return fmt.Sprintf("%q… (%d characters)", s[:60], len(s))
	}
	return fmt.Sprintf("%q", s)
}

// dispatchOne hands one prepared order to its workflow and counts the answer.
func (a *Activities) dispatchOne(ctx context.Context, in DispatchPageInput, d prepared, res *DispatchPageResult) error {
	c := &res.Counts
	problem := func(p Problem) { res.Problems = AddProblem(res.Problems, MaxPageProblems, p) }
	if d.skip != nil {
		c.Skipped++
		problem(*d.skip)
		if in.CustRefs != nil {
			res.Retried = append(res.Retried, RetryOutcome{CustRef: d.key, DispatchResult: DispatchResult{Outcome: OutcomeSkipped, Reason: d.skip}})
		}
		return nil
	}
	update := DispatchUpdate
	if in.CustRefs != nil {
		update = RetryUpdate // the operator waits for the outcome of the attempt
	}
	out, err := a.dispatch(ctx, in.TaskQueue, d.key, update, d.in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if err != nil && (errors.As(err, &started) || temporal.IsWorkflowExecutionAlreadyStartedError(err)) {
		// The order's workflow completed: the order is in CB (this release's or the previous one's).
		out, err = DispatchResult{Outcome: OutcomeInCB, Stage: StageAtWMS}, nil
	}
	if err != nil {
		if strings.Contains(err.Error(), "unknown update") {
			// The ID belongs to an ImportOrder of the previous release still running: it finishes the order.
			c.InOldRun++
			return nil
		}
		return fmt.Errorf("dispatch cust_ref %s: %w", d.key, err)
	}
	c.Dispatched++
	if in.CustRefs != nil {
		res.Retried = append(res.Retried, RetryOutcome{CustRef: d.key, DispatchResult: out})
	}
	if d.in.Quarantine != nil {
		c.Quarantined++
		problem(*d.in.Quarantine)
		return nil
	}
	if out.Failing != "" {
		c.Waiting++
	}
	switch out.Outcome {
	case OutcomeNew:
		c.New++
	case OutcomeNewHeld:
		c.NewHeld++
		if out.Reason != nil {
			problem(*out.Reason)
		}
	case OutcomeStillHeld:
		c.AlreadyHeld++
	case OutcomeRechecking:
		c.Rechecked++
	case OutcomeImporting:
		c.Importing++
	case OutcomeInCB:
		c.AlreadyInCB++
	default:
		c.Closed++
	}
	return nil
}

// dispatch sends one update to the order's workflow, starting the workflow if it is not running.
func (a *Activities) dispatch(ctx context.Context, taskQueue, key, update string, arg any) (DispatchResult, error) {
	id := OrderWorkflowID(key)
	start := a.Temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		// A failed run (an ImportOrder of the previous release that held the order) makes way for
		// an Order; a completed one (the order is in CB) does not: a run that listed the order just
		// before it went at_wms must not start it again.
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			temporal.NewSearchAttributeKeyKeyword("CartRoverCustRef").ValueSet(clip(key, 250)),
			temporal.NewSearchAttributeKeyKeyword(SAOrderStage).ValueSet(StageReceived)),
		StaticSummary: "CartRover order " + clip(key, 80),
	}, OrderWorkflowType, OrderStart{Key: key})
	// One update ID per run and order: a retried attempt of this activity gets the answer the
	// lost attempt got (the server deduplicates updates by ID) instead of a second, different one.
	info := activity.GetInfo(ctx).WorkflowExecution
	h, err := a.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateID: update + ":" + info.ID + ":" + info.RunID + ":" + clip(key, 200), WorkflowID: id, UpdateName: update,
			Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err != nil {
		return DispatchResult{}, err
	}
	var out DispatchResult
	err = h.Get(ctx, &out)
	return out, err
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// RecheckHeldInput hands new settings to the held orders that have not seen them.
type RecheckHeldInput struct {
	Settings settings.Settings `json:"settings"`
	Digest   string            `json:"digest"`
	// TaskQueue is the run's: only the orders of this deployment are handed the settings.
	TaskQueue string `json:"task_queue"`
}

// RecheckHeldResult counts what RecheckHeld did.
type RecheckHeldResult struct {
	// Told counts held orders handed the settings.
	Told int `json:"told"`
	// Rechecking counts those whose settings changed: they try again.
	Rechecking int `json:"rechecking"`
}

// RecheckHeld finds the held orders whose settings digest differs from the run's (a visibility
// query: no CartRover or CB call) and hands each the settings. An order whose own settings (its
// source and SKUs) did not change only records the digest. Nothing to do when the settings did not
// change: the query finds no order.
func (a *Activities) RecheckHeld(ctx context.Context, in RecheckHeldInput) (RecheckHeldResult, error) {
	var res RecheckHeldResult
	if a.Temporal == nil {
		return res, nil
	}
	query := fmt.Sprintf("WorkflowType = %q AND ExecutionStatus = 'Running' AND TaskQueue = %q AND %s = %q AND %s != %q",
		OrderWorkflowType, in.TaskQueue, SAOrderStage, StageHeld, SAOrderSettingsDigest, in.Digest)
	var token []byte
	for {
		resp, err := a.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, NextPageToken: token, PageSize: 200})
		if err != nil {
			return res, fmt.Errorf("list held orders: %w", err)
		}
		for _, e := range resp.Executions {
			// One order whose worker does not answer must not stall the others.
			uctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			h, err := a.Temporal.UpdateWorkflow(uctx, client.UpdateWorkflowOptions{
				WorkflowID: e.Execution.WorkflowId, UpdateName: SettingsUpdate, Args: []any{SettingsInput{Settings: in.Settings, Digest: in.Digest}},
				WaitForStage: client.WorkflowUpdateStageCompleted,
			})
			var out DispatchResult
			if err == nil {
				err = h.Get(uctx, &out)
			}
			cancel()
			if err != nil {
				activity.GetLogger(ctx).Warn("Could not hand new settings to a held order", "WorkflowID", e.Execution.WorkflowId, "Error", err)
				continue
			}
			res.Told++
			if out.Outcome == OutcomeRechecking {
				res.Rechecking++
			}
			activity.RecordHeartbeat(ctx, res)
		}
		token = resp.NextPageToken
		if len(token) == 0 {
			return res, nil
		}
	}
}
