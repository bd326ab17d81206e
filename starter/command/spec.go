package command

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/cartrover-cb/ordermanager/workflows"
)

// ParseTasks parses a comma-separated task list ("orders,shipments") into tasks in run order.
func ParseTasks(list string) ([]workflows.Task, error) {
	want := map[workflows.Task]bool{}
	for _, part := range strings.Split(list, ",") {
		part = strings.TrimSpace(strings.ToLower(part))
		if part == "" {
			continue
		}
		t := workflows.Task(part)
		known := false
		for _, k := range workflows.AllTasks {
			known = known || k == t
		}
		if !known {
			return nil, usageErrorf("unknown task %q in --tasks: use any of orders, shipments, inventory, products", part)
		}
		want[t] = true
	}
	var out []workflows.Task
	for _, k := range workflows.AllTasks {
		if want[k] {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return nil, usageErrorf("--tasks is empty: give e.g. --tasks orders,shipments")
	}
	return out, nil
}

// ParseOverlap parses --overlap: skip (default) or buffer-one.
func ParseOverlap(s string) (enumspb.ScheduleOverlapPolicy, error) {
	switch strings.ToLower(s) {
	case "", "skip":
		return enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, nil
	case "buffer-one", "buffer_one":
		return enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE, nil
	}
	return 0, usageErrorf("unknown --overlap %q: use skip or buffer-one", s)
}

// overlapName is the human name of an overlap policy, as --overlap spells it.
func overlapName(p enumspb.ScheduleOverlapPolicy) string {
	switch p {
	case enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, enumspb.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED:
		return "skip"
	case enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE:
		return "buffer-one"
	}
	return strings.ToLower(strings.TrimPrefix(p.String(), "SCHEDULE_OVERLAP_POLICY_"))
}

// calendarFields are the --calendar keys, in the order they are printed.
var calendarFields = []string{"second", "minute", "hour", "day_of_month", "month", "year", "day_of_week"}

// ParseCalendar parses one --calendar value: space- or semicolon-separated key=value pairs whose
// keys are second, minute, hour, day_of_month, month, year, day_of_week (0 = Sunday) and comment,
// and whose values are comma lists of N, N-M or N-M/STEP, or * for every value.
// Example: "hour=9,17 minute=30 day_of_week=1-5". Unset second/minute/hour mean 0, like cron.
func ParseCalendar(s string) (client.ScheduleCalendarSpec, error) {
	var spec client.ScheduleCalendarSpec
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ';' })
	if len(fields) == 0 {
		return spec, usageErrorf("--calendar is empty: give e.g. \"hour=9 minute=30 day_of_week=1-5\"")
	}
	for _, f := range fields {
		key, val, ok := strings.Cut(f, "=")
		if !ok {
			return spec, usageErrorf("--calendar %q: %q is not key=value (keys: %s, comment)", s, f, strings.Join(calendarFields, ", "))
		}
		if key == "comment" {
			spec.Comment = val
			continue
		}
		lo, hi := 0, 59
		var dst *[]client.ScheduleRange
		switch key {
		case "second":
			dst = &spec.Second
		case "minute":
			dst = &spec.Minute
		case "hour":
			dst, hi = &spec.Hour, 23
		case "day_of_month":
			dst, lo, hi = &spec.DayOfMonth, 1, 31
		case "month":
			dst, lo, hi = &spec.Month, 1, 12
		case "year":
			dst, lo, hi = &spec.Year, 1970, 9999
		case "day_of_week":
			dst, hi = &spec.DayOfWeek, 6
		default:
			return spec, usageErrorf("--calendar %q: unknown key %q (keys: %s, comment)", s, key, strings.Join(calendarFields, ", "))
		}
		ranges, err := parseRanges(val, lo, hi)
		if err != nil {
			return spec, usageErrorf("--calendar %q: %s=%s: %v", s, key, val, err)
		}
		*dst = append(*dst, ranges...)
	}
	return spec, nil
}

func parseRanges(val string, lo, hi int) ([]client.ScheduleRange, error) {
	var out []client.ScheduleRange
	for _, part := range strings.Split(val, ",") {
		r := client.ScheduleRange{}
		body, step, hasStep := strings.Cut(part, "/")
		if hasStep {
			n, err := strconv.Atoi(step)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("step %q is not a positive number", step)
			}
			r.Step = n
		}
		if body == "*" {
			r.Start, r.End = lo, hi
		} else {
			a, b, isRange := strings.Cut(body, "-")
			start, err := strconv.Atoi(a)
			if err != nil {
				return nil, fmt.Errorf("%q is not a number, N-M or *", body)
			}
			r.Start, r.End = start, start
			if isRange {
				if r.End, err = strconv.Atoi(b); err != nil {
					return nil, fmt.Errorf("%q is not a number, N-M or *", body)
				}
			}
		}
		if r.Start < lo || r.End > hi || r.End < r.Start {
			return nil, fmt.Errorf("%q is outside %d-%d", part, lo, hi)
		}
		if r.End == r.Start && r.Step == 0 {
			r.End = 0 // a single value: the API defaults End to Start
		}
		out = append(out, r)
	}
	return out, nil
}

// Trigger is when a schedule runs: intervals, cron expressions and/or calendar specs.
type Trigger struct {
	Every     []time.Duration
	Cron      []string
	Calendars []string
}

// String is the trigger as the operator wrote it ("every 1m0s; cron 0 * * * *"), kept in the memo.
func (t Trigger) String() string {
	var parts []string
	for _, d := range t.Every {
		parts = append(parts, "every "+d.String())
	}
	for _, c := range t.Cron {
		parts = append(parts, "cron "+c)
	}
	for _, c := range t.Calendars {
		parts = append(parts, "calendar "+c)
	}
	return strings.Join(parts, "; ")
}

// Spec builds the Temporal schedule spec of the trigger.
func (t Trigger) Spec(jitter time.Duration) (client.ScheduleSpec, error) {
	spec := client.ScheduleSpec{Jitter: jitter, CronExpressions: t.Cron}
	for _, d := range t.Every {
		if d < time.Second {
			return spec, usageErrorf("--every %s is too short: use at least 1s (e.g. --every 1m)", d)
		}
		spec.Intervals = append(spec.Intervals, client.ScheduleIntervalSpec{Every: d})
	}
	for _, c := range t.Calendars {
		cal, err := ParseCalendar(c)
		if err != nil {
			return spec, err
		}
		spec.Calendars = append(spec.Calendars, cal)
	}
	if len(spec.Intervals)+len(spec.CronExpressions)+len(spec.Calendars) == 0 {
		return spec, usageErrorf("no trigger: give --every DUR, --cron EXPR or --calendar SPEC")
	}
	return spec, nil
}
