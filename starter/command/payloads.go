package command

import (
	"sync/atomic"

	"go.temporal.io/sdk/converter"
)

// describedPayloads decodes the payloads the SDK hands back undecoded (a schedule description's
// workflow arguments and memo): the data converter, with the payload codec, of the connection
// the starter made. A process has one keyring, so one converter serves every connection.
var describedPayloads atomic.Pointer[converter.DataConverter]

func setDescribedPayloadConverter(dc converter.DataConverter) {
	if dc != nil {
		describedPayloads.Store(&dc)
	}
}

// describedPayloadConverter is the converter of the last connection (the SDK's default before any).
func describedPayloadConverter() converter.DataConverter {
	if dc := describedPayloads.Load(); dc != nil {
		return *dc
	}
	return converter.GetDefaultDataConverter()
}
