package connectedbusiness

import (
	"context"
	"fmt"
	"strings"
)

// wireCustomer is a customer row (customerlookup, loadcustomerbycode, createcustomer answer).
type wireCustomer struct {
	CustomerCode      string
	CustomerName      string
	Email             string
	Telephone         string
	Address           string
	City              string
	State             string
	PostalCode        string
	County            string
	Country           string
	SourceCode        string
	DefaultPrice      string
	DefaultShipToCode string
	ShipToCode        string
	PaymentTermGroup  string
	PaymentTermCode   string
	CreditLimit       Num
	AvailableCredit   Num
	IsCreditHold      bool
}

func (c wireCustomer) customer() Customer {
	ship := c.DefaultShipToCode
	if ship == "" {
		ship = c.ShipToCode
	}
	return Customer{
		Code: c.CustomerCode, Name: c.CustomerName, Email: c.Email, Phone: c.Telephone,
		Address:    Address{Address: c.Address, City: c.City, State: c.State, PostalCode: c.PostalCode, County: c.County, Country: c.Country},
		SourceCode: c.SourceCode, DefaultPrice: c.DefaultPrice, DefaultShipToCode: ship,
		PaymentTermGroup: c.PaymentTermGroup, PaymentTermCode: c.PaymentTermCode,
		CreditLimit: c.CreditLimit.Decimal, AvailableCredit: c.AvailableCredit.Decimal, IsCreditHold: c.IsCreditHold,
	}
}

type customersAnswer struct {
	Customers []wireCustomer
}

type stringValue struct {
	StringValue string
}

// FindCustomerByEmail implements Service. Assumption: customerlookup's StringValue matches the
// e-mail column; the client keeps only exact (case-insensitive) e-mail matches.
func (w *WebService) FindCustomerByEmail(ctx context.Context, email string) (*Customer, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil, nil
	}
	var a customersAnswer
	if err := w.put(ctx, routeCustomerLookup+rows(capDefault), nil, stringValue{email}, &a, fmt.Sprintf("customer e-mail %q", email)); err != nil {
		return nil, err
	}
	for _, c := range a.Customers {
		if strings.EqualFold(strings.TrimSpace(c.Email), email) {
			cu := c.customer()
			return &cu, nil
		}
	}
	return nil, nil
}

// FindCustomerByCode implements Service (GET loadcustomerbycode).
func (w *WebService) FindCustomerByCode(ctx context.Context, code string) (*Customer, error) {
	if code == "" {
		return nil, nil
	}
	var a customersAnswer
	if err := w.get(ctx, routeLoadCustomer+seg(code), nil, &a, fmt.Sprintf("customer %s", code)); err != nil {
		if IsKind(err, KindNotFound) {
			return nil, nil
		}
		return nil, err
	}
	for _, c := range a.Customers {
		if strings.EqualFold(c.CustomerCode, code) {
			cu := c.customer()
			return &cu, nil
		}
	}
	return nil, nil
}

type wireNewCustomer struct {
	CustomerCode    string
	CustomerName    string
	Email           string
	Telephone       string
	Address         string
	City            string
	State           string
	County          string
	PostalCode      string
	Country         string
	BusinessType    string
	ClassCode       string
	ShipToClassCode string
	PaymentTermCode string
	TaxCode         string
}

// CreateCustomer implements Service.
func (w *WebService) CreateCustomer(ctx context.Context, c NewCustomer) (*Customer, error) {
	record := fmt.Sprintf("new customer %q <%s>", c.Name, c.Email)
	country, err := countryFor(routeCreateCustomer, record, c.Address.Country)
	if err != nil {
		return nil, err
	}
	bt := c.BusinessType
	if bt == "" {
		bt = Retail
	}
	body := wireNewCustomer{
		CustomerName: c.Name, Email: c.Email, Telephone: c.Phone,
		Address: c.Address.Address, City: c.Address.City, State: c.Address.State, County: c.Address.County,
		PostalCode: c.Address.PostalCode, Country: country, BusinessType: string(bt),
		ClassCode: c.ClassCode, ShipToClassCode: c.ShipToClassCode, PaymentTermCode: c.PaymentTermCode, TaxCode: c.TaxCode,
	}
	var a wireCustomer
	if err := w.put(ctx, routeCreateCustomer, nil, body, &a, record); err != nil {
		return nil, err
	}
	if a.CustomerCode == "" {
		return nil, &TransportError{Op: opName(routeCreateCustomer), Err: &syntaxError{fmt.Errorf("no CustomerCode in the answer for %s", record)}}
	}
	cu := a.customer()
	if cu.Email == "" {
		cu.Email = c.Email
	}
	return &cu, nil
}

