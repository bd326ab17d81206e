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
// A file larger than MaxFileSize is refused before it is read.
func Load(path string) (Settings, error) {
	f, err := os.Open(path)
	if err != nil {
		return Settings{}, fmt.Errorf("read settings file: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > MaxFileSize {
		return Settings{}, fmt.Errorf("settings file %s is %d bytes; a settings file is at most %d bytes (5 MB): is it the right file?", path, st.Size(), MaxFileSize)
	}
	// Read one byte more than allowed, so a file that grows (or is a pipe) is refused too.
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return Settings{}, fmt.Errorf("read settings file: %w", err)
	}
	if len(b) > MaxFileSize {
		return Settings{}, fmt.Errorf("settings file %s is over %d bytes (5 MB): is it the right file?", path, MaxFileSize)
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
	if len(b) > MaxFileSize {
		return Settings{}, fmt.Errorf("settings are %d bytes; at most %d (5 MB) are accepted", len(b), MaxFileSize)
	}
	var s Settings
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil && !errors.Is(err, io.EOF) {
		return Settings{}, explainYAML(b, err)
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
