package temporaltest

import (
	"context"

	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/proxy"
)

// DecodeHistory decrypts every payload of h in place with Codec, so that a history recorded from
// an end-to-end run can be committed readable and replayed without this test binary's key.
func DecodeHistory(h *historypb.History) error {
	return proxy.VisitPayloads(context.Background(), h, proxy.VisitPayloadsOptions{
		SkipSearchAttributes: true,
		Visitor: func(_ *proxy.VisitPayloadsContext, ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
			return Codec().Decode(ps)
		},
	})
}
