package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"

	cb "github.com/cartrover-cb/ordermanager/connectedbusiness"
	"github.com/cartrover-cb/ordermanager/sandbox/catalog"
)

// memCB is an in-memory Connected Business holding the sandbox catalogue, with fault injection:
// Transient is the share of calls that fail with a retryable 503 before doing anything, and
// SavedThenTimeout the share of sales order creates that save the order and then time out.
// Order Send's end-to-end tests use the CB simulator (cbSandbox); the pickups' tests build on this.
type memCB struct {
	cb.Service // methods Order Send does not use panic through the nil interface

	mu               sync.Mutex
	dice             *rand.Rand
	Transient        float64
	SavedThenTimeout float64
	calls            int
	byOp             map[string]int
	customers        []cb.Customer
	shipTos          []cb.ShipTo
	orders           map[string][]cb.SalesOrder // POCode → orders (more than one would be a duplicate)
}

func newMemCB(seed uint64) *memCB {
	return &memCB{dice: rand.New(rand.NewPCG(seed, 1)), orders: map[string][]cb.SalesOrder{}, byOp: map[string]int{}}
}

var errTransient = errors.New("injected fault")

// enter counts a call and rolls the transient fault dice.
func (f *memCB) enter(op string) error {
	f.calls++
	f.byOp[op]++
	if f.dice.Float64() < f.Transient {
		return &cb.TransportError{Op: op, StatusCode: 503, Err: errTransient}
	}
	return nil
}

// Calls counts every call.
func (f *memCB) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// CallsTo counts the calls of the given operations.
func (f *memCB) CallsTo(ops ...string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, op := range ops {
		n += f.byOp[op]
	}
	return n
}

// NewCustomers counts the customers created.
func (f *memCB) NewCustomers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.customers)
}

// OrdersFor counts the sales orders with this POCode.
func (f *memCB) OrdersFor(po string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.orders[po])
}

func (f *memCB) FindCustomerByEmail(_ context.Context, email string) (*cb.Customer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter("Contacts/customerlookup"); err != nil {
		return nil, err
	}
	for _, c := range f.customers {
		if strings.EqualFold(c.Email, email) {
			return &c, nil
		}
	}
	return nil, nil
}

func (f *memCB) CreateCustomer(_ context.Context, n cb.NewCustomer) (*cb.Customer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter("Contacts/createcustomer"); err != nil {
		return nil, err
	}
	code := fmt.Sprintf("CUST-%06d", len(f.customers)+1)
	c := cb.Customer{Code: code, Name: n.Name, Email: n.Email, Address: n.Address, DefaultShipToCode: code + "-1"}
	f.customers = append(f.customers, c)
	f.shipTos = append(f.shipTos, cb.ShipTo{Code: c.DefaultShipToCode, CustomerCode: code, Name: n.Name, Address: n.Address, IsDefault: true})
	return &c, nil
}

func (f *memCB) FindShipTos(_ context.Context, code string) ([]cb.ShipTo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter("Contacts/shiptolookup"); err != nil {
		return nil, err
	}
	var out []cb.ShipTo
	for _, s := range f.shipTos {
		if s.CustomerCode == code {
			out = append(out, s)
		}
	}
	return out, nil
}

func (f *memCB) CreateShipTo(_ context.Context, n cb.NewShipTo) (*cb.ShipTo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter("Contacts/createshipto"); err != nil {
		return nil, err
	}
	s := cb.ShipTo{Code: fmt.Sprintf("SHIP-%06d", len(f.shipTos)+1), CustomerCode: n.CustomerCode, Name: n.Name, Address: n.Address}
	f.shipTos = append(f.shipTos, s)
	return &s, nil
}

func (f *memCB) CreateSalesOrderOnce(_ context.Context, so cb.SalesOrder) (cb.SalesOrderRef, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter("Transactions/orderlookup"); err != nil {
		return cb.SalesOrderRef{}, false, err
	}
	if prev := f.orders[so.POCode]; len(prev) > 0 {
		return cb.SalesOrderRef{Code: prev[0].PublicNotes, POCode: so.POCode}, true, nil
	}
	f.calls++ // the create itself
	f.byOp["Transactions/createsalesorder"]++
	code := fmt.Sprintf("SO-%06d", len(f.orders)+1)
	so.PublicNotes = code // remember the code
	f.orders[so.POCode] = append(f.orders[so.POCode], so)
	if f.dice.Float64() < f.SavedThenTimeout {
		return cb.SalesOrderRef{}, false, &cb.TransportError{Op: "Transactions/createsalesorder", Err: fmt.Errorf("saved, then: %w", context.DeadlineExceeded)}
	}
	return cb.SalesOrderRef{Code: code, POCode: so.POCode}, false, nil
}

func (f *memCB) ItemByName(_ context.Context, name string) (*cb.Item, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter("Products/getitemdetails"); err != nil {
		return nil, err
	}
	for _, it := range catalog.Items {
		if it.SKU == name {
			return &cb.Item{Code: it.Code, Name: it.SKU, Description: it.Description, UnitMeasureCode: "EACH", ItemType: "Stock"}, nil
		}
	}
	return nil, nil
}

func (f *memCB) ShippingMethods(context.Context) ([]cb.ShippingMethod, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter("System/loadsystemshippingmethod"); err != nil {
		return nil, err
	}
	var out []cb.ShippingMethod
	for _, m := range catalog.ShipMethods {
		out = append(out, cb.ShippingMethod{Group: m.Group, Code: m.Code, Description: m.Description})
	}
	return out, nil
}

func (f *memCB) PaymentTerms(context.Context) ([]cb.PaymentTerm, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter("System/loadsystempaymentterm"); err != nil {
		return nil, err
	}
	return []cb.PaymentTerm{{Group: "DEFAULT", Code: "NET30"}}, nil
}

func (f *memCB) CustomerClassTemplates(_ context.Context, bt cb.BusinessType, country string) ([]cb.ClassTemplate, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter("Contacts/getcustomerclasstemplatebycountry"); err != nil {
		return nil, err
	}
	return []cb.ClassTemplate{{BusinessType: bt, ClassCode: string(bt) + "-" + country, IsDefault: true}}, nil
}

func (f *memCB) ShipToClassTemplates(_ context.Context, bt cb.BusinessType, country string) ([]cb.ClassTemplate, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter("Contacts/getshiptoclasstemplatebycountry"); err != nil {
		return nil, err
	}
	return []cb.ClassTemplate{{ClassCode: "SHIPTO-" + country, IsDefault: true}}, nil
}
