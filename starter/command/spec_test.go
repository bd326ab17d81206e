package command_test

import (
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/cartrover-cb/ordermanager/starter/command"
	"github.com/cartrover-cb/ordermanager/workflows"
)

func TestParseCalendar(t *testing.T) {
	got, err := command.ParseCalendar("second=0;minute=*/15 hour=8-18/2 day_of_month=1,15 month=12 year=2027 day_of_week=0")
	if err != nil {
		t.Fatal(err)
	}
	want := client.ScheduleCalendarSpec{
		Second:     []client.ScheduleRange{{Start: 0}},
		Minute:     []client.ScheduleRange{{Start: 0, End: 59, Step: 15}},
		Hour:       []client.ScheduleRange{{Start: 8, End: 18, Step: 2}},
		DayOfMonth: []client.ScheduleRange{{Start: 1}, {Start: 15}},
		Month:      []client.ScheduleRange{{Start: 12}},
		Year:       []client.ScheduleRange{{Start: 2027}},
		DayOfWeek:  []client.ScheduleRange{{Start: 0}},
	}
	if len(got.Minute) != 1 || got.Minute[0] != want.Minute[0] || got.Hour[0] != want.Hour[0] ||
		len(got.DayOfMonth) != 2 || got.DayOfMonth[1] != want.DayOfMonth[1] || got.Year[0] != want.Year[0] || got.DayOfWeek[0] != want.DayOfWeek[0] {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	for _, bad := range []string{"", "hour", "hour=24", "day_of_week=7", "minute=5-1", "minute=*/0", "weekday=1", "month=0"} {
		if _, err := command.ParseCalendar(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestParseTasksKeepsRunOrderAndRejectsUnknownTasks(t *testing.T) {
	got, err := command.ParseTasks("products, Orders,orders")
	if err != nil || len(got) != 2 || got[0] != workflows.TaskOrders || got[1] != workflows.TaskProducts {
		t.Errorf("got %v, %v", got, err)
	}
	for _, bad := range []string{"", ",", "orders,refunds"} {
		if _, err := command.ParseTasks(bad); err == nil || command.ExitCode(err) != 2 {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestTriggerSpecAndText(t *testing.T) {
	tr := command.Trigger{Every: []time.Duration{time.Minute}, Cron: []string{"0 3 * * *"}, Calendars: []string{"hour=9"}}
	spec, err := tr.Spec(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(spec.Intervals) != 1 || len(spec.CronExpressions) != 1 || len(spec.Calendars) != 1 || spec.Jitter != 5*time.Second {
		t.Errorf("spec %+v", spec)
	}
	if s := tr.String(); s != "every 1m0s; cron 0 3 * * *; calendar hour=9" {
		t.Errorf("text %q", s)
	}
	if _, err := (command.Trigger{}).Spec(0); err == nil {
		t.Error("empty trigger accepted")
	}
	if _, err := (command.Trigger{Every: []time.Duration{time.Millisecond}}).Spec(0); err == nil {
		t.Error("sub-second interval accepted")
	}
}
