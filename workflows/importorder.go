package workflows

import (
	"errors"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cartrover-cb/ordermanager/activities"
)

// This file holds what only workflows of earlier versions run: the previous release's ImportOrder
// and the Order's import before placeVersion. Both can go once no such workflow is open.

// ImportOrder turns one CartRover order into exactly one CB sales order, then acknowledges it in
// CartRover (at_wms). Its workflow ID is derived from cust_ref and the sales order's POCode is the
// cust_ref, so overlapping runs and re-runs heal instead of duplicating. An order a person must
// fix ends with a non-retryable error of a held type (activities.HeldTypes) naming the settings
// key or record to fix; the run counts it and the next run retries it.
func ImportOrder(ctx workflow.Context, in ImportOrderInput) (ImportOrderResult, error) {
	w := &importOrder{r: in.Settings, cat: in.Catalog, o: in.Order, label: in.Order.Label(), flagHeld: in.FlagHeld}
	w.logger = log.With(workflow.GetLogger(ctx), "CustRef", in.Order.CustRef, "OrderSource", in.Order.OrderSource)
	res, err := w.run(ctx)
	return res, w.finish(ctx, res, err)
}

func (w *importOrder) run(ctx workflow.Context) (ImportOrderResult, error) {
	workflow.SetCurrentDetails(ctx, w.label+" → checking")
	so, err := w.mapOrder()
	if err != nil {
		return ImportOrderResult{}, err
	}
	cust, err := w.ensureCustomer(ctx)
	if err != nil {
		return ImportOrderResult{}, err
	}
	so.CustomerCode, so.ShipToCode, so.ShipToName = cust.CustomerCode, cust.ShipToCode, cust.ShipToName

	var created activities.SalesOrderResult
	if err := workflow.ExecuteActivity(cbOrderOptions(ctx), orderActs.CreateSalesOrder, so).Get(ctx, &created); err != nil {
		return ImportOrderResult{}, err
	}
	w.soCode = created.Code
	workflow.SetCurrentDetails(ctx, w.label+" → "+created.Code+" (acknowledging in CartRover)")

	// Acknowledge only now that CB holds the order: a crash before this line re-runs the order,
	// and CreateSalesOrder's check on POCode finds the order instead of creating a second one.
	if err := workflow.ExecuteActivity(crOrderOptions(ctx), orderActs.MarkAtWMS, w.o.CustRef).Get(ctx, nil); err != nil {
		return ImportOrderResult{}, err
	}
	return ImportOrderResult{CustRef: w.o.CustRef, SalesOrderCode: created.Code, Healed: created.Existed, CustomerCreated: cust.Created}, nil
}

// ensureCustomer finds or creates the customer, then the ship-to if the address is new to CB.
func (w *importOrder) ensureCustomer(ctx workflow.Context) (activities.CustomerResult, error) {
	var cust activities.CustomerResult
	err := workflow.ExecuteActivity(cbOrderOptions(ctx), orderActs.EnsureCustomer, w.customerInput()).Get(ctx, &cust)
	if err != nil {
		return cust, err
	}
	if cust.CreditHold {
		return cust, w.held(activities.ErrTypeCreditHold, "CB customer %s is on credit hold; release the hold (or approve the credit) in CB and the next run imports the order", cust.CustomerCode)
	}
	if cust.ShipToCode == "" {
		err := workflow.ExecuteActivity(cbOrderOptions(ctx), orderActs.CreateShipTo, activities.ShipToInput{
			CustRef: w.o.CustRef, CustomerCode: cust.CustomerCode, ClassCode: w.cat.ShipToTemplate,
			Email: w.o.Email, ShipTo: w.o.ShipTo,
		}).Get(ctx, &cust.ShipToCode)
		if err != nil {
			return cust, err
		}
		cust.ShipToName = w.o.ShipTo.Name()
	}
	return cust, nil
}

