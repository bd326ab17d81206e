package config

// CBCheck is an optional second CB user for `starter settings check --against-cb`: CB allows one
// session per user, so checking as the worker's user signs the worker out. When CB_CHECK_USER_CODE
// is set, the check signs in as this user instead (a read-only user is enough: it only lists codes).
type CBCheck struct {
	// BaseURL is the CB webservice root (default: CB_BASE_URL).
	BaseURL string `env:"CB_CHECK_BASE_URL" doc:"the Connected Business webservice root URL for settings checks"`
	// UserCode is the CB user the check signs in as ("" = use CB_USER_CODE).
	UserCode string `env:"CB_CHECK_USER_CODE" doc:"the CB User Code for settings checks"`
	// Password is that user's password.
	Password Secret `env:"CB_CHECK_PASSWORD" doc:"the CB password for settings checks"`
}

// Set reports whether a separate check user is configured.
func (c CBCheck) Set() bool { return c.UserCode != "" }

func (c *CBCheck) validate() []string {
	var p []string
	if c.UserCode != "" && !c.Password.IsSet() {
		p = append(p, "CB_CHECK_PASSWORD is required when CB_CHECK_USER_CODE is set: set it to that CB user's password")
	}
	if c.BaseURL != "" {
		if msg := checkURL(c.BaseURL); msg != "" {
			p = append(p, "CB_CHECK_BASE_URL "+msg)
		}
	}
	return p
}
