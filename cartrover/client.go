// Package cartrover is the client for CartRover's (Extensiv Integration Manager) Merchant API.
package cartrover

// Client is the CartRover Merchant API client (placeholder until the client lands).
type Client struct{}
