package activities

import (
	"context"
	"strings"
	"unicode"

	"go.temporal.io/sdk/activity"

	cb "github.com/cartrover-cb/ordermanager/connectedbusiness"
)

// EnsureCustomerInput is what finding or creating the order's customer needs.
type EnsureCustomerInput struct {
	CustRef string `json:"cust_ref"`
	// Email is the match key when Match is email; empty falls back to the order source's customer.
	Email        string       `json:"email,omitempty"`
	Match        string       `json:"match"`
	OrderSource  string       `json:"order_source"`
	BusinessType string       `json:"business_type"`
	ClassCode    string       `json:"class_code,omitempty"`
	ShipToClass  string       `json:"ship_to_class,omitempty"`
	PaymentTerm  string       `json:"payment_term,omitempty"`
	BillTo       OrderAddress `json:"bill_to"`
	ShipTo       OrderAddress `json:"ship_to"`
	// FindOnly looks the customer up without creating it: CustomerCode is empty when there is none.
	FindOnly bool `json:"find_only,omitempty"`
}

// CustomerResult is the CB customer and ship-to an order uses.
type CustomerResult struct {
	CustomerCode string `json:"customer_code"`
	Created      bool   `json:"created,omitempty"`
	// ShipToCode is the matching ship-to; empty when one must be created (CreateShipTo).
	ShipToCode string `json:"ship_to_code,omitempty"`
	ShipToName string `json:"ship_to_name,omitempty"`
	CreditHold bool   `json:"credit_hold,omitempty"`
}

// sharedEmail is the e-mail address of the one shared customer of an order source
// (customers.match: order_source, or an order without e-mail). The .invalid domain never delivers.
func sharedEmail(orderSource string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(orderSource) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' || r == '_' || r == '.' {
			b.WriteRune(r)
		}
	}
	return b.String() + "@cartrover.invalid"
}

// CustomerKey is the key of the CB customer an order belongs to: the lower-case e-mail, or the
// order source's shared customer's (customers.match: order_source, or an order without e-mail).
// Orders with one key share one customer.
func CustomerKey(in EnsureCustomerInput) string {
	email := strings.TrimSpace(in.Email)
	if in.Match == "order_source" || email == "" {
		email = sharedEmail(in.OrderSource)
	}
	return strings.ToLower(email)
}

// EnsureCustomer finds the order's CB customer (by e-mail, or the order source's shared customer)
// and a ship-to with the order's address, creating the customer when there is none (its default
// ship-to then carries the order's address). It writes at most once (CreateCustomer); a retry finds
// what an earlier attempt created. When the customer exists but no ship-to matches, ShipToCode is
// empty and the workflow calls CreateShipTo.
func (a *Activities) EnsureCustomer(ctx context.Context, in EnsureCustomerInput) (CustomerResult, error) {
	record := "cust_ref " + in.CustRef
	email := strings.TrimSpace(in.Email)
	shared := in.Match == "order_source" || email == ""
	if shared {
		email = sharedEmail(in.OrderSource)
	}
	c, err := a.CB.FindCustomerByEmail(ctx, email)
	if err != nil {
		return CustomerResult{}, classify(err, record+": find CB customer", ErrTypeCBRejectedOrder)
	}
	if c == nil && in.FindOnly {
		return CustomerResult{}, nil
	}
	if c == nil {
		nc := cb.NewCustomer{
			BusinessType:    cb.BusinessType(in.BusinessType),
			ClassCode:       in.ClassCode,
			ShipToClassCode: in.ShipToClass,
			Email:           email,
			PaymentTermCode: in.PaymentTerm,
		}
		addr := in.ShipTo
		if shared {
			nc.Name = in.OrderSource + " customers"
		} else {
			nc.Name = in.BillTo.Name()
			nc.Phone = in.BillTo.Phone
			addr = in.BillTo
		}
		nc.Address = cbAddress(addr)
		if nc.Name == "" {
			nc.Name = in.ShipTo.Name()
		}
		c, err = a.CB.CreateCustomer(ctx, nc)
		if err != nil {
			return CustomerResult{}, classify(err, record+": create CB customer", ErrTypeCBRejectedOrder)
		}
		res := CustomerResult{CustomerCode: c.Code, Created: true, CreditHold: c.IsCreditHold}
		if !sameAddress(nc.Address, cbAddress(in.ShipTo)) {
			return res, nil // the default ship-to has another address: the workflow creates one
		}
		res.ShipToCode, res.ShipToName = c.DefaultShipToCode, in.ShipTo.Name()
		if res.ShipToCode == "" {
			// CB did not say which ship-to it created with the customer: find it rather than
			// create a second one with the same address.
			if res.ShipToCode, err = a.findShipTo(ctx, c.Code, in.ShipTo); err != nil {
				return CustomerResult{}, classify(err, record+": list ship-tos of "+c.Code, ErrTypeCBRejectedOrder)
			}
		}
		return res, nil
	}
	res := CustomerResult{CustomerCode: c.Code, CreditHold: c.IsCreditHold}
	if !shared && c.DefaultShipToCode != "" && sameAddress(c.Address, cbAddress(in.ShipTo)) {
		// The default ship-to was created from the customer's address: no lookup needed.
		res.ShipToCode, res.ShipToName = c.DefaultShipToCode, in.ShipTo.Name()
		return res, nil
	}
	code, err := a.findShipTo(ctx, c.Code, in.ShipTo)
	if err != nil {
		return CustomerResult{}, classify(err, record+": list ship-tos of "+c.Code, ErrTypeCBRejectedOrder)
	}
	res.ShipToCode, res.ShipToName = code, in.ShipTo.Name()
	return res, nil
}

