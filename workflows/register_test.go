package workflows_test

import (
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/cartrover-cb/ordermanager/workflows"
)

// Children are started by function reference; the SDK records the function's name as the child's
// workflow type. Histories (and the workers of the previous release) know the registered names, so
// each child function must carry exactly its registered name.
func TestChildWorkflowFunctionsCarryTheirRegisteredNames(t *testing.T) {
	children := map[string]any{
		workflows.ImportOrderName:    workflows.ImportOrder,
		workflows.CustomerLockName:   workflows.CustomerLock,
		workflows.ShipmentPickupName: workflows.ShipmentPickup,
		workflows.InventorySyncName:  workflows.InventorySync,
		workflows.ProductSyncName:    workflows.ProductSync,
	}
	for name, fn := range children {
		full := runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name()
		if got := full[strings.LastIndex(full, ".")+1:]; got != name {
			t.Errorf("workflow function %s is registered as %q: started by reference it would record type %q", full, name, got)
		}
	}
}
