// kubectl-neat is a test-only stand-in for the kubectl-neat plugin (github.com/itaysk/kubectl-neat), written from
// its documented behaviour: it takes one Kubernetes object (or a List of them) as `kubectl get -o yaml|json` prints
// it and removes what the server added: metadata bookkeeping, status, fields the server assigns (a Service's
// cluster IPs, a Pod's node), the service-account token volume that admission mounts, and fields that only repeat
// the API's defaults. What is left is the object as authored, which `kubectl apply` can create in another cluster.
//
// The real plugin finds defaults with Kubernetes' defaulting code; this one knows a fixed list of the common ones
// (see neatPodSpec, neatService, neatWorkload), enough for the benchmarks' Deployments, Services, ConfigMaps,
// ServiceAccounts and Istio config. Objects of other kinds (Istio's among them) lose only metadata and status.
//
// Installed on PATH as kubectl-neat it runs as `kubectl neat` (kubectl finds plugins on PATH), like the runbook's.
//
// Usage: kubectl neat [-f FILE|-] [-o yaml|json]   (stdin when -f is omitted; YAML output by default)
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

type object = map[string]interface{}

const usage = `Removes clutter from a Kubernetes object (kubectl get -o yaml|json output) so it reads, and applies, as authored.

Usage:
  kubectl neat [-f FILE] [-o yaml|json]

Flags:
  -f, --file string     file to neat, or - for stdin (default "-")
  -o, --output string   output format: yaml or json (default "yaml")
  -h, --help            this help
`

func main() {
	file, format, help, err := parseArgs(os.Args[1:])
	if help {
		fmt.Print(usage)
		return
	}
	if err == nil {
		err = run(file, format, os.Stdin, os.Stdout)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "kubectl-neat: %v\n", err)
		os.Exit(1)
	}
}

func parseArgs(args []string) (file, format string, help bool, err error) {
	file, format = "-", "yaml"
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := a, "", false
		if strings.HasPrefix(a, "--") {
			if eq := strings.IndexByte(a, '='); eq >= 0 {
				name, value, hasValue = a[:eq], a[eq+1:], true
			}
		} else if len(a) > 2 && (strings.HasPrefix(a, "-f") || strings.HasPrefix(a, "-o")) {
			name, value, hasValue = a[:2], strings.TrimPrefix(a[2:], "="), true
		}
		switch name {
		case "-h", "--help":
			return file, format, true, nil
		case "-f", "--file", "-o", "--output":
			if !hasValue {
				if i+1 >= len(args) {
					return file, format, false, fmt.Errorf("flag %s needs a value", name)
				}
				i++
				value = args[i]
			}
			if name == "-f" || name == "--file" {
				file = value
			} else {
				format = value
			}
		default:
			return file, format, false, fmt.Errorf("unknown argument %q (usage: kubectl neat [-f FILE|-] [-o yaml|json])", a)
		}
	}
	if format != "yaml" && format != "json" {
		return file, format, false, fmt.Errorf("unknown output format %q: use yaml or json", format)
	}
	return file, format, false, nil
}

func run(file, format string, stdin io.Reader, stdout io.Writer) error {
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return fmt.Errorf("cannot read the input: %v", err)
	}
	obj, err := readObject(data)
	if err != nil {
		return err
	}
	neat(obj)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if format == "json" {
		enc.SetIndent("", "    ")
	}
	if err := enc.Encode(obj); err != nil {
		return err
	}
	out := buf.Bytes()
	if format == "yaml" {
		if out, err = yaml.JSONToYAML(out); err != nil {
			return err
		}
	}
	_, err = stdout.Write(out)
	return err
}

var separator = regexp.MustCompile(`(?m)^---[ \t]*(#.*)?$`)

