package cartrover_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cartrover-cb/ordermanager/cartrover"
)

func TestDecodeOrderStrictNamesTheFieldAndValueThatDoNotDecode(t *testing.T) {
	o, err := cartrover.DecodeOrderStrict([]byte(`{"cust_ref":"A1","order_discount":"NaN","ship_city":"Springfield","items":[]}`))
	var fe *cartrover.FieldError
	if o != nil || !errors.As(err, &fe) {
		t.Fatalf("want a FieldError, got %v, %v", o, err)
	}
	if fe.CustRef != "A1" || fe.Field != "order_discount" || fe.Raw != `"NaN"` || !strings.Contains(err.Error(), `order_discount has the value "NaN"`) {
		t.Errorf("error %+v: %v", fe, err)
	}
	if _, err := cartrover.DecodeOrderStrict([]byte(`[1,2]`)); !errors.As(err, &fe) || fe.Field != "" || fe.CustRef != "" {
		t.Errorf("not an object: %v", err)
	}
	o, err = cartrover.DecodeOrderStrict([]byte(`{"cust_ref":"A2","order_discount":"1.50","on_hold":"Y"}`))
	if err != nil || o.CustRef != "A2" || !bool(o.OnHold) {
		t.Errorf("a good order: %+v, %v", o, err)
	}
}
