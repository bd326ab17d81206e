package workerapp_test

import (
	"strings"
	"testing"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/worker/workerapp"
)

func TestNewWorkersRejectsAMissingTaskQueueOrRate(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts workerapp.Options
		want string
	}{
		{"no task queue", workerapp.Options{CartRoverActivitiesPerSecond: 1.6}, "TASK_QUEUE"},
		{"no CartRover rate", workerapp.Options{TaskQueue: "q"}, "CARTROVER_ACTIVITIES_PER_SECOND"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := workerapp.NewWorkers(nil, &activities.Activities{}, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one naming %s", err, tc.want)
			}
		})
	}
}

func TestNewActivitiesNamesTheBadSetting(t *testing.T) {
	_, err := workerapp.NewActivities(
		config.CartRover{BaseURL: "not a url", APIUser: "u", APIKey: "k", RatePerSecond: 1.6},
		config.CB{BaseURL: "http://127.0.0.1:9/cb", UserCode: "ADMIN", Password: "p"})
	if err == nil || !strings.Contains(err.Error(), "CARTROVER") {
		t.Errorf("error = %v, want one naming the CARTROVER_* settings", err)
	}
}
