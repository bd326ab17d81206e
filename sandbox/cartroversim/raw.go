package cartroversim

import (
	"encoding/json"

	"github.com/cartrover-cb/ordermanager/cartrover"
)

// SetRawField makes the order lists answer raw as the order's field (a top-level JSON key), as a
// misbehaving cart or CartRover would: "NaN" for a number, a 2,000-character or empty cust_ref.
// The order keeps its state under its real cust_ref (Apply, Order); only the lists show the field.
func (s *Server) SetRawField(custRef, field string, raw json.RawMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.orders[custRef]; !ok {
		return notFound(custRef)
	}
	if s.raw == nil {
		s.raw = map[string]map[string]json.RawMessage{}
	}
	if s.raw[custRef] == nil {
		s.raw[custRef] = map[string]json.RawMessage{}
	}
	s.raw[custRef][field] = raw
	return nil
}

// renderRaw is render with the order's raw field overrides applied (the order itself when none).
func (s *Server) renderRaw(o *cartrover.Order, v viewOpts) any {
	c := render(o, v)
	fields := s.raw[o.CustRef]
	if len(fields) == 0 {
		return c
	}
	b, err := json.Marshal(c)
	if err != nil {
		return c
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return c
	}
	for k, raw := range fields {
		m[k] = raw
	}
	return m
}