type wireClassTemplate struct {
	BusinessType     string
	ClassCode        string
	ClassDescription string
	PaymentTermGroup string
	PaymentTermCode  string
	TaxCode          string
	IsDefault        bool
}

type classTemplatesAnswer struct {
	ClassTemplates []wireClassTemplate
}

func (w *WebService) classTemplates(ctx context.Context, route string, bt BusinessType, country string) ([]ClassTemplate, error) {
	record := fmt.Sprintf("class templates of country %q", country)
	name, err := countryFor(route, record, country)
	if err != nil {
		return nil, err
	}
	var a classTemplatesAnswer
	if err := w.put(ctx, route, nil, stringValue{name}, &a, record); err != nil {
		return nil, err
	}
	var out []ClassTemplate
	for _, t := range a.ClassTemplates {
		if bt != "" && t.BusinessType != "" && !strings.EqualFold(t.BusinessType, string(bt)) {
			continue
		}
		out = append(out, ClassTemplate{
			BusinessType: BusinessType(t.BusinessType), ClassCode: t.ClassCode, Description: t.ClassDescription,
			PaymentTermGroup: t.PaymentTermGroup, PaymentTermCode: t.PaymentTermCode, TaxCode: t.TaxCode, IsDefault: t.IsDefault,
		})
	}
	return out, nil
}

// CustomerClassTemplates implements Service.
func (w *WebService) CustomerClassTemplates(ctx context.Context, bt BusinessType, country string) ([]ClassTemplate, error) {
	return w.classTemplates(ctx, routeCustomerClasses, bt, country)
}

// ShipToClassTemplates implements Service. Confirmed ship-to rows carry no BusinessType; rows
// without one are kept whatever bt is.
func (w *WebService) ShipToClassTemplates(ctx context.Context, bt BusinessType, country string) ([]ClassTemplate, error) {
	return w.classTemplates(ctx, routeShipToClasses, bt, country)
}

type wireShipTo struct {
	ShipToCode       string
	ShipToName       string
	CustomerCode     string
	Address          string
	City             string
	State            string
	PostalCode       string
	County           string
	Country          string
	Telephone        string
	Email            string
	ClassCode        string
	IsDefaultShipTo  bool
	PaymentTermGroup string
	PaymentTermCode  string
}

func (s wireShipTo) shipTo() ShipTo {
	return ShipTo{
		Code: s.ShipToCode, CustomerCode: s.CustomerCode, Name: s.ShipToName,
		Address: Address{Address: s.Address, City: s.City, State: s.State, PostalCode: s.PostalCode, County: s.County, Country: s.Country},
		Phone:   s.Telephone, Email: s.Email, ClassCode: s.ClassCode, IsDefault: s.IsDefaultShipTo,
		PaymentTermGroup: s.PaymentTermGroup, PaymentTermCode: s.PaymentTermCode,
	}
}

// FindShipTos implements Service.
func (w *WebService) FindShipTos(ctx context.Context, customerCode string) ([]ShipTo, error) {
	body := struct{ CriteriaString, CustomerCode string }{"", customerCode}
	var a struct{ ShipToCollection []wireShipTo }
	if err := w.put(ctx, routeShipToLookup+rows(capDefault), nil, body, &a, fmt.Sprintf("ship-tos of customer %s", customerCode)); err != nil {
		return nil, err
	}
	out := make([]ShipTo, 0, len(a.ShipToCollection))
	for _, s := range a.ShipToCollection {
		st := s.shipTo()
		if st.CustomerCode == "" {
			st.CustomerCode = customerCode
		}
		out = append(out, st)
	}
	return out, nil
}

// CreateShipTo implements Service.
func (w *WebService) CreateShipTo(ctx context.Context, s NewShipTo) (*ShipTo, error) {
	record := fmt.Sprintf("new ship-to %q of customer %s", s.Name, s.CustomerCode)
	country, err := countryFor(routeCreateShipTo, record, s.Address.Country)
	if err != nil {
		return nil, err
	}
	body := wireShipTo{
		ShipToName: s.Name, CustomerCode: s.CustomerCode, Address: s.Address.Address, City: s.Address.City,
		State: s.Address.State, PostalCode: s.Address.PostalCode, County: s.Address.County, Country: country,
		Telephone: s.Phone, Email: s.Email, ClassCode: s.ClassCode, IsDefaultShipTo: s.IsDefault,
	}
	var a wireShipTo
	if err := w.put(ctx, routeCreateShipTo, nil, body, &a, record); err != nil {
		return nil, err
	}
	if a.ShipToCode == "" {
		return nil, &TransportError{Op: opName(routeCreateShipTo), Err: &syntaxError{fmt.Errorf("no ShipToCode in the answer for %s", record)}}
	}
	st := a.shipTo()
	if st.CustomerCode == "" {
		st.CustomerCode = s.CustomerCode
	}
	return &st, nil
}