// readObject reads one YAML or JSON document (a stream with one non-empty document) holding a Kubernetes object.
func readObject(data []byte) (object, error) {
	var found []object
	for _, doc := range separator.Split(string(data), -1) {
		j, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			return nil, fmt.Errorf("cannot read the input as YAML or JSON: %v", err)
		}
		dec := json.NewDecoder(bytes.NewReader(j))
		dec.UseNumber()
		var v interface{}
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("cannot read the input as YAML or JSON: %v", err)
		}
		if v == nil {
			continue
		}
		o, ok := v.(object)
		if !ok {
			return nil, errors.New("the input is not a Kubernetes object (a mapping with apiVersion and kind)")
		}
		found = append(found, o)
	}
	switch {
	case len(found) == 0:
		return nil, errors.New("the input is empty: pipe one object, e.g. kubectl get deploy NAME -o yaml | kubectl neat")
	case len(found) > 1:
		return nil, fmt.Errorf("the input has %d documents; give one object, or a List", len(found))
	}
	if k, _ := found[0]["kind"].(string); k == "" {
		return nil, errors.New("the input is not a Kubernetes object: it has no kind")
	}
	return found[0], nil
}

// neat cleans one object in place; a List (kind List, or any *List with items) has each item cleaned.
func neat(o object) {
	kind, _ := o["kind"].(string)
	if items, ok := o["items"].([]interface{}); ok && strings.HasSuffix(kind, "List") {
		for _, it := range items {
			if m, ok := it.(object); ok {
				neat(m)
			}
		}
		if md, ok := o["metadata"].(object); ok {
			delete(md, "resourceVersion")
			delete(md, "selfLink")
			delete(md, "continue")
			if len(md) == 0 {
				delete(o, "metadata")
			}
		}
		return
	}
	if md, ok := o["metadata"].(object); ok {
		neatMetadata(md)
	}
	delete(o, "status")
	spec, _ := o["spec"].(object)
	if spec == nil {
		return
	}
	switch group(o) + "/" + kind {
	case "/Pod":
		delete(spec, "nodeName")
		neatPodSpec(spec)
	case "/Service":
		neatService(spec)
	case "/ReplicationController", "apps/ReplicaSet", "apps/Deployment", "apps/StatefulSet", "apps/DaemonSet", "batch/Job":
		neatWorkload(kind, spec)
	case "batch/CronJob":
		dropDefault(spec, "concurrencyPolicy", "Allow")
		dropDefault(spec, "suspend", false)
		dropDefault(spec, "successfulJobsHistoryLimit", 3)
		dropDefault(spec, "failedJobsHistoryLimit", 1)
		if jt, ok := spec["jobTemplate"].(object); ok {
			if md, ok := jt["metadata"].(object); ok {
				neatMetadata(md) // the server writes creationTimestamp: null here
				if len(md) == 0 {
					delete(jt, "metadata")
				}
			}
			if js, ok := jt["spec"].(object); ok {
				neatWorkload("Job", js)
			}
		}
	}
}

func group(o object) string {
	av, _ := o["apiVersion"].(string)
	if i := strings.LastIndexByte(av, '/'); i >= 0 {
		return av[:i]
	}
	return ""
}

// Annotations that only record how the object was written or rolled out.
var noiseAnnotations = []string{"kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/revision"}

func neatMetadata(md object) {
	for _, f := range []string{"managedFields", "uid", "resourceVersion", "creationTimestamp", "generation", "selfLink"} {
		delete(md, f)
	}
	if a, ok := md["annotations"].(object); ok {
		for _, k := range noiseAnnotations {
			delete(a, k)
		}
	}
	for _, f := range []string{"annotations", "labels"} {
		if v, ok := md[f]; ok && (v == nil || isEmptyMap(v)) {
			delete(md, f)
		}
	}
}

