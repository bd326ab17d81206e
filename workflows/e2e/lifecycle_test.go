package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/cartrover"
	cb "github.com/cartrover-cb/ordermanager/connectedbusiness"
	"github.com/cartrover-cb/ordermanager/internal/temporaltest"
	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
	"github.com/cartrover-cb/ordermanager/sandbox/catalog"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
	"github.com/cartrover-cb/ordermanager/settings"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// simsSandbox is a pickup sandbox on both simulators over HTTP: the CartRover simulator and the
// CB simulator (whose /_sim routes play CB's warehouse).
type simsSandbox struct {
	*pickupSandbox
	cbs   *cbsim.Server
	cbURL string
}

func newSimsSandbox(t *testing.T, seed uint64) *simsSandbox {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	crs := cartroversim.New(cartroversim.Options{Seed: seed, Refill: 5 * time.Millisecond, Logger: quiet})
	crSrv := httptest.NewServer(crs)
	t.Cleanup(crSrv.Close)
	cbs := cbsim.New(cbsim.Options{})
	t.Cleanup(func() { _ = cbs.Close() })
	cbSrv := httptest.NewServer(cbs)
	t.Cleanup(cbSrv.Close)
	crc, err := cartrover.New(cartrover.Config{BaseURL: crSrv.URL, APIUser: cartroversim.DefaultAPIUser, APIKey: cartroversim.DefaultAPIKey,
		RatePerSecond: -1, Timeout: 5 * time.Second, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	cbc, err := cb.NewWebService(cb.Config{BaseURL: cbSrv.URL, UserCode: cbsim.DefaultUserCode, Password: cbsim.DefaultPassword, Timeout: 5 * time.Second, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	st, err := settings.Load(filepath.Join("..", "..", "deploy", "settings.sandbox.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	env := temporaltest.NewEnv(t, &activities.Activities{CartRover: crc, CB: cbc}, temporaltest.WorkerOptions{})
	for _, it := range catalog.Items {
		cbs.SetStock(it.Code, "MAIN", 500)
	}
	s := &pickupSandbox{seq: env.TaskQueue[strings.LastIndex(env.TaskQueue, "-")+1:], cr: crs, env: env, settings: st}
	return &simsSandbox{pickupSandbox: s, cbs: cbs, cbURL: cbSrv.URL}
}

// ship has CB's warehouse ship a sales order through the simulator's HTTP route.
func (s *simsSandbox) ship(t *testing.T, so string, partial bool) error {
	t.Helper()
	body, _ := json.Marshal(cbsim.ShipOptions{Partial: partial})
	resp, err := http.Post(s.cbURL+"/_sim/orders/"+so+"/ship", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("ship %s: %s %s", so, resp.Status, msg)
	}
	return nil
}

// orderOf reads an Order workflow's state (query) and whether the workflow has closed.
func (s *simsSandbox) orderOf(t *testing.T, ref string) (workflows.OrderState, enumspb.WorkflowExecutionStatus) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id := workflows.OrderWorkflowID(ref)
	d, err := s.env.Client.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.env.Client.QueryWorkflow(ctx, id, "", activities.OrderQuery)
	if err != nil {
		t.Fatal(err)
	}
	var st workflows.OrderState
	if err := v.Get(&st); err != nil {
		t.Fatal(err)
	}
	return st, d.WorkflowExecutionInfo.Status
}

// runsOf counts the workflow runs of an order's ID.
func (s *simsSandbox) runsOf(t *testing.T, ref string) int {
	t.Helper()
	resp, err := s.env.Client.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
		Query: fmt.Sprintf("WorkflowId = %q", workflows.OrderWorkflowID(ref))})
	if err != nil {
		t.Fatal(err)
	}
	return len(resp.Executions)
}

// lifeEvents counts the history events of every run of an order's workflow (continue-as-new included).
func (s *simsSandbox) lifeEvents(t *testing.T, ref string) int {
	t.Helper()
	n := 0
	runID := ""
	for {
		it := s.env.Client.GetWorkflowHistory(context.Background(), workflows.OrderWorkflowID(ref), runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		var first *historypb.HistoryEvent
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = e
			}
			n++
		}
		prev := first.GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId()
		if prev == "" {
			return n
		}
		runID = prev
	}
}

// TestOrderLifeFromImportToDoneAndCancellationWithBothSimulators imports orders, has CB's
// warehouse ship one in two parts and another in one, and cancels a third in CartRover after
// import. The shipments runs hand CB's boxes to the orders' workflows: the first order goes
// partial then done with exactly CB's tracking numbers in CartRover, the second done at once,
// and the canceled one ends canceled with its CB sales order on hold. It logs the history events
// each order's workflow cost for its whole life.
func TestOrderLifeFromImportToDoneAndCancellationWithBothSimulators(t *testing.T) {
	s := newSimsSandbox(t, 61)
	refs := s.addOrders(t, "LC", 8)
	heldRef := s.addGenerated(t, "LH", 1, 1)[0]
	if sum := s.run(t, "lc-orders", workflows.TaskOrders).Orders; sum == nil || sum.Dispatch == nil || sum.Dispatch.New != len(refs) ||
		sum.Dispatch.NewHeld != 1 || !waitAtWMS(t, s.cr, refs) {
		t.Fatalf("Order Send imported %+v of %d (and held 1)", sum, len(refs))
	}
	soOf := map[string]string{}
	for _, ref := range refs {
		sos := s.cbs.SalesOrdersByPOCode(ref)
		if len(sos) != 1 {
			t.Fatalf("CB holds %d orders for %s", len(sos), ref)
		}
		soOf[ref] = sos[0].Code
		if st, status := s.orderOf(t, ref); st.Stage != activities.StageAtWMS || status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			t.Fatalf("order %s after import: stage %s, workflow %s; want at_wms and open", ref, st.Stage, status)
		}
	}
	// partial: the first order CB can ship in part; whole: shipped in one go; canceled: canceled in CartRover.
	partial := ""
	for _, ref := range refs {
		if err := s.ship(t, soOf[ref], true); err == nil {
			partial = ref
			break
		}
	}
	if partial == "" {
		t.Fatal("no order could ship in part")
	}
	rest := slices.DeleteFunc(slices.Clone(refs), func(r string) bool { return r == partial })
	whole, canceled, migrated := rest[0], rest[1], rest[2]
	parkedRefs := rest[3:]
	if err := s.ship(t, soOf[whole], false); err != nil {
		t.Fatal(err)
	}
	// Canceled in CartRover: one after import, one while held (never imported).
	for _, ref := range []string{canceled, heldRef} {
		if err := s.cr.Apply(ref, cartroversim.Update{OrderStatus: cartrover.StatusCanceled}); err != nil {
			t.Fatal(err)
		}
	}

	cbTracking := func(ref string) []string {
		var out []string
		for _, b := range s.cbs.SalesOrdersByPOCode(ref)[0].Boxes {
			out = append(out, b.TrackingNumber)
		}
		return out
	}
	sum1 := s.run(t, "lc-shipments-1", workflows.TaskShipments).Shipments
	if sum1.OrdersPartial != 1 || sum1.OrdersShipped != 1 || sum1.OrdersCanceled != 2 || sum1.HeldInCB != 1 || sum1.Failed != 0 {
		t.Fatalf("first shipments run %+v; want one partial, one shipped, two canceled (one with its CB order on hold)", sum1)
	}
	if st, status := s.orderOf(t, heldRef); st.Stage != activities.StageCanceled || st.SalesOrderCode != "" ||
		status != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED || len(s.cbs.SalesOrdersByPOCode(heldRef)) != 0 {
		t.Errorf("held order canceled in CartRover: stage %s, SO %q, workflow %s; want canceled, never in CB", st.Stage, st.SalesOrderCode, status)
	}
	if st, status := s.orderOf(t, partial); st.Stage != activities.StagePartial || status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Errorf("partly shipped order: stage %s, workflow %s", st.Stage, status)
	}
	if tracking, _, status := s.crShipments(partial); !slices.Equal(tracking, cbTracking(partial)) || status != cartrover.StatusPartial {
		t.Errorf("partly shipped order in CartRover: %v %s; want CB's %v partial", tracking, status, cbTracking(partial))
	}

	// The canceled order: its workflow ended canceled and CB holds the sales order (it no longer ships).
	st, status := s.orderOf(t, canceled)
	so := s.cbs.SalesOrdersByPOCode(canceled)[0]
	if st.Stage != activities.StageCanceled || !st.OnHoldInCB || status != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED || !so.OnHold {
		t.Errorf("canceled order: stage %s on hold %v, workflow %s, CB on hold %v", st.Stage, st.OnHoldInCB, status, so.OnHold)
	}
	if !strings.Contains(strings.Join(st.Story, "\n"), so.Code+" put on hold") {
		t.Errorf("canceled order's story: %v", st.Story)
	}
	if err := s.ship(t, so.Code, false); err == nil {
		t.Error("CB's warehouse shipped a sales order on hold")
	}

	// migrated stands for an order the previous release imported: its workflow closed at at_wms.
	// CB then ships it; the hand-off starts a new run at at_wms that posts the boxes and ends done.
	if err := s.env.Client.TerminateWorkflow(context.Background(), workflows.OrderWorkflowID(migrated), "",
		"stands for a workflow of the previous release, which ended at at_wms"); err != nil {
		t.Fatal(err)
	}
	if err := s.ship(t, soOf[migrated], false); err != nil {
		t.Fatal(err)
	}
	// The warehouse ships the rest; the next run completes the order.
	if err := s.ship(t, soOf[partial], false); err != nil {
		t.Fatal(err)
	}
	s.cr.ResetStats()
	sum2 := s.run(t, "lc-shipments-2", workflows.TaskShipments).Shipments
	if sum2.OrdersShipped != 2 || sum2.OrdersPartial != 0 || sum2.Failed != 0 {
		t.Fatalf("second shipments run %+v; want the partly shipped order and the migrated one completed", sum2)
	}
	waitFor(t, 30*time.Second, "the migrated order's two workflow runs (the closed one and the one the hand-off started)", func() string {
		if n := s.runsOf(t, migrated); n != 2 {
			return fmt.Sprintf("%d runs listed", n)
		}
		return ""
	})
	for _, ref := range []string{partial, whole, migrated} {
		st, status := s.orderOf(t, ref)
		tracking, _, crStatus := s.crShipments(ref)
		if st.Stage != activities.StageDone || status != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED ||
			!slices.Equal(tracking, cbTracking(ref)) || !slices.Equal(st.Posted, cbTracking(ref)) || crStatus != cartrover.StatusShipped {
			t.Errorf("order %s: stage %s, workflow %s, CartRover %v %s, posted %v; want done with CB's %v",
				ref, st.Stage, status, tracking, crStatus, st.Posted, cbTracking(ref))
		}
		story := strings.Join(st.Story, "\n")
		first := "received"
		if ref == migrated {
			first = "imported before this workflow"
		}
		for _, w := range append([]string{first, soOf[ref], "at_wms", "done"}, cbTracking(ref)...) {
			if !strings.Contains(story, w) {
				t.Errorf("story of %s lacks %q:\n%s", ref, w, story)
			}
		}
	}
	// A re-run posts nothing and starts no workflow again.
	s.cr.ResetStats()
	sum3 := s.run(t, "lc-shipments-3", workflows.TaskShipments).Shipments
	if n := s.cr.Stats().ByRoute[cartrover.RouteUpdateOrder.Name]; n != 0 || sum3.BoxesPosted != 0 || sum3.OrdersCanceled != 0 {
		t.Errorf("re-run posted %d updates: %+v", n, sum3)
	}

	// Measured: history events of each order's workflow over its whole life.
	parked := 0
	for _, ref := range parkedRefs {
		parked += s.lifeEvents(t, ref)
	}
	t.Logf("history events per order, whole life: two shipments then done %d, one shipment then done %d, canceled after import %d, "+
		"held then canceled %d; an order parked at at_wms (imported, not shipped) %.1f; a run the hand-off started at at_wms, one shipment, done %d",
		s.lifeEvents(t, partial), s.lifeEvents(t, whole), s.lifeEvents(t, canceled), s.lifeEvents(t, heldRef), float64(parked)/float64(len(parkedRefs)),
		s.lifeEvents(t, migrated))
	t.Logf("shipments pickup child history: %d events (2 orders shipped, 2 canceled), %d (2 orders shipped), %d (a re-run: nothing new in the window)",
		s.historyLen(t, "lc-shipments-1", workflows.TaskShipments), s.historyLen(t, "lc-shipments-2", workflows.TaskShipments),
		s.historyLen(t, "lc-shipments-3", workflows.TaskShipments))

	if os.Getenv("RECORD_REPLAY_HISTORIES") != "" {
		writeHistory(t, s.env.Client, "order_done.json", workflows.OrderWorkflowID(partial))
		writeHistory(t, s.env.Client, "order_canceled.json", workflows.OrderWorkflowID(canceled))
		writeHistory(t, s.env.Client, "order_at_wms.json", workflows.OrderWorkflowID(parkedRefs[0]))
		writeHistory(t, s.env.Client, "shipmentpickup_handoff.json", s.id("lc-shipments-1")+"/"+string(workflows.TaskShipments))
	}
}

// writeHistory writes a workflow's history (decoded, so the replay test needs no key) to
// workflows/testdata/name.
func writeHistory(t *testing.T, c client.Client, name, id string) {
	t.Helper()
	h := &historypb.History{Events: history(t, c, id)}
	if err := temporaltest.DecodeHistory(h); err != nil {
		t.Fatal(err)
	}
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("..", "testdata", name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
