package connectedbusiness

import (
	"fmt"
	"strings"
)

// cbCountries maps ISO 3166 alpha-2 codes to CB country names (SystemCountry.CountryCode).
// Assumption: CB's seeded names follow this list ("United States of America", "United Kingdom");
// a CB whose names differ needs only this table changed.
var cbCountries = map[string]string{
	"US": "United States of America", "CA": "Canada", "MX": "Mexico", "GB": "United Kingdom",
	"IE": "Ireland", "FR": "France", "DE": "Germany", "ES": "Spain", "IT": "Italy", "NL": "Netherlands",
	"BE": "Belgium", "LU": "Luxembourg", "PT": "Portugal", "AT": "Austria", "CH": "Switzerland",
	"DK": "Denmark", "SE": "Sweden", "NO": "Norway", "FI": "Finland", "IS": "Iceland", "PL": "Poland",
	"CZ": "Czech Republic", "SK": "Slovakia", "HU": "Hungary", "RO": "Romania", "BG": "Bulgaria",
	"GR": "Greece", "HR": "Croatia", "SI": "Slovenia", "EE": "Estonia", "LV": "Latvia", "LT": "Lithuania",
	"CY": "Cyprus", "MT": "Malta", "TR": "Turkey", "RU": "Russian Federation", "UA": "Ukraine",
	"IL": "Israel", "AE": "United Arab Emirates", "SA": "Saudi Arabia", "IN": "India", "PK": "Pakistan",
	"CN": "China", "HK": "Hong Kong", "TW": "Taiwan", "JP": "Japan", "KR": "Korea, Republic of",
	"SG": "Singapore", "MY": "Malaysia", "TH": "Thailand", "VN": "Vietnam", "PH": "Philippines",
	"ID": "Indonesia", "AU": "Australia", "NZ": "New Zealand", "ZA": "South Africa", "NG": "Nigeria",
	"KE": "Kenya", "EG": "Egypt", "MA": "Morocco", "BR": "Brazil", "AR": "Argentina", "CL": "Chile",
	"CO": "Colombia", "PE": "Peru", "PR": "Puerto Rico", "JM": "Jamaica", "DO": "Dominican Republic",
	"CR": "Costa Rica", "PA": "Panama",
}

// alpha3 maps the ISO 3166 alpha-3 codes carts commonly send to alpha-2.
var alpha3 = map[string]string{"USA": "US", "CAN": "CA", "GBR": "GB", "AUS": "AU", "MEX": "MX", "DEU": "DE", "FRA": "FR"}

// CountryCode normalises a country as a cart sends it: the common ISO alpha-3 codes ("USA", any
// case) become alpha-2; anything else is returned trimmed, unchanged. It is pure and
// deterministic, so workflow code may call it (e.g. to key class templates by country).
func CountryCode(country string) string {
	c := strings.TrimSpace(country)
	if a2, ok := alpha3[strings.ToUpper(c)]; ok {
		return a2
	}
	return c
}

// CountryName maps an ISO 3166 alpha-2 code or common alpha-3 code (any case, see CountryCode) or
// a CB country name to the CB country name. ok is false when the value is none of these.
func CountryName(country string) (name string, ok bool) {
	c := CountryCode(country)
	if n, found := cbCountries[strings.ToUpper(c)]; found {
		return n, true
	}
	for _, n := range cbCountries {
		if strings.EqualFold(n, c) {
			return n, true
		}
	}
	switch strings.ToUpper(c) {
	case "UNITED STATES":
		return cbCountries["US"], true
	case "UK", "GREAT BRITAIN":
		return cbCountries["GB"], true
	}
	return "", false
}

// countryFor maps a country for a request; empty stays empty (CB applies its default).
func countryFor(route, record, country string) (string, error) {
	if strings.TrimSpace(country) == "" {
		return "", nil
	}
	n, ok := CountryName(country)
	if !ok {
		return "", &BusinessError{Kind: KindInvalidCountry, Op: opName(route), Record: record,
			Message: fmt.Sprintf("country %q is not an ISO code or CB country name the connector knows", country),
			Fix:     "use an ISO 3166 alpha-2 code or add the country to connectedbusiness.cbCountries"}
	}
	return n, nil
}
