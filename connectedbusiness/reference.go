package connectedbusiness

import (
	"context"
)

// ShippingMethods implements Service.
func (w *WebService) ShippingMethods(ctx context.Context) ([]ShippingMethod, error) {
	var a struct {
		SystemShippingMethods []struct{ ShippingMethodCode, ShippingMethodDescription, ShippingMethodGroup string }
	}
	if err := w.put(ctx, routeShippingMethods+rows(capDefault), nil, stringValue{""}, &a, "shipping methods"); err != nil {
		return nil, err
	}
	out := make([]ShippingMethod, 0, len(a.SystemShippingMethods))
	for _, m := range a.SystemShippingMethods {
		out = append(out, ShippingMethod{Group: m.ShippingMethodGroup, Code: m.ShippingMethodCode, Description: m.ShippingMethodDescription})
	}
	return out, nil
}

// PaymentTerms implements Service.
func (w *WebService) PaymentTerms(ctx context.Context) ([]PaymentTerm, error) {
	var a struct {
		SystemPaymentTerms []struct{ PaymentTermCode, PaymentTermDescription, PaymentTermGroup string }
	}
	if err := w.put(ctx, routePaymentTerms+rows(capDefault), nil, stringValue{""}, &a, "payment terms"); err != nil {
		return nil, err
	}
	out := make([]PaymentTerm, 0, len(a.SystemPaymentTerms))
	for _, t := range a.SystemPaymentTerms {
		out = append(out, PaymentTerm{Group: t.PaymentTermGroup, Code: t.PaymentTermCode, Description: t.PaymentTermDescription})
	}
	return out, nil
}

// Sources implements Service.
func (w *WebService) Sources(ctx context.Context) ([]Source, error) {
	var a struct {
		SystemSources []struct{ SourceCode, SourceDescription string }
	}
	if err := w.put(ctx, routeSources+rows(capDefault), nil, struct{}{}, &a, "sources"); err != nil {
		return nil, err
	}
	out := make([]Source, 0, len(a.SystemSources))
	for _, s := range a.SystemSources {
		out = append(out, Source{Code: s.SourceCode, Description: s.SourceDescription})
	}
	return out, nil
}

// WebSites implements Service.
func (w *WebService) WebSites(ctx context.Context) ([]WebSite, error) {
	var a struct {
		EcommerceSites []struct{ WebSiteCode, WebSiteDescription, WebSiteURL string }
	}
	if err := w.put(ctx, routeWebSites+rows(capDefault), nil, stringValue{""}, &a, "web sites"); err != nil {
		return nil, err
	}
	out := make([]WebSite, 0, len(a.EcommerceSites))
	for _, s := range a.EcommerceSites {
		out = append(out, WebSite{Code: s.WebSiteCode, Description: s.WebSiteDescription, URL: s.WebSiteURL})
	}
	return out, nil
}

type packagesAnswer struct {
	Packages []struct{ CarrierCode, CarrierDescription, ServiceType string }
}

// Carriers implements Service.
func (w *WebService) Carriers(ctx context.Context, warehouseCode string) ([]Carrier, error) {
	var a packagesAnswer
	body := struct{ WarehouseCode string }{warehouseCode}
	if err := w.put(ctx, routeCarriers+rows(capCarriers), nil, body, &a, "carriers of warehouse "+warehouseCode); err != nil {
		return nil, err
	}
	out := make([]Carrier, 0, len(a.Packages))
	for _, p := range a.Packages {
		out = append(out, Carrier{Code: p.CarrierCode, Description: p.CarrierDescription, ServiceType: p.ServiceType})
	}
	return out, nil
}

// ServiceTypes implements Service; "(Unspecified)" rows are skipped as the clients do.
func (w *WebService) ServiceTypes(ctx context.Context, carrierCode string) ([]ServiceType, error) {
	var a packagesAnswer
	body := struct{ CarrierCode, WarehouseCode string }{carrierCode, ""}
	if err := w.put(ctx, routeServiceTypes+rows(capCarriers), nil, body, &a, "service types of carrier "+carrierCode); err != nil {
		return nil, err
	}
	var out []ServiceType
	for _, p := range a.Packages {
		if p.ServiceType == "" || p.ServiceType == "(Unspecified)" {
			continue
		}
		out = append(out, ServiceType{CarrierCode: p.CarrierCode, ServiceType: p.ServiceType})
	}
	return out, nil
}

// Countries implements Service.
func (w *WebService) Countries(ctx context.Context) ([]string, error) {
	var a struct {
		Countries []struct{ CountryCode string }
	}
	if err := w.put(ctx, routeCountries+rows(capCountries), nil, struct{ Criteria string }{""}, &a, "countries"); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(a.Countries))
	for _, c := range a.Countries {
		out = append(out, c.CountryCode)
	}
	return out, nil
}
