// Package connectedbusiness is the client for Connected Business's JSON webservice.
package connectedbusiness

// Service is Connected Business in its own vocabulary (placeholder until the client lands).
type Service interface{}
