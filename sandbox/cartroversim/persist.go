package cartroversim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/cartrover-cb/ordermanager/cartrover"
)

// state is what Options.StatePath holds.
type state struct {
	Orders    []cartrover.Order                   `json:"orders"`
	Inventory map[string]*cartrover.InventoryItem `json:"inventory"`
	Products  map[string]*cartrover.Product       `json:"products"`
	Held      map[string]string                   `json:"held,omitempty"`
	GenSeq    int                                 `json:"gen_seq"`
}

// load reads Options.StatePath if it exists.
func (s *Server) load() error {
	b, err := os.ReadFile(s.opts.StatePath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range st.Orders {
		o := st.Orders[i]
		s.nextSeq++
		s.seq[o.CustRef] = s.nextSeq
		s.orders[o.CustRef] = &o
	}
	if len(st.Inventory) > 0 {
		s.inventory = st.Inventory
	}
	if len(st.Products) > 0 {
		s.products = st.Products
	}
	s.held, s.genSeq = st.Held, st.GenSeq
	return nil
}

// saveDelay batches state writes: a burst of changes costs one write.
const saveDelay = 200 * time.Millisecond

// saveLocked schedules a write of the state to Options.StatePath when persistence is on.
func (s *Server) saveLocked() {
	if s.opts.StatePath == "" {
		return
	}
	s.dirty = true
	if !s.saveScheduled {
		s.saveScheduled = true
		time.AfterFunc(saveDelay, func() { _ = s.Save() })
	}
}

// Save writes pending changes to Options.StatePath now (atomically: a temporary file renamed).
// Changes are also saved within 200 ms on their own, and when Serve's context ends.
func (s *Server) Save() error {
	if s.opts.StatePath == "" {
		return nil
	}
	s.writeMu.Lock() // one writer at a time, so an older snapshot never overwrites a newer one
	defer s.writeMu.Unlock()
	s.mu.Lock()
	s.saveScheduled = false
	if !s.dirty {
		s.mu.Unlock()
		return nil
	}
	st := state{Inventory: s.inventory, Products: s.products, Held: s.held, GenSeq: s.genSeq}
	st.Orders = make([]cartrover.Order, 0, len(s.orders))
	for _, o := range s.orders {
		st.Orders = append(st.Orders, *o)
	}
	sortBySeq(st.Orders, s.seq) // keep creation order so a reload lists orders as before
	b, err := json.Marshal(st)
	s.dirty = false
	s.mu.Unlock()
	if err == nil {
		tmp := s.opts.StatePath + ".tmp"
		if err = os.MkdirAll(filepath.Dir(s.opts.StatePath), 0o755); err == nil {
			if err = os.WriteFile(tmp, b, 0o600); err == nil {
				err = os.Rename(tmp, s.opts.StatePath)
			}
		}
	}
	if err != nil {
		s.log.Warn("cartroversim: cannot save state", "path", s.opts.StatePath, "error", err)
		return fmt.Errorf("cartroversim: save state to %s: %w (check the directory is writable)", s.opts.StatePath, err)
	}
	return nil
}
