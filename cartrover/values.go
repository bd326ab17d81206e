package cartrover

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Decimal is an exact decimal number (money, quantities, weights) that decodes from a JSON string
// ("10.00", "8.0000", "") or number (10.12) or null (zero), and encodes as a JSON string keeping the
// number of decimal places it was built or decoded with ("8.0000" stays "8.0000").
type Decimal struct{ decimal.Decimal }

// NewDecimal wraps a shopspring decimal.
func NewDecimal(d decimal.Decimal) Decimal { return Decimal{d} }

// DecimalFromInt returns the whole number n as a Decimal.
func DecimalFromInt(n int64) Decimal { return Decimal{decimal.NewFromInt(n)} }

// ParseDecimal parses s ("12.50", "-3", "1e2") into a Decimal; "" is zero.
func ParseDecimal(s string) (Decimal, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Decimal{}, nil
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Decimal{}, fmt.Errorf("cartrover: %q is not a decimal number", s)
	}
	return Decimal{d}, nil
}

// MustDecimal parses s like ParseDecimal and panics on error (for constants in tests and seed data).
func MustDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// UnmarshalJSON accepts a JSON string, number or null.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		*d = Decimal{}
		return nil
	}
	s := string(b)
	if b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	v, err := ParseDecimal(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalJSON writes the number as a JSON string with the decimal places it carries.
func (d Decimal) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// String returns the number with the decimal places it carries ("8.0000", "10.00", "3").
func (d Decimal) String() string {
	if exp := d.Exponent(); exp < 0 {
		return d.StringFixed(-exp)
	}
	return d.Decimal.String()
}

// IsZero reports whether the number is zero (so `omitzero` drops it).
func (d Decimal) IsZero() bool { return d.Decimal.IsZero() }

// YN is a CartRover Y/N flag. It decodes "Y"/"N" (any case), "true"/"false", "1"/"0", JSON booleans
// and null (false), and encodes as "Y" or "N".
type YN bool

// UnmarshalJSON accepts "Y", "N", booleans, 1/0 and null.
func (f *YN) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	switch strings.ToLower(s) {
	case "y", "yes", "true", "1", "t":
		*f = true
	case "n", "no", "false", "0", "f", "", "null":
		*f = false
	default:
		return fmt.Errorf("cartrover: flag %s is not Y or N", b)
	}
	return nil
}

// MarshalJSON writes "Y" or "N".
func (f YN) MarshalJSON() ([]byte, error) {
	if f {
		return []byte(`"Y"`), nil
	}
	return []byte(`"N"`), nil
}

// timeLayouts are the timestamp shapes CartRover is known to send, most common first.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05-0700",
	"2006-01-02 15:04:05-07:00",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02",
	"2006-1-2",
}

// ParseTime parses a CartRover timestamp or date: ISO 8601 with an offset, "YYYY-MM-DD HH:MM:SS"
// (UTC), or a plain date (midnight UTC). "" and "0000-00-00…" are the zero time.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasPrefix(s, "0000-00-00") {
		return time.Time{}, nil
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cartrover: %q is not a timestamp or date", s)
}

// Time is a CartRover timestamp. It decodes every shape ParseTime accepts (and null, the zero
// time) and encodes as ISO 8601 in UTC with an explicit offset ("2018-08-27T02:24:58+00:00"), or
// null when zero.
type Time struct{ time.Time }

// UnmarshalJSON accepts a timestamp string, a plain date, "" or null.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		*t = Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("cartrover: timestamp %s is not a string", b)
	}
	v, err := ParseTime(s)
	if err != nil {
		return err
	}
	*t = Time{v}
	return nil
}

// MarshalJSON writes the time in UTC with a +00:00 offset, or null when zero.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format("2006-01-02T15:04:05-07:00"))
}

// Date is a CartRover calendar date (order_date). It decodes like Time and encodes as "YYYY-MM-DD",
// or null when zero.
type Date struct{ time.Time }

// UnmarshalJSON accepts a date, a timestamp (its date is kept as given), "" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	var t Time
	if err := t.UnmarshalJSON(b); err != nil {
		return err
	}
	*d = Date(t)
	return nil
}

