package command

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/cartrover-cb/ordermanager/workflows"
)

// RunResult is what `starter run` reports.
type RunResult struct {
	WorkflowID string                `json:"workflow_id"`
	RunID      string                `json:"run_id"`
	Link       string                `json:"link,omitempty"`
	Summary    *workflows.RunSummary `json:"summary,omitempty"`
}

// StartRun starts one OrderManager run outside any schedule and returns its handle.
func StartRun(ctx context.Context, c client.Client, workflowID, taskQueue string, in workflows.OrderManagerInput) (client.WorkflowRun, error) {
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:            workflowID,
		TaskQueue:     taskQueue,
		StaticSummary: "one-off run: " + joinTasks(in.Tasks),
	}, workflows.OrderManagerName, in)
	if err != nil {
		return nil, fmt.Errorf("start run %s: %w", workflowID, err)
	}
	return run, nil
}

// WaitRun waits for a run to finish, calling progress with its figures so far every interval.
func WaitRun(ctx context.Context, c client.Client, run client.WorkflowRun, interval time.Duration, progress func(workflows.RunSummary)) (workflows.RunSummary, error) {
	type result struct {
		s   workflows.RunSummary
		err error
	}
	done := make(chan result, 1)
	go func() {
		var s workflows.RunSummary
		err := run.Get(ctx, &s)
		done <- result{s, err}
	}()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case r := <-done:
			return r.s, r.err
		case <-t.C:
			if progress == nil {
				continue
			}
			qctx, cancel := context.WithTimeout(ctx, interval)
			v, err := c.QueryWorkflow(qctx, run.GetID(), "", workflows.ProgressQuery)
			cancel()
			var s workflows.RunSummary
			if err == nil && v.Get(&s) == nil {
				progress(s)
			}
		}
	}
}

func runCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:        "run",
		Usage:       "start one run now, outside any schedule (with --wait: live progress, then the summary)",
		Description: "EXAMPLES:\n   starter run --settings deploy/settings.sandbox.yaml --tasks orders --wait",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "settings", Usage: "connector settings file (YAML; required)"},
			&cli.StringFlag{Name: "tasks", Usage: "what the run does: orders, shipments, inventory, products (comma-separated; required)"},
			&cli.IntFlag{Name: "max-in-flight", Usage: "ImportOrder children running at once (0 = the workflow's default)"},
			&cli.BoolFlag{Name: "wait", Usage: "wait for the run, showing its progress, and print its summary"},
		},
		Action: func(c *cli.Context) error {
			if !c.IsSet("tasks") {
				return usageErrorf("run: --tasks is required, e.g. --tasks orders,shipments")
			}
			tasks, err := ParseTasks(c.String("tasks"))
			if err != nil {
				return err
			}
			s, err := loadSettings(c.String("settings"))
			if err != nil {
				return err
			}
			in := workflows.OrderManagerInput{Settings: s, Tasks: tasks, MaxInFlight: c.Int("max-in-flight")}
			wid := env.runID("ordermanager:manual:")
			return withClient(env, c, func(cl client.Client) error {
				v := viewer{c: cl, ui: c.String(flagUIURL), namespace: c.String(flagNamespace)}
				run, err := StartRun(c.Context, cl, wid, c.String(flagTaskQueue), in)
				if err != nil {
					return err
				}
				res := RunResult{WorkflowID: run.GetID(), RunID: run.GetRunID(), Link: v.link(run.GetID(), run.GetRunID())}
				if !c.Bool("wait") {
					return emit(c, env.stdout(), res, func(w io.Writer) {
						fmt.Fprintf(w, "started %s\n%s\n", res.WorkflowID, res.Link)
					})
				}
				fmt.Fprintf(env.stderr(), "started %s\n%s\n", res.WorkflowID, res.Link)
				interval := env.PollInterval
				if interval == 0 {
					interval = time.Second
				}
				sum, err := WaitRun(c.Context, cl, run, interval, func(s workflows.RunSummary) {
					// One line, rewritten in place: progress goes to stderr so stdout stays parseable.
					fmt.Fprintf(env.stderr(), "\r\033[K%s", FormatSummary(&s))
				})
				fmt.Fprintln(env.stderr())
				if err != nil {
					return fmt.Errorf("run %s failed: %s (open %s)", res.WorkflowID, rootMessage(err), res.Link)
				}
				res.Summary = &sum
				return emit(c, env.stdout(), res, func(w io.Writer) {
					fmt.Fprintf(w, "run %s completed: %s\n", res.WorkflowID, FormatSummary(&sum))
					printProblems(w, &sum)
				})
			})
		},
	}
}

