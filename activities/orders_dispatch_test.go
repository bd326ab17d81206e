package activities_test

import (
	"strings"
	"testing"

	"github.com/cartrover-cb/ordermanager/activities"
)

func TestOrderWorkflowIDHashesReferencesThatCannotBeIDs(t *testing.T) {
	if id := activities.OrderWorkflowID("SH1001"); id != "cartrover-order:SH1001" {
		t.Errorf("plain cust_ref: %s", id)
	}
	for _, ref := range []string{"", strings.Repeat("L", 2000), "a\x00b", "josé-1", " padded"} {
		id := activities.OrderWorkflowID(ref)
		if !strings.HasPrefix(id, "cartrover-order:sha256-") || len(id) > 60 || id != activities.OrderWorkflowID(ref) {
			t.Errorf("cust_ref %q: id %q", ref, id)
		}
	}
	if activities.OrderWorkflowID("a") == activities.OrderWorkflowID("b\x00") {
		t.Error("different references must not share an ID")
	}
	// A non-ASCII cust_ref is importable (hashed ID only); an empty or control-character one is not.
	if !activities.ImportableRef("josé-1") || activities.ImportableRef("") || activities.ImportableRef("a\x01") || activities.ImportableRef(strings.Repeat("x", 201)) {
		t.Error("ImportableRef")
	}
}

func TestCustomerKeyIsTheEmailOrTheCartsSharedCustomer(t *testing.T) {
	if k := activities.CustomerKey(activities.EnsureCustomerInput{Email: " Ada@Example.com ", Match: "email", OrderSource: "Shopify"}); k != "ada@example.com" {
		t.Errorf("email key %q", k)
	}
	if k := activities.CustomerKey(activities.EnsureCustomerInput{Email: "ada@example.com", Match: "order_source", OrderSource: "Shopify"}); k != "shopify@cartrover.invalid" {
		t.Errorf("shared key %q", k)
	}
	if k := activities.CustomerKey(activities.EnsureCustomerInput{Match: "email", OrderSource: "Amazon US"}); k != "amazonus@cartrover.invalid" {
		t.Errorf("no e-mail key %q", k)
	}
}
