package workerapp

import (
	"fmt"

	"github.com/cartrover-cb/ordermanager/activities"
	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/connectedbusiness"
	"github.com/cartrover-cb/ordermanager/telemetry"
)

// NewActivities builds the Activities with the real CartRover and Connected Business clients;
// the CartRover client paces itself against rate (zero values: CartRover's documented bucket).
// The credentials go to the clients and nowhere else.
func NewActivities(cr config.CartRover, rate config.CartRoverRate, cb config.CB) (*activities.Activities, error) {
	crClient, err := cartrover.New(cartrover.Config{
		BaseURL:       cr.BaseURL,
		APIUser:       cr.APIUser,
		APIKey:        cr.APIKey.Reveal(),
		Burst:         rate.Burst,
		RatePerSecond: rate.RatePerSecond(),
		Observe:       telemetry.ObserveCartRoverCall,
	})
	if err != nil {
		return nil, fmt.Errorf("build the CartRover client (check CARTROVER_*): %w", err)
	}
	cbService, err := connectedbusiness.NewWebService(connectedbusiness.Config{
		BaseURL:  cb.BaseURL,
		UserCode: cb.UserCode,
		Password: cb.Password.Reveal(),
		Observe:  telemetry.ObserveCBCall,
	})
	if err != nil {
		return nil, fmt.Errorf("build the Connected Business client (check CB_*): %w", err)
	}
	return &activities.Activities{CartRover: crClient, CB: cbService}, nil
}