// neatWorkload cleans a controller's spec: its own defaults, then its pod template.
func neatWorkload(kind string, spec object) {
	switch kind {
	case "Deployment":
		dropDefault(spec, "progressDeadlineSeconds", 600)
		dropDefault(spec, "revisionHistoryLimit", 10)
		dropDefault(spec, "strategy", object{"type": "RollingUpdate", "rollingUpdate": object{"maxSurge": "25%", "maxUnavailable": "25%"}})
	case "StatefulSet":
		dropDefault(spec, "revisionHistoryLimit", 10)
		dropDefault(spec, "podManagementPolicy", "OrderedReady")
		dropDefault(spec, "updateStrategy", object{"type": "RollingUpdate", "rollingUpdate": object{"partition": 0}})
		dropDefault(spec, "persistentVolumeClaimRetentionPolicy", object{"whenDeleted": "Retain", "whenScaled": "Retain"})
		if vcts, ok := spec["volumeClaimTemplates"].([]interface{}); ok {
			for _, v := range vcts {
				if m, ok := v.(object); ok {
					delete(m, "status")
					if md, ok := m["metadata"].(object); ok {
						neatMetadata(md)
					}
				}
			}
		}
	case "DaemonSet":
		dropDefault(spec, "revisionHistoryLimit", 10)
		dropDefault(spec, "updateStrategy", object{"type": "RollingUpdate", "rollingUpdate": object{"maxSurge": 0, "maxUnavailable": 1}})
	}
	tpl, ok := spec["template"].(object)
	if !ok {
		return
	}
	if md, ok := tpl["metadata"].(object); ok {
		neatMetadata(md) // the server writes creationTimestamp: null here
		if len(md) == 0 {
			delete(tpl, "metadata")
		}
	}
	if ps, ok := tpl["spec"].(object); ok {
		neatPodSpec(ps)
	}
}

// The service-account token volume the ServiceAccount admission plugin adds: projected kube-api-access-<5> since
// Kubernetes 1.22, a <account>-token-<5> Secret before.
var tokenVolume = regexp.MustCompile(`^kube-api-access-[a-z0-9]{5}$`)
var tokenSecret = regexp.MustCompile(`-token-[a-z0-9]{5}$`)

func neatPodSpec(spec object) {
	dropDefault(spec, "dnsPolicy", "ClusterFirst")
	dropDefault(spec, "restartPolicy", "Always")
	dropDefault(spec, "schedulerName", "default-scheduler")
	dropDefault(spec, "terminationGracePeriodSeconds", 30)
	dropDefault(spec, "enableServiceLinks", true)
	dropDefault(spec, "securityContext", object{})
	if sa, ok := spec["serviceAccount"]; ok && sa == spec["serviceAccountName"] {
		delete(spec, "serviceAccount") // the deprecated alias the server copies from serviceAccountName
	}
	tokens := map[string]bool{}
	if vols, ok := spec["volumes"].([]interface{}); ok {
		kept := vols[:0]
		for _, v := range vols {
			m, _ := v.(object)
			name, _ := m["name"].(string)
			if m != nil && isTokenVolume(name, m) {
				tokens[name] = true
				continue
			}
			if m != nil {
				neatVolume(m)
			}
			kept = append(kept, v)
		}
		setOrDrop(spec, "volumes", kept)
	}
	for _, list := range []string{"initContainers", "containers"} {
		cs, _ := spec[list].([]interface{})
		for _, c := range cs {
			if m, ok := c.(object); ok {
				neatContainer(m, tokens)
			}
		}
	}
}

func isTokenVolume(name string, v object) bool {
	if _, ok := v["projected"]; ok && tokenVolume.MatchString(name) {
		return true
	}
	if s, ok := v["secret"].(object); ok {
		sn, _ := s["secretName"].(string)
		return sn == name && tokenSecret.MatchString(name)
	}
	return false
}

func neatVolume(v object) {
	for _, src := range []string{"configMap", "secret", "downwardAPI", "projected"} {
		if m, ok := v[src].(object); ok {
			dropDefault(m, "defaultMode", 420)
		}
	}
}

