package command

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"go.temporal.io/sdk/client"

	"github.com/cartrover-cb/ordermanager/settings"
)

func scheduleCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:  "schedule",
		Usage: "manage schedules (CB job plans): apply, list, describe, approve, pause, trigger, backfill, delete",
		Subcommands: []*cli.Command{
			scheduleApplyCommand(env),
			{
				Name: "list", Usage: "list every schedule with its state, trigger and next run",
				Action: func(c *cli.Context) error {
					return withClient(env, c, func(cl client.Client) error { return scheduleList(env, c, cl) })
				},
			},
			{
				Name: "describe", Usage: "show one schedule: trigger, policies, state, next runs, recent runs and their figures", ArgsUsage: "ID",
				Flags: []cli.Flag{&cli.IntFlag{Name: "recent", Value: 10, Usage: "how many recent runs to show"}},
				Action: func(c *cli.Context) error {
					id, err := oneArg(c, "schedule ID")
					if err != nil {
						return err
					}
					return withClient(env, c, func(cl client.Client) error {
						v := viewer{c: cl, ui: c.String(flagUIURL), namespace: c.String(flagNamespace)}
						sv, err := v.DescribeSchedule(c.Context, id, c.Int("recent"))
						if err != nil {
							return err
						}
						return emit(c, env.stdout(), sv, func(w io.Writer) { printScheduleView(w, sv) })
					})
				},
			},
			{
				Name: "approve", Aliases: []string{"unpause"}, Usage: "approve a schedule (unpause it) so it runs on its trigger", ArgsUsage: "ID",
				Flags: []cli.Flag{&cli.StringFlag{Name: "note", Usage: "why (kept as the schedule's note)", Value: "approved with starter"}},
				Action: handleAction(env, "approve", func(c *cli.Context, h client.ScheduleHandle) (string, error) {
					return "approved schedule %s: it now runs on its trigger", h.Unpause(c.Context, client.ScheduleUnpauseOptions{Note: c.String("note")})
				}),
			},
			{
				Name: "pause", Usage: "pause a schedule (its runs stop until approved again)", ArgsUsage: "ID",
				Description: "EXAMPLES:\n   starter schedule pause orders --note \"CB maintenance\"",
				Flags:       []cli.Flag{&cli.StringFlag{Name: "note", Usage: "why it is paused (required; shown in describe and the Web UI)"}},
				Action: handleAction(env, "pause", func(c *cli.Context, h client.ScheduleHandle) (string, error) {
					note := strings.TrimSpace(c.String("note"))
					if note == "" {
						return "", usageErrorf("schedule pause: --note is required: say why it is paused, e.g. --note \"CB maintenance until 18:00\"")
					}
					return "paused schedule %s", h.Pause(c.Context, client.SchedulePauseOptions{Note: note})
				}),
			},
			{
				Name: "trigger", Usage: "start one run of a schedule now (even while paused)", ArgsUsage: "ID",
				Action: handleAction(env, "trigger", func(c *cli.Context, h client.ScheduleHandle) (string, error) {
					return "triggered schedule %s: see `starter schedule describe` for the run", h.Trigger(c.Context, client.ScheduleTriggerOptions{})
				}),
			},
			{
				Name: "backfill", Usage: "take the runs a schedule would have taken between two times, now", ArgsUsage: "ID",
				Description: "EXAMPLES:\n   starter schedule backfill orders --start 2026-01-02T08:00:00Z --end 2026-01-02T12:00:00Z",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "start", Usage: "start of the range (RFC 3339, e.g. 2026-01-02T08:00:00Z)"},
					&cli.StringFlag{Name: "end", Usage: "end of the range (RFC 3339)"},
				},
				Action: handleAction(env, "backfill", func(c *cli.Context, h client.ScheduleHandle) (string, error) {
					start, err1 := time.Parse(time.RFC3339, c.String("start"))
					end, err2 := time.Parse(time.RFC3339, c.String("end"))
					if err1 != nil || err2 != nil || !end.After(start) {
						return "", usageErrorf("schedule backfill: give --start and --end as RFC 3339 times with end after start, e.g. --start 2026-01-02T08:00:00Z --end 2026-01-02T12:00:00Z")
					}
					return "backfilled schedule %s", h.Backfill(c.Context, client.ScheduleBackfillOptions{Backfill: []client.ScheduleBackfill{{Start: start, End: end}}})
				}),
			},
			{
				Name: "delete", Usage: "delete a schedule (its past runs stay in history)", ArgsUsage: "ID",
				Description: "EXAMPLES:\n   starter schedule delete orders --yes",
				Flags:       []cli.Flag{&cli.BoolFlag{Name: "yes", Usage: "confirm the deletion (required)"}},
				Action: handleAction(env, "delete", func(c *cli.Context, h client.ScheduleHandle) (string, error) {
					if !c.Bool("yes") {
						return "", usageErrorf("schedule delete: add --yes to confirm deleting schedule %s (to stop it for a while, use `starter schedule pause` instead)", h.GetID())
					}
					return "deleted schedule %s", h.Delete(c.Context)
				}),
			},
		},
	}
}

