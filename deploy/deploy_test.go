// Package deploy_test checks the deployment files: the Kubernetes kustomization renders (with the
// kustomize library, and with kubectl when it is installed) into pods that pass the "restricted"
// Pod Security Standard, and every environment variable the manifests, the compose file and the
// image set is one the product reads, so configuration and deployment cannot drift apart.
package deploy_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
	"go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/cartrover-cb/ordermanager/config"
	"github.com/cartrover-cb/ordermanager/settings"
	"github.com/cartrover-cb/ordermanager/starter/command"
)

// k8sObject is the part of a rendered manifest these tests read.
type k8sObject struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec struct {
		Template struct {
			Spec podSpec `yaml:"spec"`
		} `yaml:"template"`
		MaxUnavailable             any    `yaml:"maxUnavailable"`
		MinAvailable               any    `yaml:"minAvailable"`
		UnhealthyPodEvictionPolicy string `yaml:"unhealthyPodEvictionPolicy"`
	} `yaml:"spec"`
}

type podSpec struct {
	SecurityContext struct {
		RunAsNonRoot   *bool `yaml:"runAsNonRoot"`
		RunAsUser      *int  `yaml:"runAsUser"`
		SeccompProfile struct {
			Type string `yaml:"type"`
		} `yaml:"seccompProfile"`
	} `yaml:"securityContext"`
	InitContainers            []container `yaml:"initContainers"`
	Containers                []container `yaml:"containers"`
	TopologySpreadConstraints []struct {
		TopologyKey string `yaml:"topologyKey"`
	} `yaml:"topologySpreadConstraints"`
}