func neatContainer(c object, tokens map[string]bool) {
	dropDefault(c, "terminationMessagePath", "/dev/termination-log")
	dropDefault(c, "terminationMessagePolicy", "File")
	dropDefault(c, "resources", object{})
	if image, ok := c["image"].(string); ok {
		dropDefault(c, "imagePullPolicy", defaultPullPolicy(image))
	}
	if ports, ok := c["ports"].([]interface{}); ok {
		for _, p := range ports {
			if m, ok := p.(object); ok {
				dropDefault(m, "protocol", "TCP")
			}
		}
	}
	for _, probe := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
		p, ok := c[probe].(object)
		if !ok {
			continue
		}
		dropDefault(p, "timeoutSeconds", 1)
		dropDefault(p, "periodSeconds", 10)
		dropDefault(p, "successThreshold", 1)
		dropDefault(p, "failureThreshold", 3)
		if h, ok := p["httpGet"].(object); ok {
			dropDefault(h, "scheme", "HTTP")
		}
	}
	if mounts, ok := c["volumeMounts"].([]interface{}); ok && len(tokens) > 0 {
		kept := mounts[:0]
		for _, m := range mounts {
			if mm, ok := m.(object); ok {
				if n, _ := mm["name"].(string); tokens[n] {
					continue
				}
			}
			kept = append(kept, m)
		}
		setOrDrop(c, "volumeMounts", kept)
	}
}

// defaultPullPolicy is the server's default: Always for an image without a tag or tagged latest, IfNotPresent
// otherwise (a digest counts as pinned).
func defaultPullPolicy(image string) string {
	if strings.Contains(image, "@") {
		return "IfNotPresent"
	}
	last := image[strings.LastIndexByte(image, '/')+1:]
	if i := strings.LastIndexByte(last, ':'); i >= 0 && last[i+1:] != "latest" {
		return "IfNotPresent"
	}
	return "Always"
}

func neatService(spec object) {
	// Allocated by the cluster; a headless Service's "None" is authored and stays.
	if ip, _ := spec["clusterIP"].(string); ip != "None" {
		delete(spec, "clusterIP")
	}
	delete(spec, "clusterIPs")
	dropDefault(spec, "type", "ClusterIP")
	dropDefault(spec, "sessionAffinity", "None")
	dropDefault(spec, "internalTrafficPolicy", "Cluster")
	dropDefault(spec, "externalTrafficPolicy", "Cluster")
	dropDefault(spec, "allocateLoadBalancerNodePorts", true)
	if spec["ipFamilyPolicy"] == "SingleStack" {
		delete(spec, "ipFamilyPolicy")
		if fams, ok := spec["ipFamilies"].([]interface{}); ok && len(fams) == 1 {
			delete(spec, "ipFamilies")
		}
	}
	ports, _ := spec["ports"].([]interface{})
	for _, p := range ports {
		m, ok := p.(object)
		if !ok {
			continue
		}
		dropDefault(m, "protocol", "TCP")
		if tp, ok := m["targetPort"]; ok && equal(tp, m["port"]) {
			delete(m, "targetPort")
		}
	}
}

// dropDefault deletes m[key] when it equals def.
func dropDefault(m object, key string, def interface{}) {
	if v, ok := m[key]; ok && equal(v, def) {
		delete(m, key)
	}
}

// equal compares a decoded JSON value with a Go literal (numbers by value).
func equal(a, b interface{}) bool {
	x, err1 := json.Marshal(normalize(a))
	y, err2 := json.Marshal(normalize(b))
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

func normalize(v interface{}) interface{} {
	switch t := v.(type) {
	case json.Number:
		if f, err := t.Float64(); err == nil {
			return f
		}
	case int:
		return float64(t)
	case object:
		out := object{}
		for k, e := range t {
			out[k] = normalize(e)
		}
		return out
	case []interface{}:
		out := make([]interface{}, len(t))
		for i, e := range t {
			out[i] = normalize(e)
		}
		return out
	}
	return v
}

func isEmptyMap(v interface{}) bool {
	m, ok := v.(object)
	return ok && len(m) == 0
}

func setOrDrop(m object, key string, list []interface{}) {
	if len(list) == 0 {
		delete(m, key)
	} else {
		m[key] = list
	}
}