// handleAction runs f on the handle of the schedule named by the argument and prints its message.
func handleAction(env *Env, verb string, f func(*cli.Context, client.ScheduleHandle) (string, error)) cli.ActionFunc {
	return func(c *cli.Context) error {
		id, err := oneArg(c, "schedule ID")
		if err != nil {
			return err
		}
		return withClient(env, c, func(cl client.Client) error {
			msg, err := f(c, cl.ScheduleClient().GetHandle(c.Context, id))
			if err != nil {
				if _, ok := err.(*UsageError); ok {
					return err
				}
				return fmt.Errorf("%s schedule %s: %w", verb, id, notFound(id, err))
			}
			return emit(c, env.stdout(), map[string]string{"id": id, "action": verb, "result": "ok"}, func(w io.Writer) {
				fmt.Fprintf(w, msg+"\n", id)
			})
		})
	}
}

func scheduleApplyCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:  "apply",
		Usage: "create a schedule, or update it in place, from a settings file (validated first); prints what changed",
		Description: "An update changes only what the flags name (plus the trigger, settings and tasks, which every apply\n" +
			"carries) and keeps every other property; it never changes the schedule's approval.\n\n" +
			"EXAMPLES:\n" +
			"   starter schedule apply --id orders --settings deploy/settings.sandbox.yaml --tasks orders,shipments --every 15m --paused --note \"orders and shipments\"\n" +
			"   starter schedule apply --id orders --settings deploy/settings.sandbox.yaml --tasks orders,shipments --every 15m --jitter 30s --dry-run",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "id", Usage: "schedule ID (required)"},
			&cli.StringFlag{Name: "settings", Usage: "connector settings file (YAML; required)"},
			&cli.StringFlag{Name: "tasks", Usage: "what each run does: orders, shipments, inventory, products (comma-separated; required)"},
			&cli.StringSliceFlag{Name: "every", Usage: "run every DUR (e.g. 1m, 15m, 1h); repeatable"},
			&cli.StringSliceFlag{Name: "cron", Usage: "run on a cron expression (e.g. \"0 */2 * * *\"); repeatable"},
			&cli.StringSliceFlag{Name: "calendar", Usage: "run on a calendar spec: key=value pairs of second, minute, hour, day_of_month, month, year, day_of_week (0=Sunday), comment; values N, N-M, N-M/STEP or * (e.g. \"hour=9,17 minute=30 day_of_week=1-5\"); repeatable"},
			&cli.BoolFlag{Name: "paused", Usage: "create it paused: not yet approved (an existing schedule keeps its state; see approve and pause)"},
			&cli.StringFlag{Name: "note", Aliases: []string{"description"}, Usage: "the job plan's description"},
			&cli.StringFlag{Name: "overlap", Value: "skip", Usage: "when a run is still going at the next trigger: skip or buffer-one"},
			&cli.DurationFlag{Name: "catchup-window", Usage: "after an outage, start missed runs at most this late (0 = server default, 1 year)"},
			&cli.DurationFlag{Name: "jitter", Usage: "delay each run by a random amount up to this"},
			&cli.BoolFlag{Name: "pause-on-failure", Usage: "pause the schedule when a run fails"},
			&cli.DurationFlag{Name: "run-timeout", Usage: "bound one run (0 = none)"},
			&cli.IntFlag{Name: "max-in-flight", Usage: "ImportOrder children running at once per run (0 = the workflow's default)"},
			&cli.BoolFlag{Name: "dry-run", Usage: "print what would be created or changed, and change nothing"},
		},
		Action: func(c *cli.Context) error {
			cfg, err := scheduleConfigFromFlags(c)
			if err != nil {
				return err
			}
			return withClient(env, c, func(cl client.Client) error {
				res, err := Apply(c.Context, cl.ScheduleClient(), cfg, c.Bool("dry-run"))
				if err != nil {
					return err
				}
				return emit(c, env.stdout(), res, func(w io.Writer) { printApply(w, res) })
			})
		},
	}
}

