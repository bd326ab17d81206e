package settings

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"
)

// Defaults applied by Parse (and by Resolve for settings built in code).
const (
	// DefaultSourceCode is the CB SourceCode used when source_code is empty.
	DefaultSourceCode = "CartRover"
	// DefaultDownloadLimit is the download_limit used when the file leaves it at 0.
	DefaultDownloadLimit = 500
	// DefaultBusinessType is the customers.business_type used when it is empty.
	DefaultBusinessType = BusinessRetail
	// DefaultMatch is the customers.match used when it is empty.
	DefaultMatch = MatchEmail
	// DefaultBatchSize is the inventory and products batch_size used when they are 0.
	DefaultBatchSize = 100
	// MaxDownloadLimit bounds download_limit (one run; the next run picks up the rest).
	MaxDownloadLimit = 100000
)

// Business types (customers.business_type and carts.<source>.business_type).
const (
	BusinessRetail    = "Retail"
	BusinessWholesale = "Wholesale"
)

// Customer matching modes (customers.match and carts.<source>.match).
const (
	// MatchEmail finds (or creates) one CB customer per e-mail address.
	MatchEmail = "email"
	// MatchOrderSource uses one shared CB customer per order source.
	MatchOrderSource = "order_source"
)

// Load reads, parses, defaults and validates the settings file at path.
func Load(path string) (Settings, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Settings{}, fmt.Errorf("read settings file: %w", err)
	}
	s, err := Parse(b)
	if err != nil {
		return Settings{}, fmt.Errorf("settings file %s: %w", path, err)
	}
	return s, nil
}

// Parse decodes a settings document strictly (unknown keys are errors), applies the defaults and
// validates the result; a validation failure is a *ValidationError listing every problem.
func Parse(b []byte) (Settings, error) {
	var s Settings
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil && !errors.Is(err, io.EOF) {
		return Settings{}, fmt.Errorf("decode YAML (check the key names and value types): %w", err)
	}
	s.ApplyDefaults()
	if err := s.Validate(); err != nil {
		return Settings{}, err
	}
	return s, nil
}

// ApplyDefaults fills the empty fields that have a documented default.
func (s *Settings) ApplyDefaults() {
	if s.DownloadLimit == 0 {
		s.DownloadLimit = DefaultDownloadLimit
	}
	if s.SourceCode == "" {
		s.SourceCode = DefaultSourceCode
	}
	if s.Customers.BusinessType == "" {
		s.Customers.BusinessType = DefaultBusinessType
	}
	if s.Customers.Match == "" {
		s.Customers.Match = DefaultMatch
	}
	if s.Inventory.BatchSize == 0 {
		s.Inventory.BatchSize = DefaultBatchSize
	}
	if s.Products.BatchSize == 0 {
		s.Products.BatchSize = DefaultBatchSize
	}
}