// MarshalJSON writes "YYYY-MM-DD" or null.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.Format(time.DateOnly))
}

// StringMap is a string-to-string object (extra_fields, inventory aliases) that PHP-style
// encoders send as [] when empty. Values that are numbers or booleans are kept as their JSON text.
type StringMap map[string]string

// UnmarshalJSON accepts an object, an empty or key/value array, or null.
func (m *StringMap) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		*m = nil
		return nil
	}
	if b[0] == '[' {
		var list []Alias
		if err := json.Unmarshal(b, &list); err != nil {
			return fmt.Errorf("cartrover: expected an object or a list of {code_type, code}: %w", err)
		}
		if len(list) == 0 {
			*m = nil
			return nil
		}
		out := make(StringMap, len(list))
		for _, a := range list {
			out[a.CodeType] = a.Code
		}
		*m = out
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(StringMap, len(raw))
	for k, v := range raw {
		out[k] = scalarText(v)
	}
	*m = out
	return nil
}

// scalarText returns a JSON string's value, or a number's/boolean's text; null is "".
func scalarText(v json.RawMessage) string {
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		return s
	}
	t := strings.TrimSpace(string(v))
	if t == "null" {
		return ""
	}
	return t
}

// Alias is one product alias code (a UPC, a merchant SKU, …).
type Alias struct {
	CodeType string `json:"code_type"`
	Code     string `json:"code"`
}

// Aliases is a product's alias list. It decodes the documented list of {code_type, code} and also
// an object map ({"UPC": "…"}, sorted by key) or [].
type Aliases []Alias

// UnmarshalJSON accepts a list, an object map or null.
func (a *Aliases) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var m StringMap
		if err := m.UnmarshalJSON(b); err != nil {
			return err
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make(Aliases, 0, len(keys))
		for _, k := range keys {
			out = append(out, Alias{CodeType: k, Code: m[k]})
		}
		*a = out
		return nil
	}
	var list []Alias
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	*a = list
	return nil
}

// Code returns the first code of the given type ("UPC", "merchantSKU"), or "".
func (a Aliases) Code(codeType string) string {
	for _, x := range a {
		if strings.EqualFold(x.CodeType, codeType) {
			return x.Code
		}
	}
	return ""
}

// Int is a whole number that decodes from a JSON number or numeric string ("1"; null and "" are 0)
// and encodes as a numeric string.
type Int int

// UnmarshalJSON accepts a number, a numeric string, "" or null.
func (n *Int) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(strings.Trim(string(bytes.TrimSpace(b)), `"`))
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		d, derr := decimal.NewFromString(s)
		if derr != nil || !d.IsInteger() {
			return fmt.Errorf("cartrover: %s is not a whole number", b)
		}
		v = d.IntPart()
	}
	*n = Int(v)
	return nil
}

// MarshalJSON writes the number as a JSON string ("1"), as CartRover does.
func (n Int) MarshalJSON() ([]byte, error) { return []byte(`"` + strconv.Itoa(int(n)) + `"`), nil }

// decodeLenient decodes data into v. When the strict decode fails because a number (or boolean)
// arrived where a string was expected, it retries with every JSON number and boolean turned into a
// string: all numeric fields in this package's types accept strings, so only text fields change.
func decodeLenient(data []byte, v any) error {
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	if !asTypeError(err, &typeErr) {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var tree any
	if derr := dec.Decode(&tree); derr != nil {
		return err
	}
	norm, merr := json.Marshal(stringifyScalars(tree))
	if merr != nil {
		return err
	}
	reflect.ValueOf(v).Elem().SetZero() // drop what the failed strict pass filled in
	if err2 := json.Unmarshal(norm, v); err2 != nil {
		return err
	}
	return nil
}

func asTypeError(err error, target **json.UnmarshalTypeError) bool {
	te, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*target = te
	}
	return ok
}

// stringifyScalars turns numbers and booleans into strings, recursively.
func stringifyScalars(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = stringifyScalars(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = stringifyScalars(e)
		}
		return x
	case json.Number:
		return string(x)
	case bool:
		if x {
			return "true"
		}
		return "false"
	default:
		return v
	}
}
