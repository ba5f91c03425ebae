package schema

import (
	"fmt"
	"strconv"
	"strings"
)

// LicenseAudit answers GET /licenses/audit ('wsctl licenses audit -o json'):
// what the audit found, the pools as they stood (as GET /licenses lists
// them), and every check it ran, one per kind and product (a CI report
// shows the checks that passed too).
type LicenseAudit struct {
	Findings []LicenseFinding `json:"findings"`
	Pools    []LicensePool    `json:"pools"`
	Checks   []LicenseCheck   `json:"checks"`
}

// LicenseFinding is one thing a license audit found. Kind is one of the
// Finding* constants; Subject is the product for pool_above, else the
// email of the user or invite holding a license of Product.
type LicenseFinding struct {
	Kind    string `json:"kind"`
	Product string `json:"product"`
	Subject string `json:"subject"`
	Detail  string `json:"detail"`
}

// LicenseCheck is one check a license audit ran on one product;
// Description says what passing means ("flow at most 80% used").
type LicenseCheck struct {
	Kind        string `json:"kind"`
	Product     string `json:"product"`
	Description string `json:"description"`
}

// Kinds of LicenseFinding and LicenseCheck.
const (
	FindingPoolAbove      = "pool_above"
	FindingIdleHolder     = "idle_holder"
	FindingStaleInvite    = "stale_invite"
	FindingInactiveHolder = "inactive_holder"
)

// FindingKinds are the kinds of finding, in the order an audit lists them.
func FindingKinds() []string {
	return []string{FindingPoolAbove, FindingIdleHolder, FindingStaleInvite, FindingInactiveHolder}
}

// UsageLimit is one max_used value of a license audit: the most of a
// pool's total that may be used, in percent; Product "" is the limit of
// every product without one of its own. Written PERCENT or
// PRODUCT=PERCENT (80, flow=80, flow=66.5).
type UsageLimit struct {
	Product string
	Percent float64
}

// String writes the limit as ParseUsageLimit reads it.
func (l UsageLimit) String() string {
	pct := strconv.FormatFloat(l.Percent, 'f', -1, 64)
	if l.Product == "" {
		return pct
	}
	return l.Product + "=" + pct
}

// ParseUsageLimit reads PERCENT or PRODUCT=PERCENT, PERCENT being digits
// with an optional decimal part. Whether the product exists and the
// percentage is within 0 to 100 is the server's to say.
func ParseUsageLimit(s string) (UsageLimit, error) {
	product, pct, hasProduct := strings.Cut(strings.TrimSpace(s), "=")
	if !hasProduct {
		product, pct = "", product
	}
	product = strings.TrimSpace(product)
	if hasProduct && product == "" {
		return UsageLimit{}, fmt.Errorf("%q names no product before '='; write PERCENT for every product or PRODUCT=PERCENT, e.g. flow=80", s)
	}
	if !isDecimal(strings.TrimSpace(pct)) {
		return UsageLimit{}, fmt.Errorf("%q is not a limit: write PERCENT for every product or PRODUCT=PERCENT for one, PERCENT a number such as 80 or 92.5 (e.g. 90 or flow=80)", s)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(pct), 64)
	if err != nil {
		return UsageLimit{}, fmt.Errorf("%q: %w", s, err)
	}
	return UsageLimit{Product: product, Percent: v}, nil
}

// isDecimal is digits, optionally a point and more digits.
func isDecimal(s string) bool {
	whole, frac, hasPoint := strings.Cut(s, ".")
	digits := func(d string) bool {
		return d != "" && strings.Trim(d, "0123456789") == ""
	}
	return digits(whole) && (!hasPoint || digits(frac))
}
