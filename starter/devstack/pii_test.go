package devstack_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/proxy"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/cartrover-cb/ordermanager/codec"
	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/internal/temporaltest"
	"github.com/cartrover-cb/ordermanager/sandbox/cartroversim"
	"github.com/cartrover-cb/ordermanager/sandbox/cbsim"
	"github.com/cartrover-cb/ordermanager/starter/command"
	"github.com/cartrover-cb/ordermanager/starter/devstack"
	"github.com/cartrover-cb/ordermanager/workflows"
)

// TestCustomerDataIsEncryptedInTemporalAndReadableOnlyThroughTheCodecServer runs `make run`
// (seeded orders, some held), then reads every history of the namespace raw — inputs, results,
// memos, search attributes, failures, signals, updates: every event, every byte — and the
// worker's log, and finds no e-mail, phone, street or name of any simulated shopper and no secret.
// The same histories decode through the codec server with its token (the shoppers' data is
// there) and not without. Then the keys rotate (a new key first, the old one kept), new orders
// arrive, and every order of both generations still decodes.
func TestCustomerDataIsEncryptedInTemporalAndReadableOnlyThroughTheCodecServer(t *testing.T) {
	out := &syncWriter{}
	dir := t.TempDir()
	o := testOptions(t, dir, out)
	o.SeedOrders = 10
	o.ShipDelay = 2 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	s, err := devstack.Start(ctx, o)
	if err != nil {
		t.Fatalf("start: %v\n%s", err, out)
	}
	closeFirst := sync.OnceValue(s.Close)
	defer func() { _ = closeFirst() }()
	seeded := append([]string(nil), s.Sandbox.Seeded...)
	waitForImports(t, ctx, s, seeded, out)

	raw := dial(t, o.TemporalAddr, nil)
	pii := shopperData(t, s.Sandbox.CartRover, seeded)
	secrets := devSecrets(t, s)

	// 1. Nothing readable in the raw histories, visibility records or the worker's log.
	hs := namespaceHistories(t, ctx, raw)
	if len(hs) < len(seeded) {
		t.Fatalf("found %d executions, want at least one per seeded order (%d)", len(hs), len(seeded))
	}
	for _, h := range hs {
		scan(t, "history of "+h.id, h.bytes(t), pii, secrets)
	}
	workerLog, err := os.ReadFile(filepath.Join(dir, "logs", "worker.log"))
	if err != nil || len(workerLog) == 0 {
		t.Fatalf("read the worker log: %v (%d bytes)", err, len(workerLog))
	}
	scan(t, "worker log", workerLog, pii, secrets)

	// 2. The codec server decodes the same histories with the token, and refuses without it.
	var imported string
	for _, ref := range seeded {
		if len(s.Sandbox.CB.SalesOrdersByPOCode(ref)) > 0 {
			imported = ref
			break
		}
	}
	order, _ := s.Sandbox.CartRover.Order(imported)
	withToken := dial(t, o.TemporalAddr, remoteCodec(s.CodecURL, "Bearer "+s.CodecToken))
	decoded := historyBytes(t, ctx, withToken, workflows.ImportOrderWorkflowID(imported))
	if !bytes.Contains(decoded, []byte(order.ShipEmail)) || !bytes.Contains(decoded, []byte(order.ShipAddress1)) {
		t.Errorf("order %s decoded through the codec server lacks its shopper's e-mail and street", imported)
	}
	for name, auth := range map[string]string{"no token": "", "a wrong token": "Bearer wrong-token-0123456789abcdef"} {
		noToken := dial(t, o.TemporalAddr, remoteCodec(s.CodecURL, auth))
		_, err := noToken.WorkflowService().GetWorkflowExecutionHistory(ctx, &workflowservice.GetWorkflowExecutionHistoryRequest{
			Namespace: "default", Execution: &commonpb.WorkflowExecution{WorkflowId: workflows.ImportOrderWorkflowID(imported)}})
		if err == nil || !strings.Contains(err.Error(), "Unauthorized") {
			t.Errorf("history through the codec server with %s: %v, want Unauthorized", name, err)
		}
	}
	// The Temporal CLI, wired as the README shows.
	cliOut := temporalCLI(t, "workflow", "show", "--address", o.TemporalAddr, "--workflow-id", workflows.ImportOrderWorkflowID(imported),
		"--codec-endpoint", s.CodecURL, "--codec-auth", "Bearer "+s.CodecToken, "-o", "json")
	if !strings.Contains(payloadData(cliOut), order.ShipEmail) {
		t.Errorf("temporal workflow show --codec-endpoint: the order's e-mail is not in the output:\n%.3000s", cliOut)
	}
	cliRaw := temporalCLI(t, "workflow", "show", "--address", o.TemporalAddr, "--workflow-id", workflows.ImportOrderWorkflowID(imported), "-o", "json")
	if strings.Contains(payloadData(cliRaw), order.ShipEmail) || !strings.Contains(cliRaw, base64.StdEncoding.EncodeToString([]byte(codec.EncodingEncrypted))) {
		t.Errorf("temporal workflow show without the codec: want encrypted payloads only:\n%.3000s", cliRaw)
	}

	// 3. Rotate: a new key first, the old one kept to decrypt; restart; new orders arrive.
	if err := closeFirst(); err != nil {
		t.Fatalf("close: %v", err)
	}
	old, err := os.ReadFile(s.PayloadKeysFile)
	if err != nil {
		t.Fatal(err)
	}
	line, err := codec.NewKeyLine("dev-2")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.PayloadKeysFile, append([]byte(line+"\n"), old...), 0o600); err != nil {
		t.Fatal(err)
	}
	s2, err := devstack.Start(ctx, o)
	if err != nil {
		t.Fatalf("restart with rotated keys: %v\n%s", err, out)
	}
	defer func() { _ = s2.Close() }()
	fresh := s2.Sandbox.CartRover.Generate(3, 1.0/3) // one of them held: its failure is scanned too
	var trig bytes.Buffer
	if err := command.Run(ctx, []string{"starter", "--address", o.TemporalAddr, "--payload-keys-file", s2.PayloadKeysFile,
		"schedule", "trigger", devstack.DefaultSchedules[0].ID}, command.Env{Stdout: &trig, Stderr: &trig}); err != nil {
		t.Fatalf("trigger: %v\n%s", err, trig.String())
	}
	waitForImports(t, ctx, s2, fresh, out)

	keys, err := os.ReadFile(s2.PayloadKeysFile)
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := config.Codec{Keys: config.Secret(keys)}.Codec()
	if err != nil {
		t.Fatal(err)
	}
	byKey, plain := map[string]int{}, map[string]int{}
	for _, h := range namespaceHistories(t, ctx, raw) {
		for _, p := range h.payloads(t) {
			if _, err := rotated.Decode([]*commonpb.Payload{p.Payload}); err != nil {
				t.Errorf("after rotation, a payload of %s does not decode: %v", h.id, err)
			}
			if p.parent == "*common.Header" {
				continue // trace context the tracing interceptor writes itself: no customer data (scanned above)
			}
			id := string(p.Metadata[codec.MetadataKeyID])
			byKey[id]++
			if id == "" {
				plain[fmt.Sprintf("%s %s %.80q", p.parent, p.Metadata["encoding"], p.Data)]++
			}
		}
		scan(t, "history of "+h.id+" after rotation", h.bytes(t), shopperData(t, s2.Sandbox.CartRover, fresh), secrets)
	}
	t.Logf("payloads by key after rotation: %v", byKey)
	logHistorySizes(t, namespaceHistories(t, ctx, raw), rotated)
	if byKey["dev-1"] == 0 || byKey["dev-2"] == 0 {
		t.Errorf("payloads by key = %v, want some under the old key dev-1 and some under the new key dev-2", byKey)
	}
	if byKey[""] > 0 {
		t.Errorf("%d payloads are not encrypted: %v", byKey[""], plain)
	}
	withToken2 := dial(t, o.TemporalAddr, remoteCodec(s2.CodecURL, "Bearer "+s2.CodecToken))
	for _, ref := range append(seeded, fresh...) {
		o, _ := s2.Sandbox.CartRover.Order(ref)
		b := historyBytes(t, ctx, withToken2, workflows.ImportOrderWorkflowID(ref))
		if !bytes.Contains(b, []byte(ref)) || (o.ShipEmail != "" && !bytes.Contains(b, []byte(o.ShipEmail))) {
			t.Errorf("order %s is not readable through the codec server after the rotation", ref)
		}
	}
}