// printProblems lists the held and failed records of a summary, one per line.
func printProblems(w io.Writer, s *workflows.RunSummary) {
	var ps []workflows.Problem
	if s.Orders != nil {
		ps = append(ps, s.Orders.Problems...)
	}
	if s.Shipments != nil {
		ps = append(ps, s.Shipments.Problems...)
	}
	if s.Inventory != nil {
		ps = append(ps, s.Inventory.Problems...)
	}
	if s.Products != nil {
		ps = append(ps, s.Products.Problems...)
	}
	for _, p := range ps {
		fmt.Fprintf(w, "  %s: %s\n", p.Key, p.Reason)
	}
}

// Status is what `starter status` reports: every schedule's last runs and every run in flight.
type Status struct {
	Schedules []ScheduleView `json:"schedules"`
	InFlight  []RunView      `json:"in_flight"`
}

// GetStatus gathers the last `recent` runs of every schedule and the OrderManager runs in flight.
func GetStatus(ctx context.Context, c client.Client, ui, namespace string, recent int) (Status, error) {
	v := viewer{c: c, ui: ui, namespace: namespace}
	st := Status{Schedules: []ScheduleView{}, InFlight: []RunView{}}
	entries, err := ListScheduleEntries(ctx, c.ScheduleClient())
	if err != nil {
		return st, err
	}
	for _, e := range entries {
		sv, err := v.DescribeSchedule(ctx, e.ID, recent)
		if err != nil {
			if isNotFound(err) { // deleted between list and describe
				continue
			}
			return st, err
		}
		st.Schedules = append(st.Schedules, sv)
	}
	q := fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Running'", workflows.OrderManagerName)
	var token []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: q, NextPageToken: token, PageSize: 100})
		if err != nil {
			return st, fmt.Errorf("list runs in flight: %w", err)
		}
		for _, e := range resp.GetExecutions() {
			wid := e.GetExecution().GetWorkflowId()
			rv := RunView{WorkflowID: wid, RunID: e.GetExecution().GetRunId(), Status: "Running", Link: v.link(wid, "")}
			if e.GetStartTime() != nil {
				rv.Started = e.GetStartTime().AsTime()
			}
			for _, sv := range st.Schedules {
				if strings.HasPrefix(wid, ScheduleWorkflowIDPrefix(sv.ID)+"-") {
					rv.Schedule = sv.ID
				}
			}
			rv.Summary = v.progress(ctx, wid)
			st.InFlight = append(st.InFlight, rv)
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	return st, nil
}

func statusCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "the last runs of every schedule with their figures, and every run in flight",
		Flags: []cli.Flag{&cli.IntFlag{Name: "recent", Value: 3, Usage: "runs to show per schedule"}},
		Action: func(c *cli.Context) error {
			return withClient(env, c, func(cl client.Client) error {
				st, err := GetStatus(c.Context, cl, c.String(flagUIURL), c.String(flagNamespace), c.Int("recent"))
				if err != nil {
					return err
				}
				return emit(c, env.stdout(), st, func(w io.Writer) { printStatus(w, st) })
			})
		},
	}
}

func printStatus(w io.Writer, st Status) {
	if len(st.Schedules) == 0 {
		fmt.Fprintln(w, "no schedules: create one with `starter schedule apply`")
	}
	for _, sv := range st.Schedules {
		next := "-"
		if len(sv.NextRuns) > 0 && !sv.Paused {
			next = timeText(sv.NextRuns[0])
		}
		fmt.Fprintf(w, "schedule %s (%s, %s, next run %s)\n", sv.ID, stateText(sv.Paused), sv.Trigger, next)
		if len(sv.RecentRuns) == 0 {
			fmt.Fprintln(w, "  no runs yet")
		} else {
			printIndented(w, func(w io.Writer) { printRuns(w, sv.RecentRuns) })
		}
		fmt.Fprintln(w)
	}
	if len(st.InFlight) == 0 {
		fmt.Fprintln(w, "no run in flight")
		return
	}
	fmt.Fprintln(w, "in flight:")
	printIndented(w, func(w io.Writer) { printRuns(w, st.InFlight) })
}

// printIndented writes what f writes, each line indented by two spaces.
func printIndented(w io.Writer, f func(io.Writer)) {
	var b bytes.Buffer
	f(&b)
	for _, l := range strings.SplitAfter(b.String(), "\n") {
		if l != "" {
			fmt.Fprint(w, "  "+l)
		}
	}
}
