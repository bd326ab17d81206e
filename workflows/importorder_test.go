package workflows_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/settings"
	"github.com/cartrover-cb/ordermanager/workflows"
)

var oacts *activities.Activities

const testSettings = `
warehouse: MAIN
website_code: WEB-1
carts:
  Shopify:
    shipping:
      rules:
        - {ship_code: standard, to: {group: DEFAULT, code: UPS Ground}}
  WooCommerce:
    shipping:
      rules:
        - {ship_code: flat_rate, to: {group: DEFAULT, code: UPS Ground}}
    skus: {WOO-TEE: TEE-CLASSIC-M}
`

func mustSettings(t *testing.T) settings.Settings {
	t.Helper()
	s, err := settings.Parse([]byte(testSettings))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testOrder(ref string) activities.Order {
	addr := activities.OrderAddress{FirstName: "Ada", LastName: "Lovelace", Address1: "1 Main St", City: "Springfield", State: "IL", Zip: "62701", Country: "USA"}
	return activities.Order{
		CustRef: ref, CustPONo: "#" + ref, OrderSource: "Shopify", ShipCode: "standard", Email: "ada@example.com",
		BillTo: addr, ShipTo: addr, Freight: "5.00",
		Items: []activities.OrderItem{{SKU: "TEE-CLASSIC-M", Quantity: "2", Price: "19.99", Discount: "1.999"}},
	}
}

var teeItem = activities.CatalogItem{Code: "ITEM-000002", Name: "TEE-CLASSIC-M", UoM: "EACH"}

func importInput(t *testing.T, o activities.Order) workflows.ImportOrderInput {
	r := mustSettings(t).Resolve(o.OrderSource)
	return workflows.ImportOrderInput{
		Order: o, Settings: r,
		Catalog: workflows.OrderCatalog{
			Items: []activities.CatalogItem{teeItem}, ListsChecked: true,
			ShippingMethod: &activities.ShippingMethodRef{Group: "DEFAULT", Code: "UPS Ground"},
		},
	}
}

// saRecorder keeps the search attributes the workflow upserted, last value wins.
type saRecorder map[string]string

func (r saRecorder) keyword(k temporal.SearchAttributeKeyKeyword) string { return r[k.GetName()] }

func newEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, saRecorder) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(oacts)
	env.RegisterWorkflowWithOptions(workflows.ImportOrder, workflowOpts(workflows.ImportOrderName))
	env.RegisterWorkflowWithOptions(workflows.OrderManager, workflowOpts(workflows.OrderManagerName))
	env.RegisterWorkflowWithOptions(workflows.Order, workflowOpts(workflows.OrderName))
	env.RegisterWorkflowWithOptions(workflows.CustomerLock, workflowOpts(workflows.CustomerLockName))
	rec := saRecorder{}
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		for _, k := range []temporal.SearchAttributeKeyKeyword{workflows.ImportOutcomeKey, workflows.SalesOrderCodeKey, workflows.OrderStageKey, workflows.SettingsDigestKey} {
			if v, ok := sa.GetKeyword(k); ok {
				rec[k.GetName()] = v
			}
		}
	}).Return(nil)
	return env, rec
}

// heldType returns the application error type of a workflow error, "" when there is none.
func errType(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Type()
	}
	return ""
}

func TestImportOrderImportsAndAcknowledgesAfterCB(t *testing.T) {
	env, sa := newEnv(t)
	var calls []string
	env.OnActivity(oacts.EnsureCustomer, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.EnsureCustomerInput) (activities.CustomerResult, error) {
			calls = append(calls, "customer")
			if in.Email != "ada@example.com" || in.Match != "email" || in.BusinessType != "Retail" {
				t.Errorf("customer input: %+v", in)
			}
			return activities.CustomerResult{CustomerCode: "CUST-1", ShipToCode: "SHIP-1", ShipToName: "Ada Lovelace"}, nil
		})
	env.OnActivity(oacts.CreateSalesOrder, mock.Anything, mock.Anything).Return(
		func(_ context.Context, so activities.SalesOrderInput) (activities.SalesOrderResult, error) {
			calls = append(calls, "order")
			if so.CustRef != "1045" || so.CustomerCode != "CUST-1" || so.ShipToCode != "SHIP-1" || so.SourceCode != "CartRover" ||
				so.WebSiteCode != "WEB-1" || so.Warehouse != "MAIN" || so.Shipping.Code != "UPS Ground" || so.Freight != "5.00" {
				t.Errorf("sales order header: %+v", so)
			}
			if len(so.Lines) != 1 || so.Lines[0].ItemCode != "ITEM-000002" || so.Lines[0].Quantity != "2" ||
				so.Lines[0].Price != "19.99" || so.Lines[0].DiscountPercent != "10" {
				t.Errorf("sales order lines: %+v", so.Lines)
			}
			return activities.SalesOrderResult{Code: "SO-000123"}, nil
		})
	env.OnActivity(oacts.MarkAtWMS, mock.Anything, "1045").Return(func(_ context.Context, _ string) error {
		calls = append(calls, "ack")
		return nil
	})
	env.ExecuteWorkflow(workflows.ImportOrder, importInput(t, testOrder("1045")))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res workflows.ImportOrderResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.SalesOrderCode != "SO-000123" || res.Healed {
		t.Errorf("result %+v", res)
	}
	if strings.Join(calls, ",") != "customer,order,ack" {
		t.Errorf("CartRover must be acknowledged only after CB holds the order; calls: %v", calls)
	}
	if v := sa.keyword(workflows.ImportOutcomeKey); v != workflows.OutcomeImported {
		t.Errorf("outcome search attribute %q", v)
	}
	if v := sa.keyword(workflows.SalesOrderCodeKey); v != "SO-000123" {
		t.Errorf("sales order search attribute %q", v)
	}
}

