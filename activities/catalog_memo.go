package activities

import (
	"sync"
	"time"
)

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