// waitForImports waits until every one of refs is in CB, or still new in CartRover when the
// simulator generated it to be held (an unknown SKU, an unmapped ship code, no street).
func waitForImports(t *testing.T, ctx context.Context, s *devstack.Stack, refs []string, out *syncWriter) {
	t.Helper()
	for {
		settled := 0
		for _, ref := range refs {
			if len(s.Sandbox.CB.SalesOrdersByPOCode(ref)) > 0 {
				settled++
			} else if s.Sandbox.CartRover.HeldReason(ref) != "" && workflowClosed(ctx, s, ref) {
				settled++
			}
		}
		if settled == len(refs) {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("only %d of %d orders were imported or held:\n%s", settled, len(refs), out)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// workflowClosed reports whether the order's workflow has reached a held or final state: its
// search attributes say held, or it is closed.
func workflowClosed(ctx context.Context, s *devstack.Stack, ref string) bool {
	c, err := client.Dial(client.Options{HostPort: s.TemporalAddr(), Logger: quiet{}})
	if err != nil {
		return false
	}
	defer c.Close()
	d, err := c.DescribeWorkflowExecution(ctx, workflows.ImportOrderWorkflowID(ref), "")
	if err != nil {
		return false
	}
	if d.WorkflowExecutionInfo.GetCloseTime() != nil {
		return true
	}
	for _, p := range d.WorkflowExecutionInfo.GetSearchAttributes().GetIndexedFields() {
		if strings.Contains(string(p.Data), "held") {
			return true
		}
	}
	return false
}

// shopperData lists what identifies the shoppers of refs: e-mails, phones, streets, names, companies.
func shopperData(t *testing.T, sim *cartroversim.Server, refs []string) []string {
	t.Helper()
	seen := map[string]bool{}
	var out []string
	add := func(v string, minLen int) {
		v = strings.TrimSpace(v)
		if len(v) < minLen || seen[v] {
			return
		}
		seen[v] = true
		out = append(out, v)
		if b, _ := json.Marshal(v); string(b[1:len(b)-1]) != v { // JSON-escaped form, e.g. "Brown \u0026 Daughters"
			out = append(out, string(b[1:len(b)-1]))
		}
	}
	for _, ref := range refs {
		o, ok := sim.Order(ref)
		if !ok {
			t.Fatalf("the simulator does not know order %s", ref)
		}
		for _, v := range []string{o.CustEmail, o.ShipEmail, o.CustPhone, o.ShipPhone, o.CustAddress1, o.ShipAddress1, o.CustCompany, o.ShipCompany} {
			add(v, 5)
		}
		add(o.CustFirstName+" "+o.CustLastName, 5)
		add(o.ShipFirstName+" "+o.ShipLastName, 5)
		add(o.ShipLastName, 5)
		add(o.CustLastName, 5)
	}
	if len(out) < 10 {
		t.Fatalf("only %d identifying values among %d orders: %v", len(out), len(refs), out)
	}
	return out
}

// devSecrets are the values no history or log may hold: the sandbox credentials, the payload
// key material and the codec token.
func devSecrets(t *testing.T, s *devstack.Stack) []string {
	t.Helper()
	keys, err := os.ReadFile(s.PayloadKeysFile)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{cartroversim.DefaultAPIKey, cbsim.DefaultPassword, s.CodecToken}
	for _, line := range strings.Split(string(keys), "\n") {
		if _, material, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			out = append(out, material)
		}
	}
	return out
}

func scan(t *testing.T, what string, b []byte, pii, secrets []string) {
	t.Helper()
	for _, v := range pii {
		if bytes.Contains(b, []byte(v)) {
			t.Errorf("%s holds the shopper data %q", what, v)
		}
	}
	for _, v := range secrets {
		if bytes.Contains(b, []byte(v)) {
			t.Errorf("%s holds a secret (%d characters)", what, len(v))
		}
	}
}

// execution is one workflow execution: its visibility record and its whole history.
type execution struct {
	id      string
	info    *workflowpb.WorkflowExecutionInfo
	history *historypb.History
}

// bytes is everything Temporal stores of the execution, as protobuf and as JSON.
func (e execution) bytes(t *testing.T) []byte {
	t.Helper()
	var out []byte
	for _, m := range []proto.Message{e.info, e.history} {
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		j, err := protojson.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		out = append(append(out, b...), j...)
	}
	return append(out, e.id...)
}

// payloads are every payload of the history except search attributes (which are never encoded),
// each with the type of the message that holds it.
func (e execution) payloads(t *testing.T) []heldPayload {
	t.Helper()
	var out []heldPayload
	err := proxy.VisitPayloads(context.Background(), e.history, proxy.VisitPayloadsOptions{
		SkipSearchAttributes: true,
		Visitor: func(vc *proxy.VisitPayloadsContext, ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
			for _, p := range ps {
				out = append(out, heldPayload{p, fmt.Sprintf("%T", vc.Parent)})
			}
			return ps, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// logHistorySizes reports the mean stored size of an order's history (the order workflows'
// events, as protobuf) three ways, side by side from the same events: decoded (what it was
// before the codec), as stored (AES-GCM), and re-encoded with compression before encryption.
func logHistorySizes(t *testing.T, hs []execution, c *codec.Codec) {
	t.Helper()
	zc, err := codec.New(c.Keyring(), codec.Options{Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	var orders, stored, decoded, compressed int
	for _, h := range hs {
		if !strings.HasPrefix(h.id, workflows.ImportOrderWorkflowID("")) {
			continue
		}
		orders++
		stored += proto.Size(h.history)
		for _, re := range []struct {
			total *int
			f     func([]*commonpb.Payload) ([]*commonpb.Payload, error)
		}{
			{&decoded, c.Decode},
			{&compressed, func(ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
				d, err := c.Decode(ps)
				if err != nil {
					return nil, err
				}
				return zc.Encode(d)
			}},
		} {
			cp := proto.Clone(h.history)
			if err := proxy.VisitPayloads(context.Background(), cp, proxy.VisitPayloadsOptions{
				SkipSearchAttributes: true,
				Visitor: func(_ *proxy.VisitPayloadsContext, ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
					return re.f(ps)
				},
			}); err != nil {
				t.Fatal(err)
			}
			*re.total += proto.Size(cp)
		}
	}
	if orders == 0 {
		t.Fatal("no order workflow to measure")
	}
	t.Logf("history bytes per order (mean of %d): without the codec %d; AES-GCM, as stored %d (%.2fx); zlib then AES-GCM %d (%.2fx)",
		orders, decoded/orders, stored/orders, float64(stored)/float64(decoded), compressed/orders, float64(compressed)/float64(decoded))
}

type heldPayload struct {
	*commonpb.Payload
	parent string
}

// namespaceHistories reads every execution of the namespace (all runs, open and closed).
func namespaceHistories(t *testing.T, ctx context.Context, c client.Client) []execution {
	t.Helper()
	var out []execution
	var token []byte
	for {
		resp, err := c.WorkflowService().ListWorkflowExecutions(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: "default", PageSize: 1000, NextPageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, info := range resp.Executions {
			h := &historypb.History{}
			var ht []byte
			for {
				hr, err := c.WorkflowService().GetWorkflowExecutionHistory(ctx, &workflowservice.GetWorkflowExecutionHistoryRequest{
					Namespace: "default", Execution: info.Execution, NextPageToken: ht})
				if err != nil {
					t.Fatalf("history of %s: %v", info.Execution.WorkflowId, err)
				}
				h.Events = append(h.Events, hr.History.GetEvents()...)
				if ht = hr.NextPageToken; len(ht) == 0 {
					break
				}
			}
			out = append(out, execution{id: info.Execution.WorkflowId, info: info, history: h})
		}
		if token = resp.NextPageToken; len(token) == 0 {
			return out
		}
	}
}

// historyBytes is the JSON of the latest run of workflowID's history, as c returns it.
func historyBytes(t *testing.T, ctx context.Context, c client.Client, workflowID string) []byte {
	t.Helper()
	var buf bytes.Buffer
	var token []byte
	for {
		hr, err := c.WorkflowService().GetWorkflowExecutionHistory(ctx, &workflowservice.GetWorkflowExecutionHistoryRequest{
			Namespace: "default", Execution: &commonpb.WorkflowExecution{WorkflowId: workflowID}, NextPageToken: token})
		if err != nil {
			t.Fatalf("history of %s: %v", workflowID, err)
		}
		for _, ev := range hr.History.GetEvents() {
			for _, p := range payloadsOf(t, ev) {
				buf.Write(p.Data)
			}
		}
		if token = hr.NextPageToken; len(token) == 0 {
			return buf.Bytes()
		}
	}
}

func payloadsOf(t *testing.T, m proto.Message) []*commonpb.Payload {
	t.Helper()
	var out []*commonpb.Payload
	if err := proxy.VisitPayloads(context.Background(), m, proxy.VisitPayloadsOptions{
		Visitor: func(_ *proxy.VisitPayloadsContext, ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
			out = append(out, ps...)
			return ps, nil
		},
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// remoteCodec decodes through the codec server, as the temporal CLI's --codec-endpoint does.
func remoteCodec(url, auth string) converter.PayloadCodec {
	return converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{
		Endpoint: url,
		ModifyRequest: func(r *http.Request) error {
			if auth != "" {
				r.Header.Set("Authorization", auth)
			}
			return nil
		},
	})
}

// dial returns a client of the dev server whose answers pass through pc (nil: raw answers).
func dial(t *testing.T, hostPort string, pc converter.PayloadCodec) client.Client {
	t.Helper()
	opts := client.Options{HostPort: hostPort, Namespace: "default", Logger: quiet{}}
	if pc != nil {
		ic, err := converter.NewPayloadCodecGRPCClientInterceptor(converter.PayloadCodecGRPCClientInterceptorOptions{Codecs: []converter.PayloadCodec{pc}})
		if err != nil {
			t.Fatal(err)
		}
		opts.ConnectionOptions.DialOptions = []grpc.DialOption{grpc.WithChainUnaryInterceptor(ic)}
	}
	c, err := client.NewLazyClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// temporalCLI runs ./bin/temporal and returns its output; a failure fails the test.
func temporalCLI(t *testing.T, args ...string) string {
	t.Helper()
	bin, err := temporaltest.CLIPath()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("temporal %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// payloadData is the decoded "data" of every payload in the CLI's JSON output (base64 there).
func payloadData(out string) string {
	var b strings.Builder
	for _, m := range regexp.MustCompile(`"data":\s*"([A-Za-z0-9+/=]+)"`).FindAllStringSubmatch(out, -1) {
		if d, err := base64.StdEncoding.DecodeString(m[1]); err == nil {
			b.Write(d)
		}
	}
	return b.String()
}

type quiet struct{}

func (quiet) Debug(string, ...any) {}
func (quiet) Info(string, ...any)  {}
func (quiet) Warn(string, ...any)  {}
func (quiet) Error(string, ...any) {}
