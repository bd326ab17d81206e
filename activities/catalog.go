package activities

import (
	"context"
	"sort"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"

	cb "github.com/cartrover-cb/ordermanager/connectedbusiness"
)

// CatalogInput asks for the CB facts a page of orders needs that the run has not cached yet.
type CatalogInput struct {
	// ItemNames are CB ItemNames to look up.
	ItemNames []string `json:"item_names,omitempty"`
	// ReferenceLists asks for the shipping methods and payment terms (once per run).
	ReferenceLists bool `json:"reference_lists,omitempty"`
	// Templates asks for the default class templates of these business type + country pairs.
	Templates []TemplateChoice `json:"templates,omitempty"`
}

// CatalogItem is the part of a CB item a sales order line needs.
type CatalogItem struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	UoM      string `json:"uom,omitempty"`
	ItemType string `json:"type,omitempty"`
	Status   string `json:"status,omitempty"`
}

// TemplateChoice is the CB class templates for one business type and country ("" = CB's default).
type TemplateChoice struct {
	BusinessType string `json:"business_type"`
	Country      string `json:"country"`
	Customer     string `json:"customer,omitempty"`
	ShipTo       string `json:"ship_to,omitempty"`
}

// Catalog is the answer of LoadCatalog: found items (unknown names are absent), the reference
// lists when asked for, and the template choices.
type Catalog struct {
	Items            []CatalogItem       `json:"items,omitempty"`
	ShippingMethods  []ShippingMethodRef `json:"shipping_methods,omitempty"`
	PaymentTerms     []PaymentTermRef    `json:"payment_terms,omitempty"`
	Templates        []TemplateChoice    `json:"templates,omitempty"`
	ReferenceListsOK bool                `json:"reference_lists_ok,omitempty"`
}

// ShippingMethodRef is a CB shipping method group + code.
type ShippingMethodRef struct {
	Group string `json:"group"`
	Code  string `json:"code"`
}

// PaymentTermRef is a CB payment term group + code.
type PaymentTermRef struct {
	Group string `json:"group"`
	Code  string `json:"code"`
}

// catalogProgress is LoadCatalog's heartbeat: what earlier attempts already read, so a retry after
// a transient fault resumes instead of starting over (a page can need dozens of CB reads).
type catalogProgress struct {
	Catalog    Catalog `json:"catalog"`
	ItemsDone  int     `json:"items_done"`
	ListsDone  bool    `json:"lists_done,omitempty"`
	TemplsDone int     `json:"templates_done,omitempty"`
}

