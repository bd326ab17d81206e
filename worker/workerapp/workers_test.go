package workerapp_test

import (
	"strings"
	"testing"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/worker/workerapp"
)

func TestNewWorkersRejectsAMissingTaskQueue(t *testing.T) {
	_, err := workerapp.NewWorkers(nil, &activities.Activities{}, workerapp.Options{})
	if err == nil || !strings.Contains(err.Error(), "TASK_QUEUE") {
		t.Errorf("error = %v, want one naming TASK_QUEUE", err)
	}
}

func TestNewActivitiesNamesTheBadSetting(t *testing.T) {
	_, err := workerapp.NewActivities(
		config.CartRover{BaseURL: "not a url", APIUser: "u", APIKey: "k"}, config.CartRoverRate{},
		config.CB{BaseURL: "http://127.0.0.1:9/cb", UserCode: "ADMIN", Password: "p"})
	if err == nil || !strings.Contains(err.Error(), "CARTROVER") {
		t.Errorf("error = %v, want one naming the CARTROVER_* settings", err)
	}
}