// scheduleConfigFromFlags reads and validates everything `schedule apply` needs before dialing.
func scheduleConfigFromFlags(c *cli.Context) (ScheduleConfig, error) {
	cfg := ScheduleConfig{
		ID:             strings.TrimSpace(c.String("id")),
		Description:    c.String("note"),
		Paused:         c.Bool("paused"),
		CatchupWindow:  c.Duration("catchup-window"),
		Jitter:         c.Duration("jitter"),
		PauseOnFailure: c.Bool("pause-on-failure"),
		RunTimeout:     c.Duration("run-timeout"),
		MaxInFlight:    c.Int("max-in-flight"),
		TaskQueue:      c.String(flagTaskQueue),
		Trigger:        Trigger{Cron: c.StringSlice("cron"), Calendars: c.StringSlice("calendar")},
		Given: map[string]bool{
			GivenTrigger:        c.IsSet("every") || c.IsSet("cron") || c.IsSet("calendar"),
			GivenJitter:         c.IsSet("jitter"),
			GivenOverlap:        c.IsSet("overlap"),
			GivenCatchupWindow:  c.IsSet("catchup-window"),
			GivenPauseOnFailure: c.IsSet("pause-on-failure"),
			GivenRunTimeout:     c.IsSet("run-timeout"),
			GivenMaxInFlight:    c.IsSet("max-in-flight"),
			GivenNote:           c.IsSet("note"),
			GivenTaskQueue:      isSetAnywhere(c, flagTaskQueue),
		},
	}
	if cfg.ID == "" {
		return cfg, usageErrorf("schedule apply: --id is required (the schedule's name, e.g. --id orders-every-minute)")
	}
	for _, e := range c.StringSlice("every") {
		d, err := time.ParseDuration(e)
		if err != nil {
			return cfg, usageErrorf("schedule apply: --every %q is not a duration: use e.g. 1m, 15m, 1h", e)
		}
		cfg.Trigger.Every = append(cfg.Trigger.Every, d)
	}
	if _, err := cfg.Trigger.Spec(cfg.Jitter); err != nil {
		return cfg, err
	}
	if cfg.MaxInFlight < 0 {
		return cfg, usageErrorf("schedule apply: --max-in-flight must be 0 (default) or more")
	}
	var err error
	if cfg.Overlap, err = ParseOverlap(c.String("overlap")); err != nil {
		return cfg, err
	}
	if cfg.CatchupWindow != 0 && cfg.CatchupWindow < 10*time.Second {
		return cfg, usageErrorf("schedule apply: --catchup-window %s is below Temporal's minimum of 10s", cfg.CatchupWindow)
	}
	if !c.IsSet("tasks") {
		return cfg, usageErrorf("schedule apply: --tasks is required, e.g. --tasks orders,shipments")
	}
	if cfg.Tasks, err = ParseTasks(c.String("tasks")); err != nil {
		return cfg, err
	}
	if cfg.Settings, err = loadSettings(c.String("settings")); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// loadSettings reads and validates a settings file; every failure is a configuration error.
func loadSettings(path string) (settings.Settings, error) {
	if path == "" {
		return settings.Settings{}, usageErrorf("--settings FILE is required (see deploy/ for a sample settings file)")
	}
	s, err := settings.Load(path)
	if err != nil {
		return s, &UsageError{msg: err.Error()}
	}
	return s, nil
}

// isSetAnywhere reports whether flag name was set on this command or any parent (or by its
// environment variable).
func isSetAnywhere(c *cli.Context, name string) bool {
	for _, cc := range c.Lineage() {
		if cc.IsSet(name) {
			return true
		}
	}
	return false
}

func printApply(w io.Writer, res ApplyResult) {
	state := "approved: it runs on its trigger"
	if res.Paused {
		state = fmt.Sprintf("paused: not yet approved — approve it with `starter schedule approve %s`", res.ID)
	}
	created, updated, unchanged := "created", "updated", "unchanged"
	if res.DryRun {
		created, updated, unchanged = "dry run: would create", "dry run: would update", "dry run: nothing to change in"
	}
	switch {
	case res.Created:
		fmt.Fprintf(w, "%s schedule %s (%s)\n", created, res.ID, state)
	case len(res.Changes) == 0 && res.DryRun:
		fmt.Fprintf(w, "%s schedule %s (%s)\n", unchanged, res.ID, state)
	case len(res.Changes) == 0:
		fmt.Fprintf(w, "schedule %s %s (%s)\n", res.ID, unchanged, state)
	default:
		fmt.Fprintf(w, "%s schedule %s in place (%s):\n", updated, res.ID, state)
		for _, ch := range res.Changes {
			fmt.Fprintf(w, "  %s\n", ch)
		}
	}
}

// scheduleListItem is one row of `schedule list`.
type scheduleListItem struct {
	ID      string     `json:"id"`
	Paused  bool       `json:"paused"`
	Note    string     `json:"note,omitempty"`
	Trigger string     `json:"trigger"`
	NextRun *time.Time `json:"next_run,omitempty"`
	LastRun *time.Time `json:"last_run,omitempty"`
}

func scheduleList(env *Env, c *cli.Context, cl client.Client) error {
	entries, err := ListScheduleEntries(c.Context, cl.ScheduleClient())
	if err != nil {
		return err
	}
	items := []scheduleListItem{}
	for _, e := range entries {
		it := scheduleListItem{ID: e.ID, Paused: e.Paused, Note: e.Note, Trigger: specText(e.Spec)}
		if len(e.NextActionTimes) > 0 {
			it.NextRun = &e.NextActionTimes[0]
		}
		if n := len(e.RecentActions); n > 0 {
			it.LastRun = &e.RecentActions[n-1].ActualTime
		}
		items = append(items, it)
	}
	return emit(c, env.stdout(), items, func(w io.Writer) {
		if len(items) == 0 {
			fmt.Fprintln(w, "no schedules: create one with `starter schedule apply`")
			return
		}
		tw := newTable(w, "ID", "STATE", "TRIGGER", "NEXT RUN", "LAST RUN", "NOTE")
		for _, it := range items {
			row(tw, it.ID, stateText(it.Paused), it.Trigger, timePtrText(it.NextRun), timePtrText(it.LastRun), dash(it.Note))
		}
		_ = tw.Flush()
	})
}

func stateText(paused bool) string {
	if paused {
		return "paused"
	}
	return "approved"
}

func timePtrText(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return timeText(*t)
}

// specText summarises a schedule spec as the server returns it (cron is compiled to calendars).
func specText(s *client.ScheduleSpec) string {
	if s == nil {
		return "-"
	}
	var parts []string
	for _, iv := range s.Intervals {
		parts = append(parts, "every "+iv.Every.String())
	}
	for _, cal := range s.Calendars {
		if cal.Comment != "" {
			parts = append(parts, "calendar "+cal.Comment)
		} else {
			parts = append(parts, "calendar")
		}
	}
	parts = append(parts, s.CronExpressions...)
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, "; ")
}

