package workflows

import (
	"crypto/sha256"
	"encoding/hex"

	"go.temporal.io/sdk/workflow"

	"github.com/cartrover-cb/ordermanager/activities"
)

// CustomerLockName is the workflow type that finds or creates one CB customer and the order's
// ship-to. Its workflow ID is the customer key, so at most one runs per customer at a time.
const CustomerLockName = "CustomerLock"

// CustomerLockWorkflowID is the workflow ID of a customer key: cb-customer:sha256-<hex> of it.
// The key is an e-mail address, shopper data: workflow IDs are not encrypted by the payload codec,
// so the ID carries only its hash.
func CustomerLockWorkflowID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "cb-customer:sha256-" + hex.EncodeToString(sum[:16])
}

// CustomerLock finds or creates the order's CB customer and a ship-to with its address. Temporal
// runs at most one workflow per ID, and the ID is the customer key (the e-mail, or the order
// source's shared customer): two orders of one shopper, in any runs and on any workers, take turns,
// and the second finds what the first created. Without the turn both would find nothing and both
// create a customer (find-then-create is not atomic in CB).
func CustomerLock(ctx workflow.Context, in activities.EnsureCustomerInput) (activities.CustomerResult, error) {
	var cust activities.CustomerResult
	if err := workflow.ExecuteActivity(cbOrderOptions(ctx), orderActs.EnsureCustomer, in).Get(ctx, &cust); err != nil {
		return cust, err
	}
	if cust.CreditHold || cust.ShipToCode != "" {
		return cust, nil
	}
	err := workflow.ExecuteActivity(cbOrderOptions(ctx), orderActs.CreateShipTo, activities.ShipToInput{
		CustRef: in.CustRef, CustomerCode: cust.CustomerCode, ClassCode: in.ShipToClass, Email: in.Email, ShipTo: in.ShipTo,
	}).Get(ctx, &cust.ShipToCode)
	cust.ShipToName = in.ShipTo.Name()
	return cust, err
}