type container struct {
	Name  string `yaml:"name"`
	Image string `yaml:"image"`
	Env   []struct {
		Name      string `yaml:"name"`
		ValueFrom struct {
			ResourceFieldRef struct {
				Resource string `yaml:"resource"`
			} `yaml:"resourceFieldRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	EnvFrom []struct {
		ConfigMapRef *struct {
			Name string `yaml:"name"`
		} `yaml:"configMapRef"`
		SecretRef *struct {
			Name string `yaml:"name"`
		} `yaml:"secretRef"`
	} `yaml:"envFrom"`
	SecurityContext struct {
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
		RunAsNonRoot             *bool `yaml:"runAsNonRoot"`
		Capabilities             struct {
			Drop []string `yaml:"drop"`
		} `yaml:"capabilities"`
	} `yaml:"securityContext"`
}

// render renders deploy/k8s with the kustomize library (what `kubectl kustomize` embeds).
func render(t *testing.T) []k8sObject {
	t.Helper()
	rm, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), "k8s")
	if err != nil {
		t.Fatalf("kustomize build deploy/k8s: %v", err)
	}
	var out []k8sObject
	for _, r := range rm.Resources() {
		b, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		var o k8sObject
		if err := yaml.Unmarshal(b, &o); err != nil {
			t.Fatalf("decode rendered %s: %v", r.CurId(), err)
		}
		out = append(out, o)
	}
	return out
}

func TestKustomizationRenders(t *testing.T) {
	objs := render(t)
	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, o.Kind+"/"+o.Metadata.Name)
	}
	sort.Strings(kinds)
	for _, want := range []string{"Deployment/ordermanager-worker", "PodDisruptionBudget/ordermanager-worker", "Namespace/ordermanager"} {
		if !contains(kinds, want) {
			t.Errorf("deploy/k8s renders %v, missing %s", kinds, want)
		}
	}
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Log("kubectl is not installed: deploy/k8s was rendered with the kustomize library only")
		return
	}
	out, err := exec.Command(kubectl, "kustomize", "k8s").CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl kustomize deploy/k8s: %v\n%s", err, out)
	}
	var fromKubectl []string
	dec := yaml.NewDecoder(strings.NewReader(string(out)))
	for {
		var o k8sObject
		if err := dec.Decode(&o); err != nil {
			break
		}
		fromKubectl = append(fromKubectl, o.Kind+"/"+o.Metadata.Name)
	}
	sort.Strings(fromKubectl)
	if !reflect.DeepEqual(kinds, fromKubectl) {
		t.Errorf("kubectl kustomize renders %v, the kustomize library %v", fromKubectl, kinds)
	}
}

// TestPodsPassRestrictedPodSecurity checks every pod template against the "restricted" Pod Security
// Standard and the image, memory and spread settings.
func TestPodsPassRestrictedPodSecurity(t *testing.T) {
	objs := render(t)
	image := kustomizationImage(t)
	pods := 0
	for _, o := range objs {
		switch o.Kind {
		case "Namespace":
			if o.Metadata.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
				t.Errorf("namespace %s does not enforce the restricted Pod Security Standard", o.Metadata.Name)
			}
			continue
		case "PodDisruptionBudget":
			if o.Spec.UnhealthyPodEvictionPolicy != "AlwaysAllow" {
				t.Errorf("PDB %s: unhealthyPodEvictionPolicy %q; want AlwaysAllow so that workers that are not ready (Temporal down) never block a drain", o.Metadata.Name, o.Spec.UnhealthyPodEvictionPolicy)
			}
			if o.Spec.MinAvailable != nil || o.Spec.MaxUnavailable == nil {
				t.Errorf("PDB %s: use maxUnavailable (minAvailable blocks every eviction when the other replicas are down)", o.Metadata.Name)
			}
			continue
		case "Deployment", "StatefulSet", "DaemonSet", "Job":
		default:
			continue
		}
		pods++
		ps := o.Spec.Template.Spec
		where := o.Kind + "/" + o.Metadata.Name
		sc := ps.SecurityContext
		if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
			t.Errorf("%s: the pod must set runAsNonRoot: true and a numeric non-zero runAsUser (the image's user is numeric, but the kubelet checks the pod)", where)
		}
		if sc.SeccompProfile.Type != "RuntimeDefault" {
			t.Errorf("%s: seccompProfile %q, want RuntimeDefault", where, sc.SeccompProfile.Type)
		}
		if o.Kind == "Deployment" && len(ps.TopologySpreadConstraints) == 0 {
			t.Errorf("%s: no topologySpreadConstraints: replicas may land on one node", where)
		}
		for _, c := range append(append([]container{}, ps.InitContainers...), ps.Containers...) {
			cw := where + " container " + c.Name
			s := c.SecurityContext
			if s.AllowPrivilegeEscalation == nil || *s.AllowPrivilegeEscalation {
				t.Errorf("%s: allowPrivilegeEscalation must be false", cw)
			}
			if s.ReadOnlyRootFilesystem == nil || !*s.ReadOnlyRootFilesystem {
				t.Errorf("%s: readOnlyRootFilesystem must be true", cw)
			}
			if len(s.Capabilities.Drop) != 1 || s.Capabilities.Drop[0] != "ALL" {
				t.Errorf("%s: capabilities must drop ALL, got %v", cw, s.Capabilities.Drop)
			}
			if c.Image != image {
				t.Errorf("%s: image %q, want %q from the kustomization's images: (set the image once there)", cw, c.Image, image)
			}
		}
		for _, c := range ps.Containers {
			found := false
			for _, e := range c.Env {
				if e.Name == "GOMEMLIMIT" && e.ValueFrom.ResourceFieldRef.Resource == "limits.memory" {
					found = true
				}
			}
			if !found {
				t.Errorf("%s container %s: GOMEMLIMIT must come from limits.memory (resourceFieldRef)", where, c.Name)
			}
		}
	}
	if pods == 0 {
		t.Fatal("deploy/k8s renders no pod")
	}
}

// kustomizationImage is the image the kustomization's images: entry sets, as name:tag or name@digest.
func kustomizationImage(t *testing.T) string {
	t.Helper()
	var k struct {
		Images []struct {
			Name    string `yaml:"name"`
			NewName string `yaml:"newName"`
			NewTag  string `yaml:"newTag"`
			Digest  string `yaml:"digest"`
		} `yaml:"images"`
	}
	readYAML(t, "k8s/kustomization.yaml", &k)
	if len(k.Images) != 1 || k.Images[0].NewName == "" || (k.Images[0].NewTag == "" && k.Images[0].Digest == "") || k.Images[0].NewTag == "latest" {
		t.Fatalf("deploy/k8s/kustomization.yaml must set the image once: one images: entry with newName and a release newTag (not latest) or digest; got %+v", k.Images)
	}
	if d := k.Images[0].Digest; d != "" {
		return k.Images[0].NewName + "@" + d
	}
	return k.Images[0].NewName + ":" + k.Images[0].NewTag
}

// TestSettingsConfigMapIsValid: the settings the kustomization generates pass the settings checks.
func TestSettingsConfigMapIsValid(t *testing.T) {
	for _, o := range render(t) {
		if o.Kind == "ConfigMap" && strings.HasPrefix(o.Metadata.Name, "ordermanager-settings") {
			if _, err := settings.Parse([]byte(o.Data["settings.yaml"])); err != nil {
				t.Fatalf("deploy/k8s/settings.yaml: %v", err)
			}
			return
		}
	}
	t.Fatal("deploy/k8s renders no ordermanager-settings ConfigMap")
}

// knownEnv returns every environment variable the product reads: the env tags of the worker's
// configuration (by reflection, so a renamed variable shows up here) and the variables behind the
// starter's flags; plus the Go runtime's own.
func knownEnv(t *testing.T) (known map[string]bool, requiredByWorker []string) {
	t.Helper()
	known = map[string]bool{"GOMEMLIMIT": true, "GOMAXPROCS": true}
	var walk func(reflect.Type)
	walk = func(rt reflect.Type) {
		for i := range rt.NumField() {
			f := rt.Field(i)
			if tag := f.Tag.Get("env"); tag != "" {
				name, opts, _ := strings.Cut(tag, ",")
				known[name] = true
				if strings.Contains(opts, "required") {
					requiredByWorker = append(requiredByWorker, name)
				}
				continue
			}
			if f.Type.Kind() == reflect.Struct {
				walk(f.Type)
			}
		}
	}
	walk(reflect.TypeFor[config.Worker]())
	var flags func([]cli.Flag, []*cli.Command)
	flags = func(fs []cli.Flag, cmds []*cli.Command) {
		for _, f := range fs {
			if ev, ok := f.(interface{ GetEnvVars() []string }); ok {
				for _, n := range ev.GetEnvVars() {
					known[n] = true
				}
			}
		}
		for _, c := range cmds {
			flags(c.Flags, c.Subcommands)
		}
	}
	app := command.App(&command.Env{})
	flags(app.Flags, app.Commands)
	if len(known) < 10 || len(requiredByWorker) == 0 {
		t.Fatalf("found only %d known variables and %d required ones: the reflection walk is broken", len(known), len(requiredByWorker))
	}
	return known, requiredByWorker
}

// TestEnvNamesMatchTheConfiguration: every variable the manifests, the compose file and the image
// set for the product's containers is one the product reads, and the workers get every required one.
func TestEnvNamesMatchTheConfiguration(t *testing.T) {
	known, required := knownEnv(t)
	check := func(where string, names []string) {
		for _, n := range names {
			if !known[n] {
				t.Errorf("%s sets %s, which neither the worker's configuration nor the starter reads (renamed or misspelt?)", where, n)
			}
		}
	}
	has := func(names []string, n string) bool { return contains(names, n) }

	// Kubernetes: env entries, the generated env ConfigMap and the credentials Secret's keys.
	objs := render(t)
	configMaps := map[string][]string{}
	for _, o := range objs {
		if o.Kind == "ConfigMap" {
			for k := range o.Data {
				configMaps[o.Metadata.Name] = append(configMaps[o.Metadata.Name], k)
			}
		}
	}
	secretKeys := envFileKeys(t, "k8s/credentials.env.example")
	check("deploy/k8s/credentials.env.example", secretKeys)
	for _, o := range objs {
		ps := o.Spec.Template.Spec
		for _, c := range append(append([]container{}, ps.InitContainers...), ps.Containers...) {
			where := "deploy/k8s " + o.Kind + "/" + o.Metadata.Name + " container " + c.Name
			var names []string
			for _, e := range c.Env {
				names = append(names, e.Name)
			}
			for _, ef := range c.EnvFrom {
				switch {
				case ef.ConfigMapRef != nil:
					keys, ok := configMaps[ef.ConfigMapRef.Name]
					if !ok {
						t.Errorf("%s: envFrom ConfigMap %s is not in the kustomization", where, ef.ConfigMapRef.Name)
					}
					names = append(names, keys...)
				case ef.SecretRef != nil:
					names = append(names, secretKeys...)
				}
			}
			check(where, names)
			if c.Name == "worker" {
				for _, r := range required {
					if !has(names, r) {
						t.Errorf("%s: required %s is set nowhere (env, ConfigMap or credentials Secret)", where, r)
					}
				}
			}
		}
	}

	// Compose: the services that run the product's image.
	var compose struct {
		Services map[string]struct {
			Image       string         `yaml:"image"`
			Environment map[string]any `yaml:"environment"`
		} `yaml:"services"`
	}
	readYAML(t, "docker-compose.yaml", &compose)
	example := envFileKeys(t, "env.example")
	interp := regexp.MustCompile(`\$\{([A-Z_][A-Z0-9_]*)`)
	raw, err := os.ReadFile("docker-compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range interp.FindAllStringSubmatch(string(raw), -1) {
		if !has(example, m[1]) {
			t.Errorf("deploy/docker-compose.yaml uses ${%s}, which deploy/env.example does not list", m[1])
		}
	}
	workers := 0
	for name, svc := range compose.Services {
		if !strings.HasPrefix(svc.Image, "ordermanager:") {
			continue
		}
		var names []string
		for k := range svc.Environment {
			names = append(names, k)
		}
		check("deploy/docker-compose.yaml service "+name, names)
		if name == "worker" {
			workers++
			for _, r := range required {
				if !has(names, r) {
					t.Errorf("deploy/docker-compose.yaml worker: required %s is not set", r)
				}
			}
		}
	}
	if workers != 1 {
		t.Errorf("deploy/docker-compose.yaml has %d worker services running the ordermanager image, want 1", workers)
	}

	// The image.
	df, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var imageEnv []string
	for _, m := range regexp.MustCompile(`(?m)^ENV\s+([A-Z_][A-Z0-9_]*)=`).FindAllStringSubmatch(string(df), -1) {
		imageEnv = append(imageEnv, m[1])
	}
	check("deploy/Dockerfile", imageEnv)
	if !has(imageEnv, "METRICS_ADDR") {
		t.Error("deploy/Dockerfile must set METRICS_ADDR=0.0.0.0:9464: the default listens on loopback, unreachable from outside the container")
	}
}

// envFileKeys returns the variable names of an env file, commented-out examples included.
func envFileKeys(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	re := regexp.MustCompile(`^#?\s*([A-Z_][A-Z0-9_]*)=`)
	var keys []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			keys = append(keys, m[1])
		}
	}
	if len(keys) == 0 {
		t.Fatalf("%s lists no variables", path)
	}
	return keys
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestComposeAndImagesArePinnedAndPrivate: compose publishes ports on loopback only, runs no
// development image, orders its one-shot jobs before what needs them, and every base or service
// image names an exact version (or a digest).
func TestComposeAndImagesArePinnedAndPrivate(t *testing.T) {
	var compose struct {
		Services map[string]struct {
			Image     string         `yaml:"image"`
			Build     any            `yaml:"build"`
			Ports     []string       `yaml:"ports"`
			DependsOn map[string]any `yaml:"depends_on"`
			Profiles  []string       `yaml:"profiles"`
		} `yaml:"services"`
	}
	readYAML(t, "docker-compose.yaml", &compose)
	// PostgreSQL releases are major.minor; everything else here is major.minor.patch.
	exact := regexp.MustCompile(`(:\d+\.\d+\.\d+[^/]*|^postgres:\d+\.\d+(-[a-z]+)?|@sha256:[0-9a-f]{64})$`)
	for name, svc := range compose.Services {
		for _, p := range svc.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") {
				t.Errorf("compose service %s publishes %q on every interface: prefix it with 127.0.0.1:", name, p)
			}
		}
		if strings.Contains(svc.Image, "auto-setup") {
			t.Errorf("compose service %s uses %s, a development-only image", name, svc.Image)
		}
		if svc.Build == nil && !exact.MatchString(svc.Image) {
			t.Errorf("compose service %s: image %q is not pinned to an exact version or digest", name, svc.Image)
		}
	}
	completed := func(svc, dep string) {
		d, ok := compose.Services[svc].DependsOn[dep].(map[string]any)
		if !ok || d["condition"] != "service_completed_successfully" {
			t.Errorf("compose service %s must wait for %s to complete successfully", svc, dep)
		}
	}
	completed("temporal", "temporal-schema")
	completed("worker", "setup")
	completed("schedules-orders", "setup")
	if p := compose.Services["sandbox"].Profiles; len(p) != 1 || p[0] != "sandbox" {
		t.Errorf("compose service sandbox has profiles %v, want [sandbox]", p)
	}
	for _, df := range []string{"Dockerfile", "temporal/Dockerfile"} {
		b, err := os.ReadFile(df)
		if err != nil {
			t.Fatal(err)
		}
		args := map[string]string{}
		for _, m := range regexp.MustCompile(`(?m)^ARG\s+([A-Z_]+)=(\S+)`).FindAllStringSubmatch(string(b), -1) {
			args[m[1]] = m[2]
		}
		for _, m := range regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(string(b), -1) {
			img := m[1]
			if strings.HasPrefix(img, "${") {
				img = args[strings.Trim(img, "${}")]
			}
			if img != "scratch" && !exact.MatchString(img) {
				t.Errorf("deploy/%s: base image %q is not pinned to an exact version or digest", df, img)
			}
		}
	}
}