// LoadCatalog reads the CB facts orders need: items by name, the shipping methods and payment
// terms, and class templates. An Order checks itself with it as a local activity; the previous
// release's OrderManager called it once per page. It makes each read once: a transient fault fails
// the attempt and Temporal's retry policy (the workflow's) decides when to try again. A retry does
// not repeat what an earlier attempt read: the worker remembers reads for a minute (catalogTTL),
// and an activity (not local) attempt also resumes from its heartbeat.
func (a *Activities) LoadCatalog(ctx context.Context, in CatalogInput) (Catalog, error) {
	var p catalogProgress
	if activity.HasHeartbeatDetails(ctx) {
		if err := activity.GetHeartbeatDetails(ctx, &p); err != nil {
			p = catalogProgress{}
		}
	}
	beat := func() { activity.RecordHeartbeat(ctx, p) }
	names := append([]string(nil), in.ItemNames...)
	sort.Strings(names)
	for ; p.ItemsDone < len(names); p.ItemsDone++ {
		name := names[p.ItemsDone]
		it, err := memoGet(&a.memo, "item:"+name, func() (*cb.Item, error) {
			return a.CB.ItemByName(ctx, name)
		})
		if err != nil {
			beat()
			return Catalog{}, classify(err, "CB item "+name, ErrTypeCBRejectedOrder)
		}
		if it != nil {
			p.Catalog.Items = append(p.Catalog.Items, CatalogItem{Code: it.Code, Name: it.Name, UoM: it.UnitMeasureCode, ItemType: it.ItemType, Status: it.Status})
		}
		beat()
	}
	if in.ReferenceLists && !p.ListsDone {
		methods, err := memoGet(&a.memo, "methods", func() ([]cb.ShippingMethod, error) {
			return a.CB.ShippingMethods(ctx)
		})
		if err != nil {
			return Catalog{}, classify(err, "CB shipping methods", ErrTypeCBRejectedOrder)
		}
		terms, err := memoGet(&a.memo, "terms", func() ([]cb.PaymentTerm, error) {
			return a.CB.PaymentTerms(ctx)
		})
		if err != nil {
			return Catalog{}, classify(err, "CB payment terms", ErrTypeCBRejectedOrder)
		}
		for _, m := range methods {
			p.Catalog.ShippingMethods = append(p.Catalog.ShippingMethods, ShippingMethodRef{Group: m.Group, Code: m.Code})
		}
		for _, t := range terms {
			p.Catalog.PaymentTerms = append(p.Catalog.PaymentTerms, PaymentTermRef{Group: t.Group, Code: t.Code})
		}
		p.Catalog.ReferenceListsOK, p.ListsDone = true, true
		beat()
	}
	for ; p.TemplsDone < len(in.Templates); p.TemplsDone++ {
		tc := in.Templates[p.TemplsDone]
		bt := cb.BusinessType(tc.BusinessType)
		cust, err := memoGet(&a.memo, "ctpl:"+tc.BusinessType+"|"+tc.Country, func() ([]cb.ClassTemplate, error) {
			return a.CB.CustomerClassTemplates(ctx, bt, tc.Country)
		})
		if err != nil && !cb.IsKind(err, cb.KindInvalidCountry) {
			return Catalog{}, classify(err, "CB customer class templates for "+tc.Country, ErrTypeCBRejectedOrder)
		}
		ship, err := memoGet(&a.memo, "stpl:"+tc.BusinessType+"|"+tc.Country, func() ([]cb.ClassTemplate, error) {
			return a.CB.ShipToClassTemplates(ctx, bt, tc.Country)
		})
		if err != nil && !cb.IsKind(err, cb.KindInvalidCountry) {
			return Catalog{}, classify(err, "CB ship-to class templates for "+tc.Country, ErrTypeCBRejectedOrder)
		}
		tc.Customer = pickTemplate(cust, bt)
		tc.ShipTo = pickTemplate(ship, bt)
		p.Catalog.Templates = append(p.Catalog.Templates, tc)
		beat()
	}
	return p.Catalog, nil
}

// pickTemplate chooses the default template of a business type: the one marked default, else the
// first of that business type, else "" (CB then applies its own default).
func pickTemplate(ts []cb.ClassTemplate, bt cb.BusinessType) string {
	first := ""
	for _, t := range ts {
		if t.BusinessType != "" && t.BusinessType != bt {
			continue
		}
		if t.IsDefault {
			return t.ClassCode
		}
		if first == "" {
			first = t.ClassCode
		}
	}
	return first
}

// catalogTTL is how long a worker reuses what CB said about an item, the reference lists or the
// class templates. Each order checks itself against the catalogue (one LoadCatalog per order);
// the memo keeps that from costing CB the same reads for every order of a burst, and a change made
// in CB is seen within a minute.
const catalogTTL = time.Minute

// catalogMemo remembers CB catalogue reads for catalogTTL. The zero value is ready to use.
type catalogMemo struct {
	mu      sync.Mutex
	entries map[string]memoEntry
}

type memoEntry struct {
	v  any
	at time.Time
}

// get returns the value remembered for key, or reads it with read and remembers it (errors are
// not remembered).
func memoGet[T any](m *catalogMemo, key string, read func() (T, error)) (T, error) {
	m.mu.Lock()
	e, ok := m.entries[key]
	m.mu.Unlock()
	if ok && time.Since(e.at) < catalogTTL {
		return e.v.(T), nil
	}
	v, err := read()
	if err != nil {
		return v, err
	}
	m.mu.Lock()
	if m.entries == nil || len(m.entries) > 10000 {
		m.entries = map[string]memoEntry{}
	}
	m.entries[key] = memoEntry{v: v, at: time.Now()}
	m.mu.Unlock()
	return v, nil
}