// finish records the outcome (search attributes, details) and, for a held order, tells CartRover
// when the settings ask for it. It returns the error the workflow ends with.
func (w *importOrder) finish(ctx workflow.Context, res ImportOrderResult, err error) error {
	outcome := OutcomeImported
	details := w.label + " → " + w.soCode
	var appErr *temporal.ApplicationError
	isHeld := err != nil && errors.As(err, &appErr) && activities.IsHeldType(appErr.Type())
	switch {
	case isHeld:
		outcome = OutcomeHeld
		details = w.label + " held: " + appErr.Type()
	case err != nil:
		outcome = OutcomeFailed
		details = w.label + " failed"
	case res.Healed:
		details += " (already in CB)"
	}
	updates := []temporal.SearchAttributeUpdate{ImportOutcomeKey.ValueSet(outcome)}
	if w.soCode != "" {
		updates = append(updates, SalesOrderCodeKey.ValueSet(w.soCode))
	}
	if uerr := workflow.UpsertTypedSearchAttributes(ctx, updates...); uerr != nil {
		w.logger.Warn("Could not record the outcome search attributes", "Error", uerr)
	}
	workflow.SetCurrentDetails(ctx, details)
	if !isHeld {
		if err != nil {
			w.logger.Error("Order failed", "Error", err)
		}
		return err
	}
	w.logger.Info("Order held for a person", "Type", appErr.Type(), "Reason", appErr.Error())
	flagged := false
	if w.flagHeld {
		ferr := workflow.ExecuteActivity(crFlagOptions(ctx), orderActs.FlagOrder,
			activities.FlagOrderInput{CustRef: w.o.CustRef, Message: appErr.Error()}).Get(ctx, nil)
		flagged = ferr == nil
		if ferr != nil {
			w.logger.Warn("Could not put the held order on error in CartRover", "Error", ferr)
		}
	}
	// Re-create the error with the details the parent reads; keep the message and stable type.
	return temporal.NewNonRetryableApplicationError(heldMessage(appErr), appErr.Type(), nil, HeldDetails{Flagged: flagged})
}

// heldMessage is the message of a held error without the activity wrapping the SDK adds.
func heldMessage(e *temporal.ApplicationError) string {
	return e.Message()
}

// importUnplaced is an import attempt of an Order that started importing before placeVersion:
// LoadCatalog, EnsureCustomer (and CustomerLock), CreateSalesOrder and MarkAtWMS, one activity each.
func (w *orderWF) importUnplaced(ctx workflow.Context) error {
	if w.st.Stage == activities.StageReceived {
		cat, err := w.catalog(ctx)
		if err != nil {
			return err
		}
		imp := w.importer(cat, false)
		so, err := imp.mapOrder()
		if err != nil {
			return err
		}
		w.checked = true
		cust, err := w.ensureCustomer(ctx, imp)
		if err != nil {
			return err
		}
		w.st.CustomerCode = cust.CustomerCode
		so.CustomerCode, so.ShipToCode, so.ShipToName = cust.CustomerCode, cust.ShipToCode, cust.ShipToName
		var created activities.SalesOrderResult
		if err := workflow.ExecuteActivity(cbOrderOptions(ctx), orderActs.CreateSalesOrder, so).Get(ctx, &created); err != nil {
			return err
		}
		w.st.SalesOrderCode, w.st.Healed = created.Code, created.Existed
		w.setStage(activities.StageInCB)
		if created.Existed {
			w.story(ctx, "already in CB as %s (not created twice)", created.Code)
		} else {
			w.story(ctx, "in CB as sales order %s (customer %s)", created.Code, cust.CustomerCode)
		}
		w.publish(ctx)
	}
	// Acknowledge only now that CB holds the order: CreateSalesOrder's POCode check heals a re-run.
	if err := workflow.ExecuteActivity(crOrderOptions(ctx), orderActs.MarkAtWMS, w.st.Key).Get(ctx, nil); err != nil {
		return err
	}
	w.setStage(activities.StageAtWMS)
	w.story(ctx, "at_wms in CartRover")
	return nil
}

// ensureCustomer finds or creates the order's CB customer and ship-to in a CustomerLock child
// workflow whose ID is the customer key: two orders of one shopper never create two customers.
func (w *orderWF) ensureCustomer(ctx workflow.Context, imp *importOrder) (activities.CustomerResult, error) {
	in := imp.customerInput()
	var cust activities.CustomerResult
	// A returning customer with this ship-to needs no turn: look first, without writing.
	find := in
	find.FindOnly = true
	if err := workflow.ExecuteActivity(cbOrderOptions(ctx), orderActs.EnsureCustomer, find).Get(ctx, &cust); err != nil {
		return cust, err
	}
	if cust.CustomerCode != "" && (cust.ShipToCode != "" || cust.CreditHold) {
		return cust, w.creditHold(imp, cust)
	}
	cust, err := w.lockCustomer(ctx, in)
	if err != nil {
		return cust, err
	}
	return cust, w.creditHold(imp, cust)
}