func (a *Activities) findShipTo(ctx context.Context, customerCode string, addr OrderAddress) (string, error) {
	tos, err := a.CB.FindShipTos(ctx, customerCode)
	if err != nil {
		return "", err
	}
	want := cbAddress(addr)
	for _, s := range tos {
		if sameAddress(s.Address, want) && (alnum(s.Name) == "" || alnum(s.Name) == alnum(addr.Name())) {
			return s.Code, nil
		}
	}
	return "", nil
}

// ShipToInput creates a ship-to with the order's address for a customer.
type ShipToInput struct {
	CustRef      string       `json:"cust_ref"`
	CustomerCode string       `json:"customer_code"`
	ClassCode    string       `json:"class_code,omitempty"`
	Email        string       `json:"email,omitempty"`
	ShipTo       OrderAddress `json:"ship_to"`
}

// CreateShipTo creates the order's ship-to for a customer (one write). A retry first looks for the
// ship-to an earlier attempt may have saved.
func (a *Activities) CreateShipTo(ctx context.Context, in ShipToInput) (string, error) {
	record := "cust_ref " + in.CustRef
	if activity.GetInfo(ctx).Attempt > 1 {
		code, err := a.findShipTo(ctx, in.CustomerCode, in.ShipTo)
		if err != nil {
			return "", classify(err, record+": list ship-tos of "+in.CustomerCode, ErrTypeCBRejectedOrder)
		}
		if code != "" {
			return code, nil
		}
	}
	s, err := a.CB.CreateShipTo(ctx, cb.NewShipTo{
		CustomerCode: in.CustomerCode, Name: in.ShipTo.Name(), Address: cbAddress(in.ShipTo),
		Phone: in.ShipTo.Phone, Email: in.Email, ClassCode: in.ClassCode,
	})
	if err != nil {
		return "", classify(err, record+": create ship-to for "+in.CustomerCode, ErrTypeCBRejectedOrder)
	}
	return s.Code, nil
}

// cbAddress converts an order address to CB's. CB's State column holds 5 characters: a longer
// region name (outside the US and Canada, e.g. "Greater London") goes to County instead.
func cbAddress(a OrderAddress) cb.Address {
	out := cb.Address{
		Address:    joinNonEmpty("\n", a.Address1, a.Address2),
		City:       strings.TrimSpace(a.City),
		State:      strings.TrimSpace(a.State),
		PostalCode: strings.TrimSpace(a.Zip),
		Country:    cb.CountryCode(a.Country),
	}
	if len(out.State) > 5 {
		out.County, out.State = out.State, ""
	}
	return out
}

// sameAddress compares the street, city and postal code of two addresses on their letters and
// digits only (case, blanks, punctuation and line joins differ between what we send and what CB
// stores), with a ZIP+4 equal to its ZIP.
func sameAddress(x, y cb.Address) bool {
	zip := func(s string) string {
		s = strings.TrimSpace(s)
		if len(s) == 10 && s[5] == '-' {
			s = s[:5]
		}
		return alnum(s)
	}
	return alnum(x.Address) == alnum(y.Address) && alnum(x.City) == alnum(y.City) && zip(x.PostalCode) == zip(y.PostalCode)
}

func alnum(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