func TestImportOrderHealsAnOrderCBAlreadyHolds(t *testing.T) {
	env, sa := newEnv(t)
	env.OnActivity(oacts.EnsureCustomer, mock.Anything, mock.Anything).Return(activities.CustomerResult{CustomerCode: "CUST-1", ShipToCode: "SHIP-1"}, nil)
	env.OnActivity(oacts.CreateSalesOrder, mock.Anything, mock.Anything).Return(activities.SalesOrderResult{Code: "SO-9", Existed: true}, nil)
	env.OnActivity(oacts.MarkAtWMS, mock.Anything, "1045").Return(nil).Once()
	env.ExecuteWorkflow(workflows.ImportOrder, importInput(t, testOrder("1045")))
	var res workflows.ImportOrderResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if !res.Healed || res.SalesOrderCode != "SO-9" {
		t.Errorf("want a healed order SO-9, got %+v", res)
	}
	if sa.keyword(workflows.ImportOutcomeKey) != workflows.OutcomeImported || sa.keyword(workflows.SalesOrderCodeKey) != "SO-9" {
		t.Errorf("search attributes %v", sa)
	}
	env.AssertExpectations(t)
}

func TestImportOrderCreatesAShipToForANewAddress(t *testing.T) {
	env, _ := newEnv(t)
	env.OnActivity(oacts.EnsureCustomer, mock.Anything, mock.Anything).Return(activities.CustomerResult{CustomerCode: "CUST-1"}, nil)
	env.OnActivity(oacts.CreateShipTo, mock.Anything, mock.Anything).Return("SHIP-2", nil).Once()
	env.OnActivity(oacts.CreateSalesOrder, mock.Anything, mock.MatchedBy(func(so activities.SalesOrderInput) bool {
		return so.ShipToCode == "SHIP-2"
	})).Return(activities.SalesOrderResult{Code: "SO-1"}, nil)
	env.OnActivity(oacts.MarkAtWMS, mock.Anything, mock.Anything).Return(nil)
	env.ExecuteWorkflow(workflows.ImportOrder, importInput(t, testOrder("7")))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	env.AssertExpectations(t)
}

func TestImportOrderHoldsWithoutTouchingCB(t *testing.T) {
	cases := []struct {
		name, wantType string
		change         func(*workflows.ImportOrderInput)
		wantInMessage  []string
	}{
		{"unmapped ship code", activities.ErrTypeUnmappedShipCode, func(in *workflows.ImportOrderInput) { in.Order.ShipCode = "pigeon" },
			[]string{"1045", `"pigeon"`, "carts.Shopify.shipping.rules"}},
		{"shipping method CB lacks", activities.ErrTypeUnknownShippingMethod, func(in *workflows.ImportOrderInput) { in.Catalog.ShippingMethod = nil },
			[]string{"UPS Ground", "carts.Shopify.shipping.rules[0]"}},
		{"unknown SKU", activities.ErrTypeUnknownSKU, func(in *workflows.ImportOrderInput) {
			in.Order.Items = append(in.Order.Items, activities.OrderItem{SKU: "DISCONTINUED-MUG-01", Quantity: "1", Price: "3"})
		}, []string{"DISCONTINUED-MUG-01", "carts.Shopify.skus.DISCONTINUED-MUG-01"}},
		{"incomplete address", activities.ErrTypeInvalidAddress, func(in *workflows.ImportOrderInput) { in.Order.ShipTo.City, in.Order.ShipTo.Zip = "", "" },
			[]string{"ship_city", "ship_zip"}},
		{"US state name instead of code", activities.ErrTypeInvalidAddress, func(in *workflows.ImportOrderInput) { in.Order.ShipTo.State = "California" },
			[]string{`"California"`}},
		{"fractional quantity", activities.ErrTypeInvalidLine, func(in *workflows.ImportOrderInput) { in.Order.Items[0].Quantity = "1.5" },
			[]string{"line 1", "TEE-CLASSIC-M", "1.5"}},
		{"negative price", activities.ErrTypeInvalidLine, func(in *workflows.ImportOrderInput) { in.Order.Items[0].Price = "-1" },
			[]string{"price -1"}},
		{"no lines", activities.ErrTypeInvalidLine, func(in *workflows.ImportOrderInput) { in.Order.Items = nil },
			[]string{"no lines"}},
		{"unknown payment term", activities.ErrTypeUnknownPaymentTerm, func(in *workflows.ImportOrderInput) { in.Settings.PaymentTerm = "NET99" },
			[]string{"NET99", "carts.Shopify.payment_term"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env, sa := newEnv(t)
			in := importInput(t, testOrder("1045"))
			c.change(&in)
			env.ExecuteWorkflow(workflows.ImportOrder, in)
			err := env.GetWorkflowError()
			if errType(err) != c.wantType {
				t.Fatalf("want held %s, got %v", c.wantType, err)
			}
			for _, w := range c.wantInMessage {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message lacks %q: %v", w, err)
				}
			}
			var appErr *temporal.ApplicationError
			if errors.As(err, &appErr); !appErr.NonRetryable() {
				t.Error("a held order must not be retried by Temporal")
			}
			if v := sa.keyword(workflows.ImportOutcomeKey); v != workflows.OutcomeHeld {
				t.Errorf("outcome %q", v)
			}
		})
	}
}

