package sandbox_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/cartrover-cb/ordermanager/sandbox"
)

func TestSandboxSeedsOnceAndKeepsItsStateAcrossARestart(t *testing.T) {
	dir := t.TempDir()
	opts := sandbox.Options{CartRoverAddr: "127.0.0.1:0", CBAddr: "127.0.0.1:0", SeedOrders: 3, StateDir: dir}

	ctx, cancel := context.WithCancel(context.Background())
	sb, err := sandbox.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(sb.Seeded) != 3 || len(sb.CartRover.Orders()) != 3 {
		t.Fatalf("seeded %d, holds %d orders", len(sb.Seeded), len(sb.CartRover.Orders()))
	}
	if !strings.HasPrefix(sb.CBURL, "http://127.0.0.1:") || !strings.HasSuffix(sb.CBURL, sandbox.CBBasePath) {
		t.Errorf("CB URL %q", sb.CBURL)
	}
	resp, err := http.Get(sb.CartRoverURL + "/")
	if err != nil {
		t.Fatalf("CartRover simulator not serving: %v", err)
	}
	resp.Body.Close()
	cancel()
	sb.Wait(ctx)

	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	sb2, err := sandbox.Start(ctx2, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Stop it (and let it save) before the state directory is removed.
	defer sb2.Wait(ctx2)
	defer cancel2()
	if len(sb2.Seeded) != 0 || len(sb2.CartRover.Orders()) != 3 {
		t.Errorf("after a restart: seeded %d more, holds %d orders (want 0 and 3)", len(sb2.Seeded), len(sb2.CartRover.Orders()))
	}
}

func TestSandboxRejectsNegativeFigures(t *testing.T) {
	for _, o := range []sandbox.Options{{SeedOrders: -1}, {OrdersPerMinute: -2}, {HeldShare: 1.5}} {
		o.CartRoverAddr, o.CBAddr = "127.0.0.1:0", "127.0.0.1:0"
		if _, err := sandbox.Start(context.Background(), o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}
