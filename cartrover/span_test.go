package cartrover_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/cartrover-cb/ordermanager/cartrover"
	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
)

func TestEveryCallIsASpanCarryingTheProcessID(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	e := newEnv(t, cartroversim.Options{}, cartrover.Config{})
	ctx := context.Background()
	if _, err := e.client.ShipMethods(ctx); err != nil {
		t.Fatal(err)
	}
	_, _ = e.client.GetOrder(ctx, "MISSING-1")

	spans := exp.GetSpans()
	if len(spans) != 2 {
		t.Fatalf("got %d spans, want 2", len(spans))
	}
	for i, want := range []string{"CartRover ShipMethods", "CartRover GetOrder"} {
		s := spans[i]
		attrs := map[string]string{}
		for _, a := range s.Attributes {
			attrs[string(a.Key)] = a.Value.String()
		}
		if s.Name != want || attrs["cartrover.process_id"] == "" || attrs["http.response.status_code"] != "200" {
			t.Errorf("span %d: %s %v", i, s.Name, attrs)
		}
		if i == 1 && (attrs["cartrover.error_code"] != "Invalid" || attrs["cartrover.record"] != "cust_ref MISSING-1" || s.Status.Code.String() != "Error") {
			t.Errorf("failed call span: %v status %v", attrs, s.Status)
		}
	}
}