func printScheduleView(w io.Writer, sv ScheduleView) {
	tw := newTable(w, "SCHEDULE", sv.ID)
	row(tw, "state", stateText(sv.Paused))
	row(tw, "note", dash(sv.Note))
	row(tw, "description", dash(sv.Description))
	row(tw, "trigger", dash(sv.Trigger))
	row(tw, "workflow", fmt.Sprintf("%s on %s, tasks %s", sv.Workflow, sv.TaskQueue, joinTasks(sv.Tasks)))
	row(tw, "settings digest", dash(sv.SettingsDigest))
	row(tw, "policies", fmt.Sprintf("overlap %s, catchup window %s, jitter %s, pause on failure %v, run timeout %s",
		sv.Overlap, dash(sv.CatchupWindow), dash(sv.Jitter), sv.PauseOnFailure, dash(sv.RunTimeout)))
	row(tw, "actions", fmt.Sprintf("%d taken, %d skipped (overlap), %d missed (catchup window)", sv.Actions, sv.Skipped, sv.Missed))
	var next []string
	for _, t := range sv.NextRuns {
		next = append(next, timeText(t))
	}
	row(tw, "next runs", dash(strings.Join(next, ", ")))
	row(tw, "created", timeText(sv.CreatedAt))
	_ = tw.Flush()
	if len(sv.RecentRuns) == 0 {
		fmt.Fprintln(w, "\nno runs yet")
		return
	}
	fmt.Fprintln(w)
	printRuns(w, sv.RecentRuns)
}

func printRuns(w io.Writer, runs []RunView) {
	tw := newTable(w, "STARTED", "STATUS", "WORKFLOW ID", "FIGURES")
	for _, r := range runs {
		fig := FormatSummary(r.Summary)
		if r.Error != "" {
			fig = r.Error
		}
		row(tw, timeText(r.Started), r.Status, r.WorkflowID, dash(fig))
	}
	_ = tw.Flush()
}