func TestImportOrderHoldsACustomerOnCreditHoldAndFlagsItInCartRover(t *testing.T) {
	env, sa := newEnv(t)
	env.OnActivity(oacts.EnsureCustomer, mock.Anything, mock.Anything).Return(activities.CustomerResult{CustomerCode: "CUST-9", ShipToCode: "S", CreditHold: true}, nil)
	env.OnActivity(oacts.FlagOrder, mock.Anything, mock.MatchedBy(func(in activities.FlagOrderInput) bool {
		return in.CustRef == "1045" && strings.Contains(in.Message, "credit hold")
	})).Return(nil).Once()
	in := importInput(t, testOrder("1045"))
	in.FlagHeld = true
	env.ExecuteWorkflow(workflows.ImportOrder, in)
	err := env.GetWorkflowError()
	if errType(err) != activities.ErrTypeCreditHold || !strings.Contains(err.Error(), "CUST-9") {
		t.Fatalf("want CreditHold naming the customer, got %v", err)
	}
	var appErr *temporal.ApplicationError
	errors.As(err, &appErr)
	var d workflows.HeldDetails
	if err := appErr.Details(&d); err != nil || !d.Flagged {
		t.Errorf("details must say CartRover was told: %+v %v", d, err)
	}
	if sa.keyword(workflows.ImportOutcomeKey) != workflows.OutcomeHeld {
		t.Errorf("search attributes %v", sa)
	}
	env.AssertExpectations(t)
}

func TestImportOrderHoldsWhenCBRejectsAndFailsWhenCartRoverStaysDown(t *testing.T) {
	t.Run("CB credit limit", func(t *testing.T) {
		env, sa := newEnv(t)
		env.OnActivity(oacts.EnsureCustomer, mock.Anything, mock.Anything).Return(activities.CustomerResult{CustomerCode: "C", ShipToCode: "S"}, nil)
		env.OnActivity(oacts.CreateSalesOrder, mock.Anything, mock.Anything).Return(activities.SalesOrderResult{},
			temporal.NewNonRetryableApplicationError("cust_ref 1045: over the credit limit", activities.ErrTypeCreditHold, nil))
		env.ExecuteWorkflow(workflows.ImportOrder, importInput(t, testOrder("1045")))
		if err := env.GetWorkflowError(); errType(err) != activities.ErrTypeCreditHold {
			t.Fatalf("want held CreditHold, got %v", err)
		}
		if sa.keyword(workflows.ImportOutcomeKey) != workflows.OutcomeHeld {
			t.Errorf("search attributes %v", sa)
		}
	})
	t.Run("CartRover down", func(t *testing.T) {
		env, sa := newEnv(t)
		env.OnActivity(oacts.EnsureCustomer, mock.Anything, mock.Anything).Return(activities.CustomerResult{CustomerCode: "C", ShipToCode: "S"}, nil)
		env.OnActivity(oacts.CreateSalesOrder, mock.Anything, mock.Anything).Return(activities.SalesOrderResult{Code: "SO-5"}, nil)
		attempts := 0
		env.OnActivity(oacts.MarkAtWMS, mock.Anything, mock.Anything).Return(func(_ context.Context, _ string) error {
			attempts++
			return errors.New("connection reset")
		})
		env.ExecuteWorkflow(workflows.ImportOrder, importInput(t, testOrder("1045")))
		err := env.GetWorkflowError()
		if err == nil || activities.IsHeldType(errType(err)) {
			t.Fatalf("want a failed (not held) order, got %v", err)
		}
		if attempts < 2 || attempts > 20 {
			t.Errorf("retries must be bounded and happen: %d attempts", attempts)
		}
		if v := sa.keyword(workflows.ImportOutcomeKey); v != workflows.OutcomeFailed {
			t.Errorf("outcome %q", v)
		}
		if v := sa.keyword(workflows.SalesOrderCodeKey); v != "SO-5" {
			t.Errorf("a failed acknowledgement must still show the CB order: %q", v)
		}
	})
}
